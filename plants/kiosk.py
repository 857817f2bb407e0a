"""What a kiosk link shows: one plant's power flow, today's chart and energy summary — nothing else.

The numbers come from the dashboards' builders (``plants.charts``) and are drawn by the same
partials and scripts as the plant page. Every payload is cut down to an explicit list of
keys, so nothing about devices (serial numbers), settings, the Growatt account or other
plants can reach a kiosk page or its JSON, whatever those builders grow to contain.
"""

from __future__ import annotations

from django.urls import reverse

from plants import charts
from plants.models import Plant

LIVE_KEYS = ("updated_at", "updated_text", "updated_time", "stale", "has_data", "has_battery", "values", "text",
             "flow")
DAY_KEYS = ("kind", "title", "date", "timezone", "start", "end", "x", "series", "empty")
SERIES_KEYS = ("key", "label", "unit", "values", "axis", "hidden")


def _only(data: dict, keys) -> dict:
    return {key: data[key] for key in keys if key in data}


def live(plant: Plant) -> dict:
    """Live values, power-flow directions and the "updated" text (the JSON live.js refreshes from)."""
    return _only(charts.live_summary(plant), LIVE_KEYS)


def day(plant: Plant) -> dict:
    """Today's 5-minute curve in the plant's timezone (the JSON dashboard.js draws)."""
    data = _only(charts.day_series(plant, plant.local_today()), DAY_KEYS)
    data["series"] = [_only(series, SERIES_KEYS) for series in data.get("series", [])]
    return data


def energy(plant: Plant) -> dict:
    """Today's energy, ratios, money and CO2 (server-rendered only; never sent as JSON)."""
    today = plant.local_today()
    return charts.energy_summary(plant, today, today, label="Today")


def page_context(plant: Plant, token: str) -> dict:
    """Context for templates/plants/kiosk.html. The plant object itself is not passed on."""
    day_url = reverse("kiosk_day", args=[token])
    return {
        "plant_name": plant.name,
        "plant_timezone": plant.timezone,
        "live": live(plant),
        "live_url": reverse("kiosk_live", args=[token]),
        "flow_id": "kiosk-flow",
        "chart": {"url": day_url, "kind": "day", "timezone": plant.timezone, "title": "Today", "refresh": True},
        "summary": energy(plant),
        "kiosk": True,
    }
