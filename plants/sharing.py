"""Sharing a plant: memberships, single-use invitations and read-only kiosk links.

Tokens (invitations and kiosk links) are 256-bit random strings handed out once;
the database keeps only their SHA-256, so a copy of the database opens nothing.
Views stay thin callers of these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from plants.models import Invitation, KioskLink, Plant, PlantMembership, Role

log = logging.getLogger(__name__)

INVITATION_LIFETIME = dt.timedelta(days=7)
# A kiosk polls every minute or so; recording "last used" more often than this is pointless writes.
KIOSK_USAGE_RESOLUTION = dt.timedelta(minutes=5)


class SharingError(Exception):
    """Something a person asked for that cannot be done; the message is for them."""


class InvitationUnusable(SharingError):
    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plant_url(plant: Plant) -> str:
    """The plant's page once the dashboards provide it, else the home page."""
    try:
        return reverse("plant_detail", args=[plant.pk])
    except NoReverseMatch:
        return reverse("home")


# --- memberships -----------------------------------------------------------------------


def share_with(plant: Plant, user, role: str) -> PlantMembership:
    """Give someone access to a plant (or change their role). The owner never becomes a member."""
    if role not in (Role.EDITOR, Role.VIEWER):
        raise SharingError(f"“{role}” is not a role a plant can be shared with.")
    if plant.account.owner_id == user.pk:
        raise SharingError("That is the plant's owner.")
    membership, _ = PlantMembership.objects.update_or_create(plant=plant, user=user, defaults={"role": role})
    return membership


def members(plant: Plant):
    return plant.memberships.select_related("user").order_by("user__username")


def leave(plant: Plant, user) -> bool:
    deleted, _ = PlantMembership.objects.filter(plant=plant, user=user).delete()
    return bool(deleted)


# --- invitations ----------------------------------------------------------------------------


def invite(plant: Plant, *, created_by, role: str, email: str = "", user=None,
           now: dt.datetime | None = None) -> tuple[Invitation, str]:
    """A new single-use invitation and its token (returned once, stored only as a hash).

    An earlier pending invitation for the same person is revoked: the newest link is the valid one.
    """
    if role not in (Role.EDITOR, Role.VIEWER):
        raise SharingError(f"“{role}” is not a role a plant can be shared with.")
    if not email and user is None:
        raise SharingError("Say whom to invite: an email address or a username.")
    if user is not None:
        if plant.account.owner_id == user.pk:
            raise SharingError("You own this plant already.")
        existing = plant.memberships.filter(user=user).first()
        if existing:
            raise SharingError(f"{user.get_username()} already has access as {existing.get_role_display().lower()}; "
                               "change the role in the list of members instead.")
    now = now or timezone.now()
    token = new_token()
    with transaction.atomic():
        same_person = Q(user=user) if user is not None else Q(email__iexact=email, user__isnull=True)
        plant.invitations.pending(now).filter(same_person).update(revoked_at=now)
        invitation = Invitation.objects.create(
            plant=plant, email=email or (user.email if user is not None else ""), user=user, role=role,
            token_hash=hash_token(token), created_by=created_by, created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
    return invitation, token


def invitation_path(token: str) -> str:
    return reverse("invitation_accept", args=[token])


def send_invitation_email(invitation: Invitation, link: str) -> bool:
    """Mail the link to the invitee; False when there is no address or the mail server refused it.

    The invitation stands either way: the share page shows the link to copy.
    """
    if not invitation.email:
        return False
    inviter = invitation.created_by.get_username() if invitation.created_by else "Someone"
    plant = invitation.plant
    try:
        _send_invitation_mail(invitation, link, inviter, plant)
    except (smtplib.SMTPException, OSError):
        log.warning("could not email invitation %s", invitation.pk, exc_info=True)
        return False
    return True


def _send_invitation_mail(invitation: Invitation, link: str, inviter: str, plant: Plant) -> None:
    days = INVITATION_LIFETIME.days
    send_mail(
        subject=f"{inviter} shared the solar plant “{plant.name}” with you",
        message=(
            f"Hello,\n\n{inviter} invites you to see the solar plant “{plant.name}” on growattweb "
            f"as {invitation.get_role_display().lower()}.\n\n"
            f"Open this link to accept (you can create an account there):\n{link}\n\n"
            f"The link works once and expires in {days} days. If you did not expect it, ignore this email.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def find_invitation(token: str) -> Invitation | None:
    if not token:
        return None
    return (
        Invitation.objects.select_related("plant", "plant__account__owner", "user", "created_by")
        .filter(token_hash=hash_token(token)).first()
    )


def invitation_problem(invitation: Invitation, user=None, now: dt.datetime | None = None) -> InvitationUnusable | None:
    """Why this invitation cannot be accepted (by this user), or None when it can."""
    now = now or timezone.now()
    if invitation.accepted_at:
        return InvitationUnusable("used", "This invitation link has already been used. "
                                          "Each link works once: ask the plant's owner for a new one.")
    if invitation.revoked_at:
        return InvitationUnusable("revoked", "This invitation was withdrawn by the plant's owner.")
    if invitation.expires_at <= now:
        when = timezone.localtime(invitation.expires_at)
        return InvitationUnusable("expired", f"This invitation expired on {when:%Y-%m-%d}. "
                                             "Ask the plant's owner for a new link.")
    if user is not None and user.is_authenticated:
        if invitation.plant.account.owner_id == user.pk:
            return InvitationUnusable("owner", "You own this plant, so you see it already.")
        if invitation.user_id and invitation.user_id != user.pk:
            return InvitationUnusable("wrong_user", f"This invitation is for the account "
                                                    f"“{invitation.user.get_username()}”, not the one you are "
                                                    "logged in with.")
    return None


def accept_invitation(invitation: Invitation, user, now: dt.datetime | None = None) -> PlantMembership:
    """Turn the invitation into a membership, exactly once (a compare-and-swap on accepted_at)."""
    now = now or timezone.now()
    problem = invitation_problem(invitation, user, now)
    if problem:
        raise problem
    with transaction.atomic():
        won = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=user)
        if not won:
            invitation.refresh_from_db()
            raise invitation_problem(invitation, user, now) or InvitationUnusable(
                "used", "This invitation link has already been used.")
        invitation.accepted_at, invitation.accepted_by = now, user
        return share_with(invitation.plant, user, invitation.role)


def revoke_invitation(invitation: Invitation, now: dt.datetime | None = None) -> bool:
    return bool(Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True)
                .update(revoked_at=now or timezone.now()))


# --- kiosk links ------------------------------------------------------------------------------


def create_kiosk_link(plant: Plant, *, label: str, created_by, expires_at: dt.datetime | None = None,
                      now: dt.datetime | None = None) -> tuple[KioskLink, str]:
    token = new_token()
    link = KioskLink.objects.create(plant=plant, label=label, token_hash=hash_token(token), created_by=created_by,
                                    created_at=now or timezone.now(), expires_at=expires_at)
    return link, token


def kiosk_path(token: str) -> str:
    return reverse("kiosk", args=[token])


def find_kiosk_link(token: str, now: dt.datetime | None = None) -> KioskLink | None:
    """The active kiosk link for this token (with its plant), or None: unknown, revoked and expired look alike."""
    if not token:
        return None
    return KioskLink.objects.active(now).select_related("plant").filter(token_hash=hash_token(token)).first()


def touch_kiosk_link(link: KioskLink, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    KioskLink.objects.filter(pk=link.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - KIOSK_USAGE_RESOLUTION)
    ).update(last_used_at=now)


def revoke_kiosk_link(link: KioskLink, now: dt.datetime | None = None) -> bool:
    return bool(KioskLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now or timezone.now()))
