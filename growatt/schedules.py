"""Typed battery schedules and the exact parameter lists the inverter settings calls take.

A schedule is a frozen value object. ``to_params()`` gives the ``param1..paramN`` list for
``newTcpsetAPI.do`` (send it with :meth:`growatt.GrowattApi.apply_schedule`);
``from_params()`` parses such a list back and ``from_mix_bean()`` parses the read-back of
``newMixApi.do?op=getMixSetParams`` (``obj.mixBean``), so that

    build → ``to_params()`` → send → server stores → read back → ``from_mix_bean()``

gives an equal object. :func:`params_to_bean_fields` is the server side of that loop (what a
stateful simulator stores in the bean for a write); :func:`schedule_to_bean_fields` applies it
to a schedule.

Parameter layouts (all values strings; hours/minutes are sent zero-padded to two digits as the
ShinePhone app does — the server accepts padded and unpadded and stores unpadded "H:M"):

=============================== ===== ==========================================================
``SETTING_TYPE``                count layout
=============================== ===== ==========================================================
``mix_ac_charge_time_period``    18   p1 charge power %, p2 stop SOC %, p3 AC (grid) charge 0/1,
                                      then per slot n=1..3: start H, start M, end H, end M, on 0/1
``mix_ac_discharge_time_period`` 17   p1 discharge power %, p2 stop SOC %, then 3 × 5 slot fields
``spa_ac_charge_time_period``    17   p1 charge power %, p2 stop SOC %, then 3 × 5 slot fields
``pf_sys_year``                   1   p1 inverter clock ``"YYYY-MM-DD HH:MM:SS"``
=============================== ===== ==========================================================

Bean field mapping (``getMixSetParams`` → ``obj.mixBean``; every value a string, times ``"H:M"``
unpadded, switches ``"0"``/``"1"``):

=============================== ==============================================================
write                           bean fields
=============================== ==============================================================
mix charge p1 / p2 / p3         ``chargePowerCommand`` / ``wchargeSOCLowLimit2`` / ``acChargeEnable``
mix charge slot n (n = 1..3)    ``forcedChargeTimeStart{n}``, ``forcedChargeTimeStop{n}``,
                                ``forcedChargeStopSwitch{n}``
mix discharge p1 / p2           ``disChargePowerCommand`` / ``wdisChargeSOCLowLimit2``
mix discharge slot n            ``forcedDischargeTimeStart{n}``, ``forcedDischargeTimeStop{n}``,
                                ``forcedDischargeStopSwitch{n}``
spa charge (no public capture)  assumed the same as mix charge without ``acChargeEnable``
``pf_sys_year``                 ``pf_sys_year``, ``sysTime``, ``sysTimeText``
=============================== ==============================================================

The mix rows come from a real SPH capture (field names) and openHAB's mapping; the SPA row is
an assumption — no SPA read-back has been published.

Rules (checked by ``validate()``, which ``to_params()`` calls; ``problems()`` lists them):

* power and stop-SOC are whole percentages 0–100 (also enforced by the constructor);
* slot times are whole minutes (constructor);
* an *enabled* slot must not start and end at the same minute;
* a slot whose end is earlier than its start **crosses midnight** (``23:00–02:00`` means
  23:00 until 02:00 the next morning); overlap is judged on the 24-hour circle, slots are
  half-open ``[start, end)`` so ``01:00–02:00`` and ``02:00–03:00`` do not overlap;
* *enabled* slots must not overlap each other. Disabled slots are ignored (the real bean
  keeps disabled ``0:0–0:0`` slots).

Parsing (``from_params`` / ``from_mix_bean``) checks only what the constructor checks, so a
schedule set elsewhere (e.g. in the app) that breaks the rules can still be shown; call
``problems()`` on it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping, Sequence
from typing import ClassVar

from .values import format_hm, parse_hm

__all__ = [
    "MixChargeSchedule",
    "MixDischargeSchedule",
    "ScheduleError",
    "SpaChargeSchedule",
    "TimeSlot",
    "inverter_time_params",
    "params_to_bean_fields",
    "schedule_to_bean_fields",
]

MINUTES_PER_DAY = 24 * 60
_INT_RE = re.compile(r"^[+-]?[0-9]+$")


class ScheduleError(ValueError):
    """A schedule (or a parameter list / bean describing one) is invalid."""


def _parse_int(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise ScheduleError(f"{what}: expected a whole number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise ScheduleError(f"{what}: expected a whole number, got {value!r}")


def _parse_switch(value: object, what: str) -> bool:
    """``"1"`` → on, ``"0"`` (and ``""``/``None`` in a bean) → off; any other whole number counts
    as on (the inverter treats non-zero as set)."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    return _parse_int(value, what) != 0


@dataclasses.dataclass(frozen=True)
class TimeSlot:
    """One time window of a schedule: ``start``/``end`` are whole-minute ``datetime.time``
    (no timezone: inverter-local time), ``end < start`` means the window crosses midnight."""

    start: datetime.time
    end: datetime.time
    enabled: bool = False

    def __post_init__(self):
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime.time):
                raise ScheduleError(f"slot {name}: expected a datetime.time, got {type(value).__name__}")
            if value.second or value.microsecond:
                raise ScheduleError(f"slot {name} {value.isoformat()}: the inverter takes whole minutes")
            if value.tzinfo is not None:
                raise ScheduleError(f"slot {name}: use a naive time (inverter-local)")
        if not isinstance(self.enabled, bool):
            raise ScheduleError("slot enabled: expected True or False")

    @classmethod
    def off(cls) -> TimeSlot:
        """A disabled 0:00–0:00 slot, what the server shows for an unused slot."""
        return cls(datetime.time(0, 0), datetime.time(0, 0), False)

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        return self.end.hour * 60 + self.end.minute

    @property
    def crosses_midnight(self) -> bool:
        return self.end_minute < self.start_minute

    def duration_minutes(self) -> int:
        """Length in minutes on the 24-hour circle (0 when start == end)."""
        return (self.end_minute - self.start_minute) % MINUTES_PER_DAY

    def _intervals(self) -> list[tuple[int, int]]:
        """Half-open minute intervals within one day."""
        if self.crosses_midnight:
            return [(self.start_minute, MINUTES_PER_DAY), (0, self.end_minute)]
        return [(self.start_minute, self.end_minute)]

    def overlaps(self, other: TimeSlot) -> bool:
        """Whether the two windows share at least one minute (enabled state ignored)."""
        return any(
            a_start < b_end and b_start < a_end
            for a_start, a_end in self._intervals()
            for b_start, b_end in other._intervals()
            if a_start < a_end and b_start < b_end
        )

    def contains(self, moment: datetime.time) -> bool:
        """Whether the time of day falls inside ``[start, end)``."""
        minute = moment.hour * 60 + moment.minute
        return any(lo <= minute < hi for lo, hi in self._intervals())

    def to_params(self) -> list[str]:
        """``[start H, start M, end H, end M, on]`` zero-padded, as the app sends it."""
        return [
            f"{self.start.hour:02d}",
            f"{self.start.minute:02d}",
            f"{self.end.hour:02d}",
            f"{self.end.minute:02d}",
            "1" if self.enabled else "0",
        ]

    @classmethod
    def from_params(cls, params: Sequence[object], what: str = "slot") -> TimeSlot:
        if len(params) != 5:
            raise ScheduleError(f"{what}: expected 5 values, got {len(params)}")
        start_h, start_m, end_h, end_m = (
            _parse_int(v, f"{what} {n}") for v, n in zip(params[:4], ("start hour", "start minute",
                                                                      "end hour", "end minute"))
        )
        return cls(
            _time(start_h, start_m, f"{what} start"),
            _time(end_h, end_m, f"{what} end"),
            _parse_switch(params[4], f"{what} enabled"),
        )

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"{self.start:%H:%M}–{self.end:%H:%M} ({state})"


def _time(hour: int, minute: int, what: str) -> datetime.time:
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleError(f"{what}: {hour}:{minute} is not a time of day")
    return datetime.time(hour, minute)


def _bean_time(bean: Mapping[str, object], key: str) -> datetime.time:
    value = bean.get(key)
    if value is None or value == "":
        return datetime.time(0, 0)
    parsed = parse_hm(value)
    if parsed is None or parsed.second:
        raise ScheduleError(f"{key}: {value!r} is not an H:M time")
    return parsed


def _check_percent(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScheduleError(f"{what}: expected a whole number of percent, got {type(value).__name__}")
    if not 0 <= value <= 100:
        raise ScheduleError(f"{what} must be between 0 and 100 %, got {value}")


@dataclasses.dataclass(frozen=True)
class _Schedule:
    """Shared behaviour: three slots, a power %, a stop-SOC %."""

    SETTING_TYPE: ClassVar[str]
    #: ``"mix"`` → ``update_mix_inverter_setting``, ``"spa"`` → ``update_ac_inverter_setting``
    INVERTER_KIND: ClassVar[str]
    PARAM_COUNT: ClassVar[int]
    #: bean keys: power, stop SOC, slot prefix (start/stop/switch), optional AC-charge switch
    _BEAN_POWER: ClassVar[str]
    _BEAN_SOC: ClassVar[str]
    _BEAN_SLOT: ClassVar[tuple[str, str, str]]
    _POWER_FIELD: ClassVar[str]

    def _check_common(self) -> None:
        _check_percent(getattr(self, self._POWER_FIELD), self._POWER_FIELD.replace("_", " "))
        _check_percent(self.stop_soc, "stop SOC")
        slots = self.slots
        if isinstance(slots, list):
            slots = tuple(slots)
            object.__setattr__(self, "slots", slots)
        if not isinstance(slots, tuple) or len(slots) != 3:
            raise ScheduleError("a schedule has exactly 3 time slots")
        for slot in slots:
            if not isinstance(slot, TimeSlot):
                raise ScheduleError(f"slots must be TimeSlot objects, got {type(slot).__name__}")

    def problems(self) -> list[str]:
        """Human-readable rule violations (empty when the schedule can be sent)."""
        found = []
        for number, slot in enumerate(self.slots, start=1):
            if slot.enabled and slot.start_minute == slot.end_minute:
                found.append(f"slot {number} is enabled but starts and ends at {slot.start:%H:%M}")
        enabled = [(n, s) for n, s in enumerate(self.slots, start=1) if s.enabled]
        for i, (n_a, a) in enumerate(enabled):
            for n_b, b in enabled[i + 1:]:
                if a.overlaps(b):
                    found.append(f"slot {n_a} ({a}) overlaps slot {n_b} ({b})")
        return found

    def validate(self) -> None:
        """Raise :class:`ScheduleError` listing every rule violation."""
        found = self.problems()
        if found:
            raise ScheduleError("; ".join(found))

    @property
    def is_valid(self) -> bool:
        return not self.problems()

    def _slot_params(self) -> list[str]:
        return [value for slot in self.slots for value in slot.to_params()]

    @classmethod
    def _split_params(cls, params: Sequence[object]) -> tuple[list[object], tuple[TimeSlot, ...]]:
        params = list(params)
        if len(params) != cls.PARAM_COUNT:
            raise ScheduleError(f"{cls.SETTING_TYPE} takes {cls.PARAM_COUNT} parameters, got {len(params)}")
        head_len = cls.PARAM_COUNT - 15
        slots = tuple(
            TimeSlot.from_params(params[head_len + 5 * i: head_len + 5 * i + 5], f"slot {i + 1}")
            for i in range(3)
        )
        return params[:head_len], slots

    @classmethod
    def _bean(cls, bean: Mapping[str, object]) -> Mapping[str, object]:
        if not isinstance(bean, Mapping):
            raise ScheduleError("expected the mixBean dict")
        inner = bean.get("mixBean")
        if isinstance(inner, Mapping):  # accept obj or mixBean
            return inner
        return bean

    @classmethod
    def _bean_slots(cls, bean: Mapping[str, object]) -> tuple[TimeSlot, ...]:
        start_key, stop_key, switch_key = cls._BEAN_SLOT
        return tuple(
            TimeSlot(
                _bean_time(bean, f"{start_key}{n}"),
                _bean_time(bean, f"{stop_key}{n}"),
                _parse_switch(bean.get(f"{switch_key}{n}"), f"{switch_key}{n}"),
            )
            for n in (1, 2, 3)
        )

    @classmethod
    def _bean_percent(cls, bean: Mapping[str, object], key: str) -> int:
        if key not in bean:
            raise ScheduleError(f"the bean has no {key}")
        value = bean[key]
        if isinstance(value, str) and value.strip().endswith(".0"):  # tolerate "100.0"
            value = value.strip()[:-2]
        return _parse_int(value, key)


@dataclasses.dataclass(frozen=True)
class MixChargeSchedule(_Schedule):
    """SPH/MIX "battery first" AC-charge schedule (``mix_ac_charge_time_period``, 18 params).

    ``charge_power`` and ``stop_soc`` in whole %, ``ac_charge`` = allow charging from the grid
    (the master switch, p3), three :class:`TimeSlot`.
    """

    charge_power: int
    stop_soc: int
    ac_charge: bool
    slots: tuple[TimeSlot, TimeSlot, TimeSlot]

    SETTING_TYPE: ClassVar[str] = "mix_ac_charge_time_period"
    INVERTER_KIND: ClassVar[str] = "mix"
    PARAM_COUNT: ClassVar[int] = 18
    _BEAN_POWER: ClassVar[str] = "chargePowerCommand"
    _BEAN_SOC: ClassVar[str] = "wchargeSOCLowLimit2"
    _BEAN_AC: ClassVar[str] = "acChargeEnable"
    _BEAN_SLOT: ClassVar[tuple[str, str, str]] = (
        "forcedChargeTimeStart", "forcedChargeTimeStop", "forcedChargeStopSwitch",
    )
    _POWER_FIELD: ClassVar[str] = "charge_power"

    def __post_init__(self):
        self._check_common()
        if not isinstance(self.ac_charge, bool):
            raise ScheduleError("ac_charge: expected True or False")

    def to_params(self) -> list[str]:
        self.validate()
        return [str(self.charge_power), str(self.stop_soc), "1" if self.ac_charge else "0",
                *self._slot_params()]

    @classmethod
    def from_params(cls, params: Sequence[object]) -> MixChargeSchedule:
        head, slots = cls._split_params(params)
        return cls(
            _parse_int(head[0], "charge power"),
            _parse_int(head[1], "stop SOC"),
            _parse_switch(head[2], "AC charge"),
            slots,
        )

    @classmethod
    def from_mix_bean(cls, bean: Mapping[str, object]) -> MixChargeSchedule:
        bean = cls._bean(bean)
        return cls(
            cls._bean_percent(bean, cls._BEAN_POWER),
            cls._bean_percent(bean, cls._BEAN_SOC),
            _parse_switch(bean.get(cls._BEAN_AC), cls._BEAN_AC),
            cls._bean_slots(bean),
        )


@dataclasses.dataclass(frozen=True)
class MixDischargeSchedule(_Schedule):
    """SPH/MIX "grid first" discharge schedule (``mix_ac_discharge_time_period``, 17 params).

    ``discharge_power`` in whole %, ``stop_soc`` = the SOC floor in %, three slots.
    """

    discharge_power: int
    stop_soc: int
    slots: tuple[TimeSlot, TimeSlot, TimeSlot]

    SETTING_TYPE: ClassVar[str] = "mix_ac_discharge_time_period"
    INVERTER_KIND: ClassVar[str] = "mix"
    PARAM_COUNT: ClassVar[int] = 17
    _BEAN_POWER: ClassVar[str] = "disChargePowerCommand"
    _BEAN_SOC: ClassVar[str] = "wdisChargeSOCLowLimit2"
    _BEAN_SLOT: ClassVar[tuple[str, str, str]] = (
        "forcedDischargeTimeStart", "forcedDischargeTimeStop", "forcedDischargeStopSwitch",
    )
    _POWER_FIELD: ClassVar[str] = "discharge_power"

    def __post_init__(self):
        self._check_common()

    def to_params(self) -> list[str]:
        self.validate()
        return [str(self.discharge_power), str(self.stop_soc), *self._slot_params()]

    @classmethod
    def from_params(cls, params: Sequence[object]) -> MixDischargeSchedule:
        head, slots = cls._split_params(params)
        return cls(_parse_int(head[0], "discharge power"), _parse_int(head[1], "stop SOC"), slots)

    @classmethod
    def from_mix_bean(cls, bean: Mapping[str, object]) -> MixDischargeSchedule:
        bean = cls._bean(bean)
        return cls(
            cls._bean_percent(bean, cls._BEAN_POWER),
            cls._bean_percent(bean, cls._BEAN_SOC),
            cls._bean_slots(bean),
        )


@dataclasses.dataclass(frozen=True)
class SpaChargeSchedule(_Schedule):
    """SPA (AC-coupled) charge schedule (``spa_ac_charge_time_period``, 17 params, sent with
    ``op=spaSetApi``). No AC-charge master switch. The bean mapping is an assumption (same
    fields as the mix charge schedule); ``from_params`` is the reliable parser."""

    charge_power: int
    stop_soc: int
    slots: tuple[TimeSlot, TimeSlot, TimeSlot]

    SETTING_TYPE: ClassVar[str] = "spa_ac_charge_time_period"
    INVERTER_KIND: ClassVar[str] = "spa"
    PARAM_COUNT: ClassVar[int] = 17
    _BEAN_POWER: ClassVar[str] = "chargePowerCommand"
    _BEAN_SOC: ClassVar[str] = "wchargeSOCLowLimit2"
    _BEAN_SLOT: ClassVar[tuple[str, str, str]] = MixChargeSchedule._BEAN_SLOT
    _POWER_FIELD: ClassVar[str] = "charge_power"

    def __post_init__(self):
        self._check_common()

    def to_params(self) -> list[str]:
        self.validate()
        return [str(self.charge_power), str(self.stop_soc), *self._slot_params()]

    @classmethod
    def from_params(cls, params: Sequence[object]) -> SpaChargeSchedule:
        head, slots = cls._split_params(params)
        return cls(_parse_int(head[0], "charge power"), _parse_int(head[1], "stop SOC"), slots)

    @classmethod
    def from_mix_bean(cls, bean: Mapping[str, object]) -> SpaChargeSchedule:
        bean = cls._bean(bean)
        return cls(
            cls._bean_percent(bean, cls._BEAN_POWER),
            cls._bean_percent(bean, cls._BEAN_SOC),
            cls._bean_slots(bean),
        )


Schedule = MixChargeSchedule | MixDischargeSchedule | SpaChargeSchedule
SCHEDULE_CLASSES: dict[str, type[_Schedule]] = {
    cls.SETTING_TYPE: cls for cls in (MixChargeSchedule, MixDischargeSchedule, SpaChargeSchedule)
}

INVERTER_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def inverter_time_params(dt: datetime.datetime) -> list[str]:
    """``pf_sys_year`` parameters: ``["YYYY-MM-DD HH:MM:SS"]``. The wall-clock time of ``dt`` is
    sent as is (the inverter has no zone): pass the plant-local time."""
    if not isinstance(dt, datetime.datetime):
        raise ScheduleError("inverter time: expected a datetime.datetime")
    return [dt.strftime(INVERTER_TIME_FORMAT)]


def _slot_bean_fields(prefixes: tuple[str, str, str], params: Sequence[str], offset: int) -> dict[str, str]:
    start_key, stop_key, switch_key = prefixes
    fields = {}
    for n in (1, 2, 3):
        i = offset + 5 * (n - 1)
        start_h, start_m, end_h, end_m, switch = (int(str(p)) for p in params[i:i + 5])
        fields[f"{start_key}{n}"] = format_hm(_time(start_h, start_m, f"slot {n} start"))
        fields[f"{stop_key}{n}"] = format_hm(_time(end_h, end_m, f"slot {n} end"))
        fields[f"{switch_key}{n}"] = str(switch)
    return fields


def _int_str(value: object) -> str:
    return str(int(str(value).strip()))


def params_to_bean_fields(setting_type: str, params: Sequence[object]) -> dict[str, str]:
    """What the server stores in ``mixBean`` for a ``newTcpsetAPI.do`` write of ``setting_type``
    with ``param1..N = params``: unpadded "H:M" times and plain number strings. Raises
    :class:`ScheduleError` for a malformed list and ``KeyError`` for a setting type without a
    known mapping. Intended for simulators and tests."""
    params = [str(p) for p in params]
    try:
        if setting_type in ("mix_ac_charge_time_period", "spa_ac_charge_time_period"):
            cls = SCHEDULE_CLASSES[setting_type]
            if len(params) != cls.PARAM_COUNT:
                raise ScheduleError(f"{setting_type} takes {cls.PARAM_COUNT} parameters, got {len(params)}")
            fields = {"chargePowerCommand": _int_str(params[0]), "wchargeSOCLowLimit2": _int_str(params[1])}
            offset = 2
            if setting_type == "mix_ac_charge_time_period":
                fields["acChargeEnable"] = _int_str(params[2])
                offset = 3
            fields.update(_slot_bean_fields(MixChargeSchedule._BEAN_SLOT, params, offset))
            return fields
        if setting_type == "mix_ac_discharge_time_period":
            if len(params) != 17:
                raise ScheduleError(f"{setting_type} takes 17 parameters, got {len(params)}")
            fields = {"disChargePowerCommand": _int_str(params[0]),
                      "wdisChargeSOCLowLimit2": _int_str(params[1])}
            fields.update(_slot_bean_fields(MixDischargeSchedule._BEAN_SLOT, params, 2))
            return fields
    except ValueError as exc:
        if isinstance(exc, ScheduleError):
            raise
        raise ScheduleError(f"{setting_type}: parameters must be whole numbers") from None
    if setting_type == "pf_sys_year":
        if len(params) != 1:
            raise ScheduleError("pf_sys_year takes 1 parameter")
        try:
            datetime.datetime.strptime(params[0], INVERTER_TIME_FORMAT)
        except ValueError:
            raise ScheduleError("pf_sys_year: expected YYYY-MM-DD HH:MM:SS") from None
        return {"pf_sys_year": params[0], "sysTime": params[0], "sysTimeText": params[0]}
    simple = {
        "mix_load_flast_value_multi": ("loadFirstStopSocSet",),
        "pv_on_off": ("pv_on_off", "onOff"),
        "pv_active_p_rate": ("pv_active_p_rate", "activeRate"),
        "mix_off_grid_enable": ("mix_off_grid_enable", "epsFunEn"),
    }
    if setting_type in simple:
        if not params:
            raise ScheduleError(f"{setting_type} takes at least 1 parameter")
        return dict.fromkeys(simple[setting_type], params[0])
    if setting_type == "backflow_setting":
        if len(params) < 2:
            raise ScheduleError("backflow_setting takes 2 parameters")
        return {"exportLimit": params[0], "backflow_setting": params[0], "exportLimitPowerRate": params[1]}
    raise KeyError(setting_type)


def schedule_to_bean_fields(schedule: _Schedule) -> dict[str, str]:
    """The bean fields the server would hold after ``schedule`` was written."""
    return params_to_bean_fields(schedule.SETTING_TYPE, schedule.to_params())


def schedule_from_params(setting_type: str, params: Sequence[object]) -> _Schedule:
    """Parse a parameter list of any of the three schedule types."""
    try:
        cls = SCHEDULE_CLASSES[setting_type]
    except KeyError:
        raise ScheduleError(f"not a schedule setting type: {setting_type!r}") from None
    return cls.from_params(params)

