"""Small helpers shared by the simulator's tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests

from simulator import growatt_hash

UA = "Dalvik/2.1.0 (Linux; U; Android 12; simulator tests)"

DEMO_DEVICES = {
    # sn: (kind, plant id)
    "SPH6A1B001": ("mix", "1001001"),
    "MIN4B2C002": ("tlx", "1001002"),
    "MIC3C3D003": ("inverter", "1001003"),
    "SPA3C3D004": ("spa", "1001003"),
    "SPF5D4E005": ("storage", "1001004"),
}
DEMO_PLANTS = ("1001001", "1001002", "1001003", "1001004")


def session(sim, username: str = "demo", password: str | None = None) -> requests.Session:
    """A requests session logged in to the simulator like the mobile app."""
    s = requests.Session()
    s.headers["User-Agent"] = UA
    password = username if password is None else password
    r = s.post(sim.url + "newTwoLoginAPI.do", data={"userName": username, "password": growatt_hash(password)})
    r.raise_for_status()
    assert r.json()["back"]["success"], r.text
    return s


def get(s: requests.Session, sim, page: str, **params) -> dict:
    r = s.get(sim.url + page, params=params, allow_redirects=False)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    return r.json()


def post(s: requests.Session, sim, page: str, **params) -> dict:
    r = s.post(sim.url + page, params=params, allow_redirects=False)
    assert r.status_code == 200, (r.status_code, r.text[:200])
    return r.json()


def zone_of(sim, plant_id: str) -> ZoneInfo:
    return ZoneInfo(sim.world.plant_zone(plant_id))


def local_now(sim, plant_id: str) -> datetime:
    return sim.clock.now().astimezone(zone_of(sim, plant_id))


def set_local(sim, plant_id: str, day: date, hour: int, minute: int = 0) -> datetime:
    """Move the simulated clock to a plant-local wall-clock time."""
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone_of(sim, plant_id))
    sim.clock.set(local.astimezone(UTC))
    return local


def integral_kwh(values_kw) -> float:
    return sum(float(v) for v in values_kw) * 5 / 60


def sun_elevation_deg(lat: float, lng: float, when_utc: datetime) -> float:
    """Solar elevation from the NOAA low-accuracy formulas (independent of the simulator's code)."""
    import math

    doy = when_utc.timetuple().tm_yday
    hour = when_utc.hour + when_utc.minute / 60 + when_utc.second / 3600
    gamma = 2 * math.pi / 365 * (doy - 1 + (hour - 12) / 24)
    eqtime = 229.18 * (0.000075 + 0.001868 * math.cos(gamma) - 0.032077 * math.sin(gamma)
                       - 0.014615 * math.cos(2 * gamma) - 0.040849 * math.sin(2 * gamma))
    decl = (0.006918 - 0.399912 * math.cos(gamma) + 0.070257 * math.sin(gamma) - 0.006758 * math.cos(2 * gamma)
            + 0.000907 * math.sin(2 * gamma) - 0.002697 * math.cos(3 * gamma) + 0.00148 * math.sin(3 * gamma))
    tst = hour * 60 + eqtime + 4 * lng
    ha = math.radians(tst / 4 - 180)
    la = math.radians(lat)
    cos_zen = math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)
    return 90 - math.degrees(math.acos(max(-1.0, min(1.0, cos_zen))))


def solar_noon_local(lat: float, lng: float, zone: ZoneInfo, day: date) -> datetime:
    """The local wall-clock time of the highest sun, found by scanning (independent of the simulator)."""
    start = datetime(day.year, day.month, day.day, 6, tzinfo=zone)
    best = max((start + timedelta(minutes=m) for m in range(0, 12 * 60, 2)),
               key=lambda t: sun_elevation_deg(lat, lng, t.astimezone(UTC)))
    return best
