"""Send one write to Growatt, exactly once, and record it in the audit log.

The order matters: the audit row is written first (``pending``), then the request goes out
through :meth:`AccountLink.write` (never retried), then the reply or the error is recorded,
then the setting is read back. A second confirm of the same preview carries the same token and
finds the row instead of sending again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from growatt import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattError,
    GrowattTimeout,
    SessionExpired,
    SettingRejected,
)
from plants.crypto import EncryptionKeyError
from plants.growatt_link import AccountLink, LoginInProgress, LoginRefusedLocally
from settings_ui.models import SettingChange
from settings_ui.readback import explain, finish

log = logging.getLogger(__name__)

Outcome = SettingChange.Outcome
ReadBack = SettingChange.ReadBack

# Errors raised before the server could act on the write: certainly nothing changed.
NOT_SENT = (LoginRefusedLocally, LoginInProgress, AccountLocked, BadCredentials, Blocked, SessionExpired,
            DeviceNotFound, EncryptionKeyError)


def record_and_send(
    *,
    link: AccountLink,
    entry: SettingChange,
    send: Callable[[], Any],
    read_back: Callable[[], tuple[Any, str]],
    matches: Callable[[Any], bool],
) -> SettingChange:
    """Create ``entry`` (unsaved, with a unique token), send once, record, read back.

    ``read_back()`` returns ``(value, error_text)``; ``value`` is None when nothing could be read.
    Returns the saved entry, or the existing one when this token was already used.
    """
    try:
        with transaction.atomic():
            entry.outcome = Outcome.PENDING
            entry.save()
    except IntegrityError:
        existing = SettingChange.objects.filter(token=entry.token).first()
        if existing is not None:
            return existing
        raise

    try:
        reply = send()
    except SettingRejected as exc:
        entry.outcome = Outcome.REJECTED
        entry.reply = {"success": False, "msg": exc.msg}
        entry.message = explain(exc)
    except GrowattTimeout as exc:
        if exc.connect_timeout:
            entry.outcome = Outcome.ERROR
        else:
            entry.outcome = Outcome.UNKNOWN
        entry.reply = {"error": "timeout", "connect_timeout": exc.connect_timeout}
        entry.message = explain(exc)
    except NOT_SENT as exc:
        entry.outcome = Outcome.ERROR
        entry.reply = {"error": type(exc).__name__}
        entry.message = explain(exc)
    except GrowattError as exc:
        # Sent, but the answer was a server error or unreadable: it may or may not have arrived.
        entry.outcome = Outcome.UNKNOWN
        entry.reply = {"error": type(exc).__name__, "status": getattr(exc, "status", None)}
        entry.message = explain(exc)
    except ValueError as exc:
        # The client checks its arguments before any request (ScheduleError, missing plant keys).
        entry.outcome = Outcome.ERROR
        entry.reply = {"error": type(exc).__name__}
        entry.message = f"growattweb did not send this: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bug must not turn into a 500 with the outcome lost
        log.exception("write %s failed unexpectedly", entry.pk)
        entry.outcome = Outcome.UNKNOWN
        entry.reply = {"error": type(exc).__name__}
        entry.message = "Something unexpected went wrong while sending; the change may or may not have arrived."
    else:
        entry.outcome = Outcome.SUCCESS
        entry.reply = reply if isinstance(reply, (dict, list)) else {"text": str(reply)}
        entry.message = "Growatt accepted the change."
    entry.save(update_fields=["outcome", "reply", "message"])

    if entry.outcome in (Outcome.SUCCESS, Outcome.UNKNOWN):
        check_read_back(entry, read_back, matches)
    finish(link)
    return entry


def check_read_back(entry: SettingChange, read_back: Callable[[], tuple[Any, str]],
                    matches: Callable[[Any], bool]) -> SettingChange:
    """Read the setting again and record whether Growatt now shows the new value."""
    try:
        value, error = read_back()
    except Exception:  # noqa: BLE001 - a failed read-back must never hide the write's outcome
        log.exception("read-back failed for change %s", entry.pk)
        value, error = None, "The read-back failed."
    entry.readback_at = timezone.now()
    if value is None:
        entry.readback = ReadBack.UNAVAILABLE
        entry.readback_value = {"error": error} if error else None
    else:
        entry.readback_value = value
        entry.readback = ReadBack.MATCHED if matches(value) else ReadBack.DIFFERS
    entry.save(update_fields=["readback", "readback_value", "readback_at"])
    return entry
