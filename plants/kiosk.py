"""What a kiosk link shows: one plant's power flow, today's chart and energy summary — nothing else.

Every payload is built from an explicit list of fields, so nothing about devices (serial
numbers), settings, the Growatt account or other plants can leak into a kiosk page or
its JSON, whatever the dashboard helpers grow to contain.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from plants.models import DailyEnergy, Plant, PowerSample

LIVE_FIELDS = ("pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w", "battery_discharge_w",
               "soc")
SERIES_FIELDS = ("pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w", "battery_discharge_w",
                 "soc")
ENERGY_FIELDS = ("pv_kwh", "load_kwh", "import_kwh", "export_kwh", "charge_kwh", "discharge_kwh")


def live(plant: Plant) -> dict:
    """The plant's latest values (W, %), today's yield and how fresh they are."""
    values = {name: getattr(plant, f"live_{name}") for name in LIVE_FIELDS}
    return {
        "plant": plant.name,
        "updated": plant.live_at.isoformat() if plant.live_at else None,
        "stale": plant.is_stale,
        "today_pv_kwh": plant.today_pv_kwh,
        **values,
    }


def day(plant: Plant) -> dict:
    """Today's 5-minute series in the plant's timezone (timestamps as Unix seconds)."""
    today = plant.local_today()
    rows = PowerSample.objects.for_day(plant, today).values_list("ts", *SERIES_FIELDS)
    series: dict[str, list] = {"ts": [], **{name: [] for name in SERIES_FIELDS}}
    for ts, *values in rows:
        series["ts"].append(int(ts.timestamp()))
        for name, value in zip(SERIES_FIELDS, values):
            series[name].append(value)
    return {"date": today.isoformat(), "timezone": plant.timezone, "series": series}


def energy(plant: Plant) -> dict:
    """Today's energy (kWh) and what it is worth, from the plant's own settings."""
    today = plant.local_today()
    row = DailyEnergy.objects.filter(plant=plant, date=today).values(*ENERGY_FIELDS).first() or {}
    values = {name: row.get(name) for name in ENERGY_FIELDS}
    if values["pv_kwh"] is None:
        values["pv_kwh"] = plant.today_pv_kwh
    pv = values["pv_kwh"]
    return {
        "date": today.isoformat(),
        **values,
        "money": round(pv * plant.money_per_kwh, 2) if pv is not None and plant.money_per_kwh else None,
        "currency": plant.currency,
        "co2_kg": round(pv * plant.co2_kg_per_kwh, 1) if pv is not None and plant.co2_kg_per_kwh else None,
        "total_pv_kwh": plant.total_pv_kwh,
    }


def page_context(plant: Plant, token: str) -> dict:
    """Context for templates/plants/kiosk.html: the plant's public face and its JSON URLs."""
    return {
        "plant_name": plant.name,
        "plant_timezone": plant.timezone,
        "live": live(plant),
        "energy": energy(plant),
        "today": plant.local_today(),
        "now": timezone.now(),
        "kiosk": True,
        "live_url": reverse("kiosk_live", args=[token]),
        "day_url": reverse("kiosk_day", args=[token]),
    }
