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

# Countries with several zones: candidate zones with a representative (lat, lng),
# filtered by the offset Growatt reports, then the nearest to the plant wins.
MULTI_ZONE = {
    "australia": {"Australia/Perth": (-31.95, 115.86), "Australia/Darwin": (-12.46, 130.84),
                  "Australia/Adelaide": (-34.93, 138.60), "Australia/Brisbane": (-27.47, 153.03),
                  "Australia/Sydney": (-33.87, 151.21), "Australia/Melbourne": (-37.81, 144.96),
                  "Australia/Hobart": (-42.88, 147.33)},
    "united states": {"America/New_York": (40.71, -74.01), "America/Chicago": (41.88, -87.63),
                      "America/Denver": (39.74, -104.99), "America/Phoenix": (33.45, -112.07),
                      "America/Los_Angeles": (34.05, -118.24), "America/Anchorage": (61.22, -149.90),
                      "Pacific/Honolulu": (21.31, -157.86)},
    "canada": {"America/Halifax": (44.65, -63.57), "America/Toronto": (43.65, -79.38),
               "America/Winnipeg": (49.90, -97.14), "America/Edmonton": (53.55, -113.49),
               "America/Vancouver": (49.28, -123.12)},
    "brazil": {"America/Sao_Paulo": (-23.55, -46.63), "America/Manaus": (-3.12, -60.02),
               "America/Noronha": (-3.85, -32.42)},
    "mexico": {"America/Mexico_City": (19.43, -99.13), "America/Tijuana": (32.51, -117.04),
               "America/Cancun": (21.16, -86.85)},
    "russia": {"Europe/Moscow": (55.76, 37.62), "Asia/Yekaterinburg": (56.84, 60.61),
               "Asia/Novosibirsk": (55.01, 82.93), "Asia/Vladivostok": (43.12, 131.89)},
}
MULTI_ZONE["usa"] = MULTI_ZONE["united states"]
MULTI_ZONE["us"] = MULTI_ZONE["united states"]


def _standard_offset_hours(zone: str) -> float:
    tz = ZoneInfo(zone)
    # The smaller of the January and July offsets is the standard (non-DST) offset.
    year = dt.date.today().year
    offsets = [dt.datetime(year, month, 15, 12, tzinfo=tz).utcoffset().total_seconds() / 3600 for month in (1, 7)]
    return min(offsets)


def _fixed_zone(offset: float) -> str:
    hours = int(round(offset))
    if not -12 <= hours <= 14:  # no such offset on Earth: the value is junk
        return "UTC"
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
            matching = {zone: where for zone, where in candidates.items()
                        if abs(_standard_offset_hours(zone) - offset) < 0.26}
            candidates = matching or candidates
        if latitude is not None and longitude is not None:
            return min(candidates, key=lambda zone: (candidates[zone][0] - latitude) ** 2
                       + (candidates[zone][1] - longitude) ** 2)
        return next(iter(candidates))
    if offset is not None:
        return _fixed_zone(offset)
    if longitude is not None:
        return _fixed_zone(longitude / 15)
    return "UTC"
