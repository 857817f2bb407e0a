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


def _slot_meanings(first_slot_label: str = "Slot") -> list[str]:
    out = []
    for n in (1, 2, 3):
        out += [f"{first_slot_label} {n} start hour", f"{first_slot_label} {n} start minute",
                f"{first_slot_label} {n} end hour", f"{first_slot_label} {n} end minute",
                f"{first_slot_label} {n} on (1) / off (0)"]
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


def schedule_lines(value: dict | None, setting_type: str) -> list[str]:
    if not isinstance(value, dict):
        return []
    what = "charge" if setting_type in (MIX_CHARGE, SPA_CHARGE) else "discharge"
    lines = [f"Power {value.get('power')} %, stop {what} at {value.get('stop_soc')} %"]
    if "ac_charge" in value:
        lines.append("Charging from the grid " + ("allowed" if value.get("ac_charge") else "off"))
    for n, slot in enumerate(value.get("slots") or [], start=1):
        if not isinstance(slot, dict):
            continue
        if slot.get("enabled"):
            over = " (over midnight)" if str(slot.get("end")) < str(slot.get("start")) else ""
            lines.append(f"Slot {n}: {slot.get('start')}–{slot.get('end')}{over}")
        else:
            lines.append(f"Slot {n}: off")
    return lines


def value_lines(setting_type: str, value) -> list[str]:
    """A stored old/new value as short lines of text."""
    if value is None:
        return []
    if setting_type in (MIX_CHARGE, MIX_DISCHARGE, SPA_CHARGE):
        return schedule_lines(value, setting_type)
    if setting_type == CLOCK and isinstance(value, dict):
        return [str(value.get("inverter_time") or "unknown")]
    if setting_type == PLANT_SETTINGS and isinstance(value, dict):
        return [f"{PLANT_LABELS.get(k, k)}: {'—' if v in (None, '') else v}" for k, v in value.items()]
    return [str(value)]
