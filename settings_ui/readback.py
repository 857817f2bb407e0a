"""Reading current settings from Growatt, and saying what went wrong in plain words.

Every read goes through :class:`plants.growatt_link.AccountLink` (shared session, guarded
re-login). Nothing here raises a Growatt error to a view: failures come back as text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from growatt import (
    DeviceNotFound,
    GrowattError,
    ScheduleError,
    UnexpectedReply,
)
from plants.crypto import EncryptionKeyError
from plants.explain import explain_growatt_error
from plants.growatt_link import (
    AccountLink,
)
from plants.models import Device, Plant
from settings_ui.models import SettingChange
from settings_ui.schedules import ScheduleKind, default_schedule, fingerprint, schedule_from_value, schedule_value

log = logging.getLogger(__name__)

# One wording for Growatt failures across the app.
explain = explain_growatt_error


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
