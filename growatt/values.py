"""Turn the strings the Growatt server sends into numbers and times.

The server mostly sends numbers as JSON strings, sometimes with a unit that it scales
itself (``"0 W"``, ``"9.3 kWh"``, ``"2.56 MWh"``, ``"20.5kWh"``, ``"1.23kW"``, ``"11.3%"``),
money as ``"2.4/€"``, times of day as unpadded ``"H:M"`` and series keys as ``"HH:MM"`` or
``"YYYY-MM-DD HH:MM"``. The helpers here accept all of these as well as real JSON numbers,
``""`` and ``None``, and return values in base units: **W** for power, **kWh** for energy,
**%** for percentages.

They are lenient by design: junk gives ``None``, never an exception (booleans are not
numbers and also give ``None``). A plain number without a unit is returned unchanged, so
``parse_power("1234.5")`` is 1234.5 W and ``parse_energy("2562.4")`` is 2562.4 kWh; a caller
that knows a field is in kW (e.g. ``mix_system_status``) multiplies itself.
"""

from __future__ import annotations

import datetime
import math
import re

__all__ = [
    "format_hm",
    "parse_bool",
    "parse_chart_key",
    "parse_energy",
    "parse_hm",
    "parse_money",
    "parse_percent",
    "parse_power",
    "to_float",
]

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$", re.ASCII)
_NUMBER_UNIT_RE = re.compile(rf"^({_NUMBER})\s*([^\d\s].*?)?$", re.ASCII)

_POWER_UNITS = {
    "w": 1.0, "watt": 1.0, "watts": 1.0,
    "kw": 1e3, "mw": 1e6, "gw": 1e9,
}
_ENERGY_UNITS = {
    "wh": 1e-3,
    "kwh": 1.0, "kw·h": 1.0, "kw.h": 1.0,
    "mwh": 1e3, "gwh": 1e6,
}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def to_float(value: object) -> float | None:
    """A JSON number or numeric string as ``float``; ``""``, ``None``, booleans and junk → ``None``.

    >>> to_float("240.8"), to_float(3680), to_float(""), to_float(None), to_float("n/a")
    (240.8, 3680.0, None, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return _finite(float(value))
        except OverflowError:
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _NUMBER_RE.match(text):
        return None
    try:
        return _finite(float(text))
    except (ValueError, OverflowError):
        return None


def _split_unit(value: object) -> tuple[float | None, str | None]:
    """``(number, unit)`` for ``"9.3 kWh"``-style strings, unit lower-cased (``None`` when absent)."""
    number = to_float(value)
    if number is not None:
        return number, None
    if not isinstance(value, str):
        return None, None
    match = _NUMBER_UNIT_RE.match(value.strip())
    if not match:
        return None, None
    number = to_float(match.group(1))
    unit = (match.group(2) or "").strip().lower() or None
    return number, unit


def _scaled(value: object, units: dict[str, float]) -> float | None:
    number, unit = _split_unit(value)
    if number is None:
        return None
    if unit is None:
        return number
    factor = units.get(unit)
    if factor is None:
        return None
    return _finite(number * factor)


def parse_power(value: object) -> float | None:
    """Power in **W**: ``"1.23kW"`` → 1230.0, ``"0 W"`` → 0.0, ``"200Watt"`` → 200.0,
    a plain number is taken as W. Unknown units → ``None``."""
    return _scaled(value, _POWER_UNITS)


def parse_energy(value: object) -> float | None:
    """Energy in **kWh**: ``"2.56 MWh"`` → 2560.0, ``"9.3 kWh"`` / ``"9.3kWh"`` → 9.3,
    ``"500 Wh"`` → 0.5, a plain number is taken as kWh. Unknown units → ``None``."""
    return _scaled(value, _ENERGY_UNITS)


def parse_percent(value: object) -> float | None:
    """Percentage as a number: ``"11.3%"`` → 11.3, ``"45"`` → 45.0, ``98`` → 98.0."""
    number, unit = _split_unit(value)
    if number is None or unit not in (None, "%"):
        return None
    return number


def parse_money(value: object) -> tuple[float | None, str | None]:
    """``"2.4/€"`` → ``(2.4, "€")``; ``"0.0 "`` → ``(0.0, None)``; ``"1.4 gbp"`` → ``(1.4, "gbp")``;
    junk → ``(None, None)``. The currency is returned as the server wrote it."""
    if value is None or isinstance(value, bool):
        return None, None
    if isinstance(value, int | float):
        return to_float(value), None
    if not isinstance(value, str):
        return None, None
    text = value.strip()
    if "/" in text:
        amount, _, currency = text.partition("/")
        number = to_float(amount)
        if number is None:
            return None, None
        return number, (currency.strip() or None)
    number = to_float(text)
    if number is not None:
        return number, None
    match = _NUMBER_UNIT_RE.match(text)
    if not match:
        return None, None
    number = to_float(match.group(1))
    currency = (match.group(2) or "").strip()
    if number is None or not currency or len(currency) > 10:
        return None, None
    return number, currency


def parse_bool(value: object) -> bool | None:
    """``true``/``false`` in any of the server's spellings (``True``, ``"false"``, ``"1"``, ``0``);
    anything else → ``None``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
    return None


_HM_RE = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$", re.ASCII)


def parse_hm(value: object) -> datetime.time | None:
    """A time of day from ``"H:M"`` (``"6:0"``, ``"06:00"``, ``"23:59"``, also ``"H:M:S"``);
    out-of-range or junk → ``None``."""
    if isinstance(value, datetime.time):
        return value
    if not isinstance(value, str):
        return None
    match = _HM_RE.match(value.strip())
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return datetime.time(hour, minute, second)


def format_hm(value: datetime.time) -> str:
    """The server's unpadded ``"H:M"``: ``time(6, 0)`` → ``"6:0"``."""
    return f"{value.hour}:{value.minute}"


_CHART_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.ASCII)
_CHART_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$", re.ASCII
)


def _at(day: datetime.date, hour: int, minute: int, second: int) -> datetime.datetime | None:
    if minute > 59 or second > 59:
        return None
    if hour == 24 and minute == 0 and second == 0:  # "24:00" closes the day
        return datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(days=1)
    if hour > 23:
        return None
    return datetime.datetime.combine(day, datetime.time(hour, minute, second))


def parse_chart_key(key: object, day: datetime.date | None = None) -> datetime.datetime | None:
    """A series key as a **naive, plant-local** ``datetime``.

    ``"YYYY-MM-DD HH:MM"`` (``invPacData``) carries its own date. ``"HH:MM"`` (``chartData``)
    is placed on ``day`` — pass the plant-local day you asked for; without it the machine's
    local date is used. ``"24:00"`` is midnight at the end of the day. Junk → ``None``.
    """
    if not isinstance(key, str):
        return None
    text = key.strip()
    match = _CHART_DATETIME_RE.match(text)
    if match:
        year, month, dom, hour, minute = (int(g) for g in match.groups()[:5])
        second = int(match.group(6) or 0)
        try:
            date = datetime.date(year, month, dom)
        except ValueError:
            return None
        return _at(date, hour, minute, second)
    match = _CHART_TIME_RE.match(text)
    if match:
        if day is None:
            day = datetime.date.today()
        elif isinstance(day, datetime.datetime):
            day = day.date()
        return _at(day, int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    return None
