"""Forms of the share page and the invitation sign-up."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.validators import validate_email
from django.utils import timezone

from plants.models import SHARE_ROLES, Plant

ROLE_HELP = "Viewers see dashboards, devices and CSV exports. Editors may also change schedules and plant settings."


class InviteForm(forms.Form):
    who = forms.CharField(
        label="Email address or username", max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "name@example.com"}),
        help_text="Someone new gets a link to create an account; an existing user can log in and accept.",
    )
    role = forms.ChoiceField(choices=SHARE_ROLES, initial="viewer", help_text=ROLE_HELP)

    def __init__(self, plant: Plant, *args, **kwargs):
        self.plant = plant
        super().__init__(*args, **kwargs)

    def clean_who(self) -> dict:
        """{"email": ...} for an address, {"user": User} for an existing username."""
        value = self.cleaned_data["who"].strip()
        User = get_user_model()
        if "@" in value:
            try:
                validate_email(value)
            except forms.ValidationError as exc:
                raise forms.ValidationError("That is not a valid email address.") from exc
            if value.lower() == (self.plant.account.owner.email or "").lower():
                raise forms.ValidationError("That is your own address: you own this plant already.")
            return {"email": value}
        user = User.objects.filter(username__iexact=value).first()
        if user is None:
            raise forms.ValidationError(f"There is no user named “{value}”. To invite someone new, "
                                        "enter their email address.")
        if user.pk == self.plant.account.owner_id:
            raise forms.ValidationError("You own this plant already.")
        existing = self.plant.memberships.filter(user=user).first()
        if existing:
            raise forms.ValidationError(f"{user.get_username()} already has access as "
                                        f"{existing.get_role_display().lower()}; change the role in the list below.")
        return {"user": user}


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=SHARE_ROLES)


KIOSK_EXPIRY_CHOICES = [
    ("", "Never (until revoked)"),
    ("1", "In 1 day"),
    ("7", "In 7 days"),
    ("30", "In 30 days"),
    ("365", "In a year"),
]


class KioskLinkForm(forms.Form):
    label = forms.CharField(max_length=100, initial="Kitchen tablet",
                            help_text="Where the link is used, so you know which one to revoke.")
    expires = forms.ChoiceField(label="Expires", choices=KIOSK_EXPIRY_CHOICES, required=False)

    def clean_expires(self) -> dt.datetime | None:
        days = self.cleaned_data.get("expires")
        return timezone.now() + dt.timedelta(days=int(days)) if days else None


class InviteSignupForm(UserCreationForm):
    """Create a web account from an invitation link (works even when open sign-up is off)."""

    email = forms.EmailField(label="Email address", help_text="For password resets.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")
