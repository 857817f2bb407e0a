from __future__ import annotations

from django import forms
from django.core.validators import URLValidator

from growatt import SERVERS
from plants.models import GrowattAccount, Plant, validate_timezone

CUSTOM = "custom"


class GrowattAccountForm(forms.ModelForm):
    """Add a Growatt account. The password is write-only: never rendered back."""

    server = forms.ChoiceField(label="Growatt server", help_text="The region your Growatt account was registered in.")
    custom_server_url = forms.CharField(
        label="Custom server URL", required=False,
        help_text="Only for OEM servers (for example http://server.smten.com/).",
    )
    password = forms.CharField(label="Growatt password", strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))

    class Meta:
        model = GrowattAccount
        fields = ["label", "username"]
        labels = {"username": "Growatt username", "label": "Label"}
        help_texts = {"label": "A name for this account, e.g. “Home” or “Mum’s house”."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(url, label) for url, label in SERVERS] + [(CUSTOM, "Other (custom URL)…")]
        self.fields["server"].choices = choices
        if self.instance.pk:
            known = {url for url, _ in SERVERS}
            if self.instance.server_url in known:
                self.initial.setdefault("server", self.instance.server_url)
            else:
                self.initial.setdefault("server", CUSTOM)
                self.initial.setdefault("custom_server_url", self.instance.server_url)

    def clean_custom_server_url(self):
        value = self.cleaned_data.get("custom_server_url", "").strip()
        if value:
            try:
                URLValidator(schemes=["http", "https"])(value)
            except forms.ValidationError as exc:
                raise forms.ValidationError("Enter a full http:// or https:// address.") from exc
            if not value.endswith("/"):
                value += "/"
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("server") == CUSTOM:
            if not cleaned.get("custom_server_url"):
                self.add_error("custom_server_url", "Enter the server address, or pick a region.")
            cleaned["server_url"] = cleaned.get("custom_server_url")
        else:
            cleaned["server_url"] = cleaned.get("server")
        return cleaned

    def save(self, commit=True):
        account = super().save(commit=False)
        account.server_url = self.cleaned_data["server_url"]
        account.password = self.cleaned_data["password"]
        if commit:
            account.save()
        return account


class CredentialsForm(forms.Form):
    """Fix the credentials after Growatt refused them."""

    username = forms.CharField(label="Growatt username", max_length=150)
    password = forms.CharField(label="Growatt password", strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


class PlantTimezoneForm(forms.ModelForm):
    class Meta:
        model = Plant
        fields = ["timezone"]
        help_texts = {"timezone": "IANA name, e.g. Europe/Berlin. Days and charts use it."}

    def clean_timezone(self):
        value = self.cleaned_data["timezone"].strip()
        validate_timezone(value)
        return value
