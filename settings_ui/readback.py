"""Reading current settings from Growatt, and saying what went wrong in plain words.

Every read goes through :class:`plants.growatt_link.AccountLink` (shared session, guarded
re-login). Nothing here raises a Growatt error to a view: failures come back as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.utils import timezone

from growatt import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattError,
    GrowattTimeout,
    GrowattTransportError,
    ScheduleError,
    SessionExpired,
    SettingRejected,
    UnexpectedReply,
)
from plants.crypto import EncryptionKeyError
from plants.growatt_link import (
    AccountLink,
    CredentialsRefused,
    LoginCapReached,
    LoginInProgress,
    StillLocked,
)
from plants.models import Device, Plant
from settings_ui.models import SettingChange
from settings_ui.schedules import ScheduleKind, default_schedule, fingerprint, schedule_from_value, schedule_value

log = logging.getLogger(__name__)

REJECTION_TEXT = {
    "inv_set_failure": "The inverter refused these values (Growatt answered “inv_set_failure”). "
                       "Nothing was changed.",
    "inv_set_time_format": "Growatt refused the time format (“inv_set_time_format”). Nothing was changed.",
}


def explain(exc: BaseException) -> str:
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
        return "Growatt refused the account's username or password. Fix them on the Growatt account page."
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


# --------------------------------------------------------------------------------------
# Device settings (the getMixSetParams bean)
# --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Reading:
    """One read of a device's settings: the bean, or why there is none."""

    bean: dict | None = None
    error: str = ""
    #: True when Growatt answered but has no settings for this device (e.g. an SPA): not an outage.
    unsupported: bool = False

    @property
    def ok(self) -> bool:
        return self.bean is not None

    def schedule(self, kind: ScheduleKind):
        """The kind's schedule parsed from the bean, or None when absent or malformed."""
        if self.bean is None:
            return None
        try:
            return kind.schedule_cls.from_mix_bean(self.bean)
        except ScheduleError as exc:
            log.info("bean does not hold a %s: %s", kind.setting_type, exc)
            return None

    def inverter_time(self) -> dt.datetime | None:
        if self.bean is None:
            return None
        return parse_inverter_time(self.bean)


TIME_KEYS = ("sysTime", "sysTimeText", "pf_sys_year", "time", "sysTimeStr")


def parse_inverter_time(data: dict) -> dt.datetime | None:
    """The inverter's own wall-clock time (naive) from a bean or a device detail dict."""
    for key in TIME_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        text = value.strip()
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S"):
            try:
                return dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
    return None


def read_device(link: AccountLink, device: Device) -> Reading:
    """``getMixSetParams`` for a mix or spa device. SPA settings have no published read-back; when
    Growatt has none the reading says so (``unsupported``) instead of failing."""
    try:
        obj = link.call("get_mix_inverter_settings", device.serial)
    except (DeviceNotFound, UnexpectedReply) as exc:
        if device.kind == Device.Kind.SPA:
            return Reading(error="Growatt gives no read-back of this inverter's settings.", unsupported=True)
        return Reading(error=explain(exc))
    except (GrowattError, EncryptionKeyError) as exc:
        return Reading(error=explain(exc))
    bean = obj.get("mixBean") if isinstance(obj, dict) else None
    if not isinstance(bean, dict):
        return Reading(error="Growatt answered without the device's settings.")
    return Reading(bean=bean)


@dataclasses.dataclass
class Current:
    """What a schedule is now, and where that knowledge comes from."""

    kind: ScheduleKind
    schedule: object
    source: str  # "growatt" (read back just now), "change_log" (last applied here), "default"
    reading: Reading
    entry: SettingChange | None = None

    @property
    def value(self) -> dict:
        return schedule_value(self.schedule)

    @property
    def fingerprint(self) -> str:
        return fingerprint({"source": self.source, "value": self.value,
                            "entry": self.entry.pk if self.entry else None})

    @property
    def from_growatt(self) -> bool:
        return self.source == "growatt"

    @property
    def problems(self) -> list[str]:
        return self.schedule.problems()


def current_schedule(kind: ScheduleKind, device: Device, reading: Reading) -> Current:
    """The schedule as Growatt reports it; else the last value applied through growattweb; else
    the inverter's defaults (the spa case: Growatt may give no read-back at all)."""
    schedule = reading.schedule(kind)
    if schedule is not None:
        return Current(kind, schedule, "growatt", reading)
    entry = SettingChange.objects.last_applied(device, kind.setting_type)
    if entry is not None and isinstance(entry.new_value, dict):
        try:
            return Current(kind, schedule_from_value(kind, entry.new_value), "change_log", reading, entry)
        except ScheduleError:
            pass
    return Current(kind, default_schedule(kind), "default", reading)


# --------------------------------------------------------------------------------------
# Plant settings (getPlant)
# --------------------------------------------------------------------------------------


def read_plant_settings(link: AccountLink, plant: Plant) -> tuple[dict | None, str]:
    try:
        reply = link.call("get_plant_settings", plant.growatt_id)
    except (GrowattError, EncryptionKeyError) as exc:
        return None, explain(exc)
    if not isinstance(reply, dict) or not reply:
        return None, "Growatt answered without the plant's settings."
    return reply, ""


def finish(link: AccountLink) -> None:
    """Keep the stored session current after a request (cookies may have been refreshed)."""
    try:
        link.save_session_if_changed()
    except Exception:  # noqa: BLE001 - never fail a page over cookie bookkeeping
        log.warning("could not store the refreshed Growatt session", exc_info=True)
