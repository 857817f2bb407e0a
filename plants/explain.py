"""Plain words for everything that can go wrong when talking to Growatt.

One table for the whole app: account pages, the sync's error line and the settings
forms all say the same thing for the same failure. Never a stack trace, never a secret.
"""

from __future__ import annotations

from django.utils import timezone

from growatt import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattError,
    GrowattTimeout,
    GrowattTransportError,
    SessionExpired,
    SettingRejected,
    UnexpectedReply,
)
from plants.crypto import EncryptionKeyError
from plants.growatt_link import CredentialsRefused, LoginCapReached, LoginInProgress, StillLocked

REJECTION_TEXT = {
    "inv_set_failure": "The inverter refused these values (Growatt answered “inv_set_failure”). "
                       "Nothing was changed.",
    "inv_set_time_format": "Growatt refused the time format (“inv_set_time_format”). Nothing was changed.",
}


def explain_growatt_error(exc: BaseException) -> str:
    """Plain words for a failed call (never a stack trace, never a secret)."""
    if isinstance(exc, SettingRejected):
        text = REJECTION_TEXT.get(exc.msg or "")
        if text:
            return text
        return f"Growatt rejected the change (it answered “{exc.msg or 'no reason given'}”). Nothing was changed."
    if isinstance(exc, GrowattTimeout):
        if exc.connect_timeout:
            return "Growatt's server could not be reached in time. Nothing was sent."
        return "Growatt did not answer in time."
    if isinstance(exc, StillLocked):
        return (f"Growatt has locked this account until {timezone.localtime(exc.locked_until):%Y-%m-%d %H:%M}. "
                "growattweb sends nothing until then.")
    if isinstance(exc, (CredentialsRefused, BadCredentials)):
        return ("Growatt refused the username or password. Check them (and the server region) on the "
                "Growatt account page.")
    if isinstance(exc, AccountLocked):
        return "Growatt has locked this account after too many logins. growattweb sends nothing until it ends."
    if isinstance(exc, LoginCapReached):
        return f"{exc} growattweb logs in sparingly so that Growatt does not lock the account."
    if isinstance(exc, LoginInProgress):
        return "Another part of growattweb is logging in to this Growatt account right now. Try again in a minute."
    if isinstance(exc, Blocked):
        return "Growatt's firewall blocked the request. Try again later."
    if isinstance(exc, SessionExpired):
        return "The Growatt session expired and could not be renewed. Try again later."
    if isinstance(exc, DeviceNotFound):
        return "Growatt does not know this device under this account (or not as this device type)."
    if isinstance(exc, GrowattTransportError):
        return "Growatt's server did not answer properly (network or server error)."
    if isinstance(exc, UnexpectedReply):
        return "Growatt answered with something growattweb could not understand."
    if isinstance(exc, EncryptionKeyError):
        return "The stored Growatt credentials cannot be decrypted: the server's encryption keys are misconfigured."
    if isinstance(exc, GrowattError):
        return f"Growatt answered unexpectedly: {exc.message or type(exc).__name__}."
    return "Something went wrong while talking to Growatt."
