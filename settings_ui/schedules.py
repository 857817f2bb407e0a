"""The three battery schedules the UI edits, as plain values for forms, the audit log and timelines.

The schedule objects themselves (validation, parameter lists, read-back parsing) live in
:mod:`growatt.schedules`; this module only describes each kind for the UI and converts between
those objects and JSON-able dicts::

    {"power": 100, "stop_soc": 90, "ac_charge": True,          # ac_charge: mix charge only
     "slots": [{"start": "23:30", "end": "05:30", "enabled": True}, ...3]}
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from growatt import MixChargeSchedule, MixDischargeSchedule, ScheduleError, SpaChargeSchedule, TimeSlot
from plants.models import Device
from settings_ui.models import MIX_CHARGE, MIX_DISCHARGE, SPA_CHARGE

MINUTES_PER_DAY = 24 * 60


@dataclasses.dataclass(frozen=True)
class ScheduleKind:
    slug: str  # URL segment
    setting_type: str
    schedule_cls: type
    device_kind: str
    title: str
    power_label: str
    soc_label: str
    soc_help: str
    write_method: str  # AccountLink.write method
    bar_class: str  # timeline colour
    default_stop_soc: int
    has_ac_switch: bool = False

    @property
    def power_field(self) -> str:
        return self.schedule_cls._POWER_FIELD


MIX_CHARGE_KIND = ScheduleKind(
    slug="charge", setting_type=MIX_CHARGE, schedule_cls=MixChargeSchedule, device_kind=Device.Kind.MIX,
    title="AC charge schedule", power_label="Charge power", soc_label="Stop charging at",
    soc_help="The battery stops charging in these windows once it reaches this state of charge.",
    write_method="update_mix_inverter_setting", bar_class="charge", default_stop_soc=100, has_ac_switch=True,
)
MIX_DISCHARGE_KIND = ScheduleKind(
    slug="discharge", setting_type=MIX_DISCHARGE, schedule_cls=MixDischargeSchedule,
    device_kind=Device.Kind.MIX, title="Discharge schedule", power_label="Discharge power",
    soc_label="Stop discharging at",
    soc_help="The battery stops discharging to the grid in these windows once it is down to this level.",
    write_method="update_mix_inverter_setting", bar_class="discharge", default_stop_soc=10,
)
SPA_CHARGE_KIND = ScheduleKind(
    slug="spa-charge", setting_type=SPA_CHARGE, schedule_cls=SpaChargeSchedule, device_kind=Device.Kind.SPA,
    title="AC charge schedule", power_label="Charge power", soc_label="Stop charging at",
    soc_help="The battery stops charging in these windows once it reaches this state of charge.",
    write_method="update_ac_inverter_setting", bar_class="charge", default_stop_soc=100,
)

KINDS = {kind.slug: kind for kind in (MIX_CHARGE_KIND, MIX_DISCHARGE_KIND, SPA_CHARGE_KIND)}
KINDS_BY_SETTING = {kind.setting_type: kind for kind in KINDS.values()}
KINDS_FOR_DEVICE = {
    Device.Kind.MIX: (MIX_CHARGE_KIND, MIX_DISCHARGE_KIND),
    Device.Kind.SPA: (SPA_CHARGE_KIND,),
}
SCHEDULE_DEVICE_KINDS = tuple(KINDS_FOR_DEVICE)


def _hm(value: dt.time) -> str:
    return f"{value:%H:%M}"


def schedule_value(schedule) -> dict:
    """A schedule object as a JSON-able dict (the audit log's old/new value)."""
    value = {
        "power": getattr(schedule, schedule._POWER_FIELD),
        "stop_soc": schedule.stop_soc,
        "slots": [{"start": _hm(s.start), "end": _hm(s.end), "enabled": s.enabled} for s in schedule.slots],
    }
    if isinstance(schedule, MixChargeSchedule):
        value["ac_charge"] = schedule.ac_charge
    return value


def schedule_from_value(kind: ScheduleKind, value: dict):
    """The inverse of :func:`schedule_value`; raises :class:`ScheduleError` on anything malformed."""
    try:
        slots = tuple(
            TimeSlot(dt.time.fromisoformat(s["start"]), dt.time.fromisoformat(s["end"]), bool(s["enabled"]))
            for s in value["slots"]
        )
        args = {kind.power_field: value["power"], "stop_soc": value["stop_soc"], "slots": slots}
        if kind.has_ac_switch:
            args["ac_charge"] = bool(value.get("ac_charge", False))
        return kind.schedule_cls(**args)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ScheduleError):
            raise
        raise ScheduleError(f"not a {kind.title.lower()}: {exc}") from None


def default_schedule(kind: ScheduleKind):
    """What an inverter shows out of the box: full power, the usual stop SOC, every slot off."""
    args = {kind.power_field: 100, "stop_soc": kind.default_stop_soc, "slots": (TimeSlot.off(),) * 3}
    if kind.has_ac_switch:
        args["ac_charge"] = False
    return kind.schedule_cls(**args)


def form_initial(kind: ScheduleKind, schedule) -> dict:
    initial = {"power": getattr(schedule, kind.power_field), "stop_soc": schedule.stop_soc}
    if kind.has_ac_switch:
        initial["ac_charge"] = schedule.ac_charge
    for n, slot in enumerate(schedule.slots, start=1):
        initial[f"slot{n}_start"] = slot.start
        initial[f"slot{n}_end"] = slot.end
        initial[f"slot{n}_enabled"] = slot.enabled
    return initial


def form_data(kind: ScheduleKind, value: dict) -> dict:
    """POST-style data for the schedule form from a stored value (used by revert)."""
    data = {"power": str(value.get("power", "")), "stop_soc": str(value.get("stop_soc", ""))}
    if kind.has_ac_switch and value.get("ac_charge"):
        data["ac_charge"] = "on"
    for n, slot in enumerate(value.get("slots") or [], start=1):
        if n > 3 or not isinstance(slot, dict):
            break
        data[f"slot{n}_start"] = str(slot.get("start", ""))
        data[f"slot{n}_end"] = str(slot.get("end", ""))
        if slot.get("enabled"):
            data[f"slot{n}_enabled"] = "on"
    return data


def fingerprint(value) -> str:
    """A short stable digest of a value: the edit form carries it to notice changes made meanwhile."""
    if value is None:
        return ""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def same_schedule(a: dict | None, b: dict | None) -> bool:
    """Equal for the inverter: disabled slots compare equal whatever their times."""
    if a is None or b is None:
        return False

    def norm(value: dict) -> dict:
        slots = [s if s.get("enabled") else {"enabled": False} for s in value.get("slots", [])]
        return {**value, "slots": slots}

    return norm(a) == norm(b)


# --------------------------------------------------------------------------------------
# Timeline geometry: minutes of the day, drawn as SVG rects (attributes, so no inline style)
# --------------------------------------------------------------------------------------


def slot_bars(slot: TimeSlot | dict, number: int) -> list[dict]:
    """Rects (x, width in minutes) for one enabled slot; a slot over midnight gives two."""
    if isinstance(slot, dict):
        start = dt.time.fromisoformat(slot["start"])
        end = dt.time.fromisoformat(slot["end"])
        slot = TimeSlot(start, end, bool(slot.get("enabled")))
    if not slot.enabled or slot.start_minute == slot.end_minute:
        return []
    title = f"Slot {number}: {slot.start:%H:%M}–{slot.end:%H:%M}"
    if slot.crosses_midnight:
        title += " (over midnight)"
        return [
            {"x": slot.start_minute, "width": MINUTES_PER_DAY - slot.start_minute, "title": title},
            {"x": 0, "width": slot.end_minute, "title": title},
        ]
    return [{"x": slot.start_minute, "width": slot.end_minute - slot.start_minute, "title": title}]


def timeline_row(label: str, css: str, schedule) -> dict:
    bars = []
    if schedule is not None:
        for n, slot in enumerate(schedule.slots, start=1):
            bars.extend(slot_bars(slot, n))
    return {"label": label, "css": css, "bars": bars}


TIMELINE_TICKS = [{"x": h * 60, "label": f"{h:02d}:00"} for h in range(0, 25, 3)]


def minute_of_day(when: dt.datetime) -> int:
    return when.hour * 60 + when.minute
