"""Page-shaped queries and chart series for the dashboards, as plain functions.

Each builder takes a plant and a plant-local period and returns a JSON-safe
dict; each runs a fixed, small number of queries whatever the number of
devices or the length of the history (month and year figures come from the
DailyEnergy rows, aggregated in SQL, never from scanning samples). The plant
page, the chart endpoints and the sharing engineer's kiosk page all use them.

Conventions: chart x values are UTC epoch seconds; power in W, energy in kWh,
state of charge in %. Signed series: grid is +import / −export, battery is
+discharge / −charge (positive means "flowing towards the home").
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from plants.models import ENERGY_FIELDS, DailyEnergy, Device, DeviceSample, Plant, PowerSample

IDLE_W = 10.0  # below this a flow counts as idle (measurement noise)
STALE_AFTER = dt.timedelta(minutes=15)
MIN_YEAR = 2000


# --------------------------------------------------------------------------------------
# Formatting shared by the server-rendered pages and the JSON (the JS shows these strings)
# --------------------------------------------------------------------------------------


def format_power(watts: float | None) -> str:
    """``850 W`` below a kilowatt, ``3.42 kW`` above; ``–`` when unknown."""
    if watts is None:
        return "–"
    magnitude = abs(watts)
    if magnitude < 1000:
        return f"{magnitude:.0f} W"
    if magnitude < 10_000:
        return f"{magnitude / 1000:.2f} kW"
    return f"{magnitude / 1000:.1f} kW"


def format_energy(kwh: float | None) -> str:
    if kwh is None:
        return "–"
    if abs(kwh) >= 10_000:
        return f"{kwh / 1000:,.1f} MWh"
    if abs(kwh) >= 100:
        return f"{kwh:,.0f} kWh"
    return f"{kwh:.1f} kWh"


def format_mass(kg: float | None) -> str:
    if kg is None:
        return "–"
    if abs(kg) >= 1000:
        return f"{kg / 1000:,.1f} t"
    return f"{kg:,.0f} kg" if abs(kg) >= 100 else f"{kg:.1f} kg"


def format_percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} %"


def updated_text(at: dt.datetime | None, tz, now: dt.datetime | None = None) -> str:
    """"updated 3 min ago" in words people use; the exact time in the plant's timezone when old."""
    if at is None:
        return "no data yet"
    now = now or timezone.now()
    seconds = max((now - at).total_seconds(), 0)
    if seconds < 90:
        return "updated just now"
    if seconds < 3600:
        return f"updated {round(seconds / 60)} min ago"
    local = at.astimezone(tz)
    if seconds < 86_400:
        return f"updated {int(seconds // 3600)} h ago ({local:%H:%M})"
    return f"updated on {local:%Y-%m-%d %H:%M}"


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _cell(value: float | None) -> str:
    """A table cell: kWh with one decimal, or a dash."""
    return "–" if value is None else f"{value:.1f}"


def _net(positive: float | None, negative: float | None) -> float | None:
    if positive is None and negative is None:
        return None
    return (positive or 0.0) - (negative or 0.0)


# --------------------------------------------------------------------------------------
# Live values and the power flow
# --------------------------------------------------------------------------------------


def live_summary(plant: Plant, now: dt.datetime | None = None) -> dict[str, Any]:
    """The plant's latest live values, power-flow directions and the "updated" text. No query."""
    now = now or timezone.now()
    grid = _net(plant.live_grid_import_w, plant.live_grid_export_w)
    battery = _net(plant.live_battery_discharge_w, plant.live_battery_charge_w)
    has_battery = any(v is not None for v in (plant.live_soc, plant.live_battery_charge_w,
                                              plant.live_battery_discharge_w))
    stale = plant.live_at is None or now - plant.live_at > STALE_AFTER

    def direction(value: float | None, positive: str, negative: str) -> str:
        if value is None or abs(value) < IDLE_W:
            return "idle"
        return positive if value > 0 else negative

    flow = {
        "pv": "active" if (plant.live_pv_w or 0) >= IDLE_W else "idle",
        "load": "active" if (plant.live_load_w or 0) >= IDLE_W else "idle",
        "grid": direction(grid, "import", "export"),
        "battery": direction(battery, "discharge", "charge") if has_battery else "none",
    }
    if stale:  # old numbers must not look like something is flowing now
        flow = {name: ("none" if state == "none" else "idle") for name, state in flow.items()}
    grid_word = {"import": "from grid", "export": "to grid"}.get(flow["grid"], "")
    battery_word = {"charge": "charging", "discharge": "discharging"}.get(flow["battery"], "")
    local_at = plant.live_at.astimezone(plant.tz) if plant.live_at else None
    return {
        "updated_at": local_at.isoformat(timespec="seconds") if local_at else None,
        "updated_text": updated_text(plant.live_at, plant.tz, now),
        "updated_time": f"{local_at:%Y-%m-%d %H:%M}" if local_at else "",
        "stale": stale,
        "has_data": plant.live_at is not None,
        "has_battery": has_battery,
        "values": {
            "pv_w": _round(plant.live_pv_w), "load_w": _round(plant.live_load_w),
            "grid_import_w": _round(plant.live_grid_import_w), "grid_export_w": _round(plant.live_grid_export_w),
            "grid_w": _round(grid), "battery_charge_w": _round(plant.live_battery_charge_w),
            "battery_discharge_w": _round(plant.live_battery_discharge_w), "battery_w": _round(battery),
            "soc": _round(plant.live_soc), "today_pv_kwh": _round(plant.today_pv_kwh, 2),
            "total_pv_kwh": _round(plant.total_pv_kwh, 1),
        },
        "text": {
            "pv": format_power(plant.live_pv_w),
            "load": format_power(plant.live_load_w),
            "grid": format_power(grid),
            "grid_import": format_power(plant.live_grid_import_w),
            "grid_export": format_power(plant.live_grid_export_w),
            "grid_direction": grid_word,
            "battery": format_power(battery),
            "battery_direction": battery_word,
            "soc": format_percent(plant.live_soc),
            "today": format_energy(plant.today_pv_kwh),
            "total": format_energy(plant.total_pv_kwh),
            "updated": updated_text(plant.live_at, plant.tz, now),
        },
        "flow": flow,
    }


# --------------------------------------------------------------------------------------
# Periods
# --------------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def local_midnight(plant: Plant, day: dt.date) -> int:
    return epoch(plant.day_bounds(day)[0])


# --------------------------------------------------------------------------------------
# Chart series
# --------------------------------------------------------------------------------------

DAY_COLUMNS = ("ts", "pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w",
               "battery_discharge_w", "soc")


def day_series(plant: Plant, day: dt.date) -> dict[str, Any]:
    """A plant-local day's 5-minute curve (one query)."""
    start, end = plant.day_bounds(day)
    rows = list(PowerSample.objects.filter(plant=plant, ts__gte=start, ts__lt=end).order_by("ts")
                .values_list(*DAY_COLUMNS))
    x, pv, load, grid, battery, soc = [], [], [], [], [], []
    has_battery = has_soc = False
    for ts, pv_w, load_w, imp, exp, charge, discharge, soc_value in rows:
        x.append(epoch(ts))
        pv.append(_round(pv_w))
        load.append(_round(load_w))
        grid.append(_round(_net(imp, exp)))
        battery.append(_round(_net(discharge, charge)))
        soc.append(_round(soc_value))
        has_battery = has_battery or charge is not None or discharge is not None
        has_soc = has_soc or soc_value is not None
    series = [
        {"key": "pv", "label": "Solar", "unit": "W", "values": pv},
        {"key": "load", "label": "Home", "unit": "W", "values": load},
        {"key": "grid", "label": "Grid", "unit": "W", "values": grid},
    ]
    if has_battery:
        series.append({"key": "battery", "label": "Battery", "unit": "W", "values": battery})
    if has_soc:
        series.append({"key": "soc", "label": "Battery charge", "unit": "%", "values": soc, "axis": "right"})
    return {
        "kind": "day",
        "title": long_date(day),
        "date": day.isoformat(),
        "timezone": plant.timezone,
        "start": epoch(start),
        "end": epoch(end),
        "x": x,
        "series": series,
        "signs": "Grid: + bought, − sold. Battery: + discharging, − charging." if has_battery
        else "Grid: + bought, − sold.",
        "empty": not rows,
    }


def _energy_series(values: dict[str, list]) -> list[dict]:
    return [
        {"key": "pv", "label": "Solar", "unit": "kWh", "values": values["pv_kwh"]},
        {"key": "load", "label": "Home", "unit": "kWh", "values": values["load_kwh"]},
        {"key": "import", "label": "Bought", "unit": "kWh", "values": values["import_kwh"], "hidden": True},
        {"key": "export", "label": "Sold", "unit": "kWh", "values": values["export_kwh"], "hidden": True},
    ]


def month_series(plant: Plant, year: int, month: int) -> dict[str, Any]:
    """Daily energy bars of one month, from DailyEnergy (one query). Missing days are null."""
    first, last = month_bounds(year, month)
    rows = {
        row["date"]: row
        for row in DailyEnergy.objects.filter(plant=plant, date__gte=first, date__lte=last)
        .values("date", "complete", *ENERGY_FIELDS)
    }
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    values: dict[str, list] = {name: [] for name in ENERGY_FIELDS}
    table = []
    for day in days:
        row = rows.get(day)
        for name in ENERGY_FIELDS:
            values[name].append(_round(row[name], 2) if row else None)
        if row:
            table.append({"date": day.isoformat(), "label": f"{day:%a} {day.day}", "complete": row["complete"],
                          **{name: _round(row[name], 2) for name in ENERGY_FIELDS},
                          "cells": [_cell(row[name]) for name in ENERGY_FIELDS]})
    return {
        "kind": "month",
        "title": f"{first:%B %Y}",
        "month": f"{year:04d}-{month:02d}",
        "timezone": plant.timezone,
        "x": [local_midnight(plant, day) for day in days],
        "labels": [str(day.day) for day in days],
        "step": 86_400,
        "series": _energy_series(values),
        "rows": table,
        "totals": {name: _round(sum(v for v in values[name] if v is not None), 2) if rows else None
                   for name in ENERGY_FIELDS},
        "total_cells": [_cell(sum(v for v in values[name] if v is not None)) if rows else "–"
                        for name in ENERGY_FIELDS],
        "empty": not rows,
    }


def year_series(plant: Plant, year: int) -> dict[str, Any]:
    """Monthly energy bars of one year, summed in SQL from DailyEnergy (one query)."""
    sums = {
        row["month"]: row
        for row in DailyEnergy.objects.filter(plant=plant, date__gte=dt.date(year, 1, 1),
                                              date__lte=dt.date(year, 12, 31))
        .annotate(month=ExtractMonth("date")).values("month")
        .annotate(days=Count("pk"), **{name: Sum(name) for name in ENERGY_FIELDS}).order_by("month")
    }
    values: dict[str, list] = {name: [] for name in ENERGY_FIELDS}
    table = []
    for month in range(1, 13):
        row = sums.get(month)
        for name in ENERGY_FIELDS:
            values[name].append(_round(row[name], 1) if row else None)
        if row:
            table.append({"month": f"{year:04d}-{month:02d}", "label": calendar.month_name[month],
                          "days": row["days"], **{name: _round(row[name], 1) for name in ENERGY_FIELDS},
                          "cells": [_cell(row[name]) for name in ENERGY_FIELDS]})
    return {
        "kind": "year",
        "title": str(year),
        "year": year,
        "timezone": plant.timezone,
        "x": [local_midnight(plant, dt.date(year, month, 1)) for month in range(1, 13)],
        "labels": [calendar.month_abbr[month] for month in range(1, 13)],
        "series": _energy_series(values),
        "rows": table,
        "totals": {name: _round(sum(v for v in values[name] if v is not None), 1) if sums else None
                   for name in ENERGY_FIELDS},
        "total_cells": [_cell(sum(v for v in values[name] if v is not None)) if sums else "–"
                        for name in ENERGY_FIELDS],
        "empty": not sums,
    }


def device_day_series(device: Device, day: dt.date, plant: Plant | None = None) -> dict[str, Any]:
    """One device's power (and SOC) curve for a plant-local day (one query)."""
    plant = plant or device.plant
    start, end = plant.day_bounds(day)
    rows = list(DeviceSample.objects.filter(device=device, ts__gte=start, ts__lt=end).order_by("ts")
                .values_list("ts", "power_w", "soc"))
    x = [epoch(ts) for ts, _, _ in rows]
    series = [{"key": "power", "label": "Power", "unit": "W", "values": [_round(p) for _, p, _ in rows]}]
    if any(soc is not None for _, _, soc in rows):
        series.append({"key": "soc", "label": "Battery charge", "unit": "%",
                       "values": [_round(s) for _, _, s in rows], "axis": "right"})
    return {
        "kind": "day",
        "title": long_date(day),
        "date": day.isoformat(),
        "timezone": plant.timezone,
        "start": epoch(start),
        "end": epoch(end),
        "x": x,
        "series": series,
        "empty": not rows,
    }


# --------------------------------------------------------------------------------------
# Energy summary: period totals, ratios, money and CO2, lifetime
# --------------------------------------------------------------------------------------


def _ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole or whole <= 0:
        return None
    return max(0.0, min(100.0, part / whole * 100))


def energy_figures(plant: Plant, totals: dict[str, float | None]) -> dict[str, Any]:
    """Self-consumption, self-sufficiency, money saved and CO2 avoided for some energy totals.

    * self-consumption = (solar − sold) / solar: how much of the solar energy the home used;
    * self-sufficiency = (home − bought) / home: how much of the home's need the plant covered;
    * money saved = solar energy used at home (solar − sold) × the price per kWh from the plant
      settings: electricity not bought. Sold energy is left out because its tariff is unknown;
      when a plant has no meter (no sold figure) all solar energy counts;
    * CO2 avoided = solar × kg CO2 per kWh from the plant settings.
    """
    pv, load = totals.get("pv_kwh"), totals.get("load_kwh")
    imp, exp = totals.get("import_kwh"), totals.get("export_kwh")
    self_used = None if pv is None else max(pv - (exp or 0.0), 0.0)
    money = None
    if self_used is not None and plant.money_per_kwh is not None:
        money = round(self_used * plant.money_per_kwh, 2)
    co2 = None
    if pv is not None and plant.co2_kg_per_kwh is not None:
        co2 = round(pv * plant.co2_kg_per_kwh, 1)
    return {
        "money_text": "–" if money is None else f"{money:,.2f}",
        "co2_text": format_mass(co2),
        "self_consumption": _round(_ratio(self_used, pv) if exp is not None else None, 0),
        "self_sufficiency": _round(_ratio(None if load is None or imp is None else max(load - imp, 0.0), load), 0),
        "self_used_kwh": _round(self_used, 2),
        "money_saved": money,
        "co2_kg": co2,
        "currency": plant.currency,
        "money_per_kwh": plant.money_per_kwh,
        "co2_kg_per_kwh": plant.co2_kg_per_kwh,
        "money_counts_all_pv": exp is None,
    }


@functools.cache
def _energy_sums_sql() -> str:
    qn = connection.ops.quote_name
    meta = DailyEnergy._meta
    date = qn(meta.get_field("date").column)
    in_period = f"{date} BETWEEN %s AND %s"
    columns = [f"SUM(CASE WHEN {in_period} THEN {qn(name)} END)" for name in ENERGY_FIELDS]
    columns += [f"SUM({qn(name)})" for name in ENERGY_FIELDS]
    columns += [f"COUNT(CASE WHEN {in_period} THEN 1 END)", "COUNT(*)"]
    plant_id = qn(meta.get_field("plant").column)
    return f"SELECT {', '.join(columns)} FROM {qn(meta.db_table)} WHERE {plant_id} = %s"  # noqa: S608


def energy_sums(plant: Plant, start: dt.date, end: dt.date) -> dict[str, float | int | None]:
    """Sums per energy flow of the days in [start, end] and of all days, and both day counts.

    One query, written as SQL: the ORM took about 1.5 ms per plant page to build and
    compile these 14 filtered aggregates, four times what the query itself costs
    (benchmarks/web_load.py). Keys: ``period_<field>``, ``life_<field>``, ``period_days``,
    ``life_days``.
    """
    with connection.cursor() as cursor:
        cursor.execute(_energy_sums_sql(), [start, end] * (len(ENERGY_FIELDS) + 1) + [plant.pk])
        values = cursor.fetchone()
    names = [f"period_{n}" for n in ENERGY_FIELDS] + [f"life_{n}" for n in ENERGY_FIELDS]
    return dict(zip([*names, "period_days", "life_days"], values))


def energy_summary(plant: Plant, start: dt.date, end: dt.date, label: str = "") -> dict[str, Any]:
    """Energy of a plant-local period [start, end] and the lifetime totals, in one aggregate query."""
    row = energy_sums(plant, start, end)
    period_totals = {name: _round(row[f"period_{name}"], 2) for name in ENERGY_FIELDS}
    life_totals = {name: _round(row[f"life_{name}"], 1) for name in ENERGY_FIELDS}
    # Money needs the export figures, so it comes from the recorded days only.
    life_figures = energy_figures(plant, life_totals)
    life_source = "history"
    # Growatt's own lifetime counter includes the years before growattweb started syncing.
    if plant.total_pv_kwh is not None and (life_totals["pv_kwh"] or 0) < plant.total_pv_kwh:
        life_totals["pv_kwh"] = _round(plant.total_pv_kwh, 1)
        life_source = "growatt"
        if plant.co2_kg_per_kwh is not None:
            life_figures["co2_kg"] = round(plant.total_pv_kwh * plant.co2_kg_per_kwh, 1)
            life_figures["co2_text"] = format_mass(life_figures["co2_kg"])
    return {
        "label": label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": row["period_days"],
        "totals": period_totals,
        "text": {name: format_energy(value) for name, value in period_totals.items()},
        "figures": energy_figures(plant, period_totals) if row["period_days"] else energy_figures(plant, {}),
        "lifetime": {
            "days": row["life_days"],
            "totals": life_totals,
            "text": {name: format_energy(value) for name, value in life_totals.items()},
            "figures": life_figures,
            "pv_source": life_source,
        },
        "has_history": bool(row["life_days"]),
    }


# --------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------

STATUS_WORDS = {"0": "Waiting", "1": "Normal", "2": "Normal", "3": "Fault", "4": "Fault", "5": "Normal",
                "6": "Normal", "-1": "Offline"}


def device_state(device: Device) -> tuple[str, str]:
    """A short status word and a badge class for a device."""
    status = (device.status or "").strip()
    if status == "unknown to Growatt":
        return "Unknown to Growatt", "badge-error"
    if device.lost:
        return "Offline", "badge-error"
    if "." in status:  # "mix.status.normal", "tlx.status.checking"
        word = status.rsplit(".", 1)[-1].replace("_", " ").capitalize()
    else:
        word = STATUS_WORDS.get(status, f"Status {status}" if status else "Online")
    if word.lower() in ("fault", "error"):
        return word, "badge-error"
    if word.lower() in ("normal", "online"):
        return word, "badge-ok"
    return word, "badge-warn" if word.lower() in ("waiting", "checking", "offline") else ""


def _number(value) -> float | None:
    try:
        number = float(str(value).strip().split()[0].rstrip("%"))
    except (TypeError, ValueError, IndexError):
        return None
    return number


def device_strings(device: Device) -> list[dict]:
    """PV strings (voltage, current, power) from the latest detail reply, whatever its spelling."""
    lowered = {str(k).lower(): v for k, v in (device.detail or {}).items()}
    if device.kind == Device.Kind.STORAGE and "vpv" in lowered and "vpv1" not in lowered:
        lowered["vpv1"] = lowered["vpv"]
        lowered.setdefault("ppv1", lowered.get("ppv"))
    strings = []
    for n in range(1, 9):
        volts, amps, watts = (_number(lowered.get(f"{name}{n}")) for name in ("vpv", "ipv", "ppv"))
        if amps is None:
            amps = _number(lowered.get(f"ichargepv{n}"))
        if not any((volts, amps, watts)):
            continue
        if watts is None and volts is not None and amps is not None:
            watts = volts * amps
        strings.append({"n": n, "voltage": volts, "current": amps, "power": watts,
                        "power_text": format_power(watts)})
    return strings


def device_temperatures(device: Device) -> list[tuple[str, float]]:
    found = []
    for key, value in sorted((device.detail or {}).items()):
        if "temp" in str(key).lower():
            number = _number(value)
            if number:
                found.append((str(key), number))
    return found


def device_key_values(device: Device) -> list[dict]:
    """The key live values of a device, by kind, with units (only the ones Growatt sent)."""
    candidates = [
        ("PV power", format_power(device.pv_power_w) if device.pv_power_w is not None else None),
        ("AC output", format_power(device.ac_power_w) if device.ac_power_w is not None else None),
        ("Battery charge", format_percent(device.soc) if device.soc is not None else None),
        ("Battery voltage", f"{device.battery_voltage:.1f} V" if device.battery_voltage is not None else None),
        ("Grid voltage", f"{device.grid_voltage:.1f} V" if device.grid_voltage is not None else None),
        ("Grid frequency", f"{device.grid_frequency:.2f} Hz" if device.grid_frequency is not None else None),
        ("Temperature", f"{device.temperature:.1f} °C" if device.temperature is not None else None),
        ("Energy today", format_energy(device.energy_today_kwh) if device.energy_today_kwh is not None else None),
        ("Energy total", format_energy(device.energy_total_kwh) if device.energy_total_kwh is not None else None),
    ]
    if not device.has_battery:
        candidates = [c for c in candidates if not c[0].startswith("Battery")]
    return [{"label": label, "value": value} for label, value in candidates if value is not None]
