"""Infer a plant's IANA timezone from what Growatt knows: country, UTC offset, longitude.

Growatt stores only a whole-hour offset without DST. The country usually names
the zone; for countries that span several zones the offset (or the longitude)
picks one. People can always correct it on the plant page.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# Countries with a single zone, as Growatt spells them (and common variants).
SINGLE_ZONE = {
    "united kingdom": "Europe/London", "uk": "Europe/London", "great britain": "Europe/London",
    "england": "Europe/London", "scotland": "Europe/London", "wales": "Europe/London",
    "ireland": "Europe/Dublin", "germany": "Europe/Berlin", "netherlands": "Europe/Amsterdam",
    "the netherlands": "Europe/Amsterdam", "belgium": "Europe/Brussels", "france": "Europe/Paris",
    "italy": "Europe/Rome", "spain": "Europe/Madrid", "portugal": "Europe/Lisbon",
    "austria": "Europe/Vienna", "switzerland": "Europe/Zurich", "poland": "Europe/Warsaw",
    "czech republic": "Europe/Prague", "czechia": "Europe/Prague", "slovakia": "Europe/Bratislava",
    "hungary": "Europe/Budapest", "sweden": "Europe/Stockholm", "norway": "Europe/Oslo",
    "denmark": "Europe/Copenhagen", "finland": "Europe/Helsinki", "greece": "Europe/Athens",
    "romania": "Europe/Bucharest", "bulgaria": "Europe/Sofia", "slovenia": "Europe/Ljubljana",
    "croatia": "Europe/Zagreb", "luxembourg": "Europe/Luxembourg", "estonia": "Europe/Tallinn",
    "latvia": "Europe/Riga", "lithuania": "Europe/Vilnius", "ukraine": "Europe/Kyiv",
    "turkey": "Europe/Istanbul", "israel": "Asia/Jerusalem", "china": "Asia/Shanghai",
    "india": "Asia/Kolkata", "japan": "Asia/Tokyo", "south korea": "Asia/Seoul", "korea": "Asia/Seoul",
    "vietnam": "Asia/Ho_Chi_Minh", "thailand": "Asia/Bangkok", "philippines": "Asia/Manila",
    "malaysia": "Asia/Kuala_Lumpur", "singapore": "Asia/Singapore", "pakistan": "Asia/Karachi",
    "south africa": "Africa/Johannesburg", "new zealand": "Pacific/Auckland",
    "cyprus": "Asia/Nicosia", "malta": "Europe/Malta", "iceland": "Atlantic/Reykjavik",
}

# Countries with several zones: the candidates, checked against the offset.
MULTI_ZONE = {
    "australia": ["Australia/Perth", "Australia/Darwin", "Australia/Adelaide", "Australia/Brisbane",
                  "Australia/Sydney"],
    "united states": ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
                      "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"],
    "usa": ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"],
    "canada": ["America/Halifax", "America/Toronto", "America/Winnipeg", "America/Edmonton",
               "America/Vancouver"],
    "brazil": ["America/Sao_Paulo", "America/Manaus", "America/Noronha"],
    "mexico": ["America/Mexico_City", "America/Tijuana", "America/Cancun"],
    "russia": ["Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Vladivostok"],
}


def _standard_offset_hours(zone: str) -> float:
    tz = ZoneInfo(zone)
    # The smaller of the January and July offsets is the standard (non-DST) offset.
    year = dt.date.today().year
    offsets = [dt.datetime(year, month, 15, 12, tzinfo=tz).utcoffset().total_seconds() / 3600 for month in (1, 7)]
    return min(offsets)


def _fixed_zone(offset: float) -> str:
    hours = int(round(offset))
    if hours == 0:
        return "UTC"
    # POSIX sign convention: Etc/GMT-1 is UTC+1.
    return f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"


def infer_timezone(country: str | None = None, offset: float | None = None,
                   longitude: float | None = None, latitude: float | None = None) -> str:
    key = (country or "").strip().lower()
    if key in SINGLE_ZONE:
        return SINGLE_ZONE[key]
    if key in MULTI_ZONE:
        candidates = MULTI_ZONE[key]
        if offset is not None:
            for zone in candidates:
                if abs(_standard_offset_hours(zone) - offset) < 0.51:
                    return zone
        if longitude is not None:
            # Nearest by the zone's standard meridian (15° per hour).
            return min(candidates, key=lambda zone: abs(_standard_offset_hours(zone) * 15 - longitude))
        return candidates[0]
    if offset is not None:
        return _fixed_zone(offset)
    if longitude is not None:
        return _fixed_zone(longitude / 15)
    return "UTC"
