"""Human-readable lines for stored values and parameter lists (audit log, previews)."""

from __future__ import annotations

from settings_ui.models import CLOCK, MIX_CHARGE, MIX_DISCHARGE, PLANT_SETTINGS, SPA_CHARGE

PLANT_LABELS = {
    "name": "Plant name",
    "address": "Address",
    "city": "City",
    "country": "Country",
    "timezone": "Time zone offset",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "nominal_power": "Nominal power (W)",
    "installed_on": "Installation date",
    "income_per_kwh": "Income per kWh",
    "currency": "Currency",
    "co2": "CO₂ factor",
    "so2": "SO₂ factor",
    "coal": "Coal factor",
    "plant_type": "Plant type",
}


def _slot_meanings() -> list[str]:
    out = []
    for n in (1, 2, 3):
        out += [f"Window {n} start hour", f"Window {n} start minute", f"Window {n} end hour",
                f"Window {n} end minute", f"Window {n} on (1) / off (0)"]
    return out


PARAM_MEANINGS = {
    MIX_CHARGE: ["Charge power %", "Stop charging at SOC %", "Charge from grid: 1 yes / 0 no", *_slot_meanings()],
    MIX_DISCHARGE: ["Discharge power %", "Stop discharging at SOC %", *_slot_meanings()],
    SPA_CHARGE: ["Charge power %", "Stop charging at SOC %", *_slot_meanings()],
    CLOCK: ["Inverter date and time (plant-local)"],
}


def param_rows(setting_type: str, params) -> list[dict]:
    """[{"name": "param1", "value": "100", "meaning": "Charge power %"}, ...]."""
    if isinstance(params, dict):
        return [{"name": k, "value": v, "meaning": ""} for k, v in params.items()]
    meanings = PARAM_MEANINGS.get(setting_type, [])
    return [
        {"name": f"param{i}", "value": v, "meaning": meanings[i - 1] if i <= len(meanings) else ""}
        for i, v in enumerate(params or [], start=1)
    ]


def schedule_items(value: dict | None, setting_type: str) -> list[tuple[str, str]]:
    """``[("Power", "80 %"), ("Stop charging at", "90 %"), ..., ("Window 1", "23:30–05:30")]``."""
    if not isinstance(value, dict):
        return []
    what = "charging" if setting_type in (MIX_CHARGE, SPA_CHARGE) else "discharging"
    items = [("Power", f"{value.get('power')} %"), (f"Stop {what} at", f"{value.get('stop_soc')} %")]
    if "ac_charge" in value:
        items.append(("Charge from the grid", "yes" if value.get("ac_charge") else "no"))
    for n, slot in enumerate(value.get("slots") or [], start=1):
        if not isinstance(slot, dict):
            continue
        if slot.get("enabled"):
            over = " (over midnight)" if str(slot.get("end")) < str(slot.get("start")) else ""
            items.append((f"Window {n}", f"{slot.get('start')}–{slot.get('end')}{over}"))
        else:
            items.append((f"Window {n}", "off"))
    return items


def items(setting_type: str, value) -> list[tuple[str, str]]:
    """A stored old/new/read-back value as labelled short texts."""
    if value is None:
        return []
    if setting_type in (MIX_CHARGE, MIX_DISCHARGE, SPA_CHARGE):
        return schedule_items(value, setting_type)
    if setting_type == CLOCK and isinstance(value, dict):
        return [("Inverter time", str(value.get("inverter_time") or "unknown"))]
    if setting_type == PLANT_SETTINGS and isinstance(value, dict):
        return [(PLANT_LABELS.get(k, k), "—" if v in (None, "") else str(v)) for k, v in value.items()]
    return [("Value", str(value))]


def value_lines(setting_type: str, value) -> list[str]:
    return [f"{label}: {text}" for label, text in items(setting_type, value)]


def compare(setting_type: str, old, new) -> list[dict]:
    """Rows ``{"label", "old", "new", "changed"}`` over the labels of both values, in order."""
    old_items, new_items = dict(items(setting_type, old)), dict(items(setting_type, new))
    labels = list(new_items) + [label for label in old_items if label not in new_items]
    return [
        {"label": label, "old": old_items.get(label, "—" if old is not None else "not known"),
         "new": new_items.get(label, "—"),
         "changed": old is None or old_items.get(label) != new_items.get(label)}
        for label in labels
    ]


def changes(setting_type: str, old, new) -> list[dict]:
    """Only the rows that differ: what the change log shows."""
    return [row for row in compare(setting_type, old, new) if row["changed"]]
