"""Quick, deterministic test data: accounts, plants, devices and their history.

Everything goes in with ``bulk_create``, so a plant with 5 devices and 60 days
of 5-minute samples takes well under a second or two, even on SQLite. The
synthetic physics is simple but consistent (pv + import + discharge = load +
export + charge at every step), and it depends only on the date and time, so
two runs produce the same rows.

    plant = make_plant(owner, devices=5, days=60)           # history up to today
    plant = make_plant(owner, days=3, end=date(2026, 6, 30))  # a fixed past window
    share(plant, viewer)                                     # viewer membership
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

from django.utils import timezone

from plants.models import (
    DailyEnergy,
    Device,
    DeviceSample,
    GrowattAccount,
    Plant,
    PlantMembership,
    PowerSample,
    Role,
)

STEP = dt.timedelta(minutes=5)
KINDS = [Device.Kind.MIX, Device.Kind.INVERTER, Device.Kind.TLX, Device.Kind.SPA, Device.Kind.STORAGE]
BATTERY_WH = 10_000.0


def make_account(owner, label: str = "Home", **fields) -> GrowattAccount:
    fields.setdefault("server_url", "http://127.0.0.1:9/")  # nothing listens there: no test talks to it
    fields.setdefault("username", f"{owner.get_username()}-growatt")
    fields.setdefault("password", "growatt-pw")
    fields.setdefault("state", GrowattAccount.State.OK)
    return GrowattAccount.objects.create(owner=owner, label=label, **fields)


def add_devices(plant: Plant, count: int, kinds: list[str] | None = None) -> list[Device]:
    """``count`` devices with live values and a detail reply shaped like Growatt's."""
    kinds = kinds or KINDS
    now = timezone.now()
    devices = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        serial = f"{kind[:3].upper()}{plant.pk:04d}{i:03d}"
        battery = kind in (Device.Kind.MIX, Device.Kind.SPA, Device.Kind.STORAGE, Device.Kind.TLX)
        detail = {
            "vpv1": 312.4, "ipv1": 3.9, "ppv1": 1218.4, "vpv2": 298.0, "ipv2": 3.1, "ppv2": 923.8,
            "ppv": 2142.2, "pac": 2080.5, "vacr": 236.1, "fac": 50.01, "temperature": 38.2,
            "ipmTemperature": 36.0, "status": 1, "time": "2026-11-25 12:35:12",
        }
        if battery:
            detail.update({"SOC": "54", "vBat": "51.8", "chargePower": "0.42"})
        devices.append(Device(
            plant=plant, serial=serial, alias=f"{Device.Kind(kind).label} {i + 1}", kind=kind,
            growatt_type=kind, datalogger_serial=f"DL{plant.pk:04d}{i:03d}", status="1", lost=False,
            last_seen_at=now, detail=detail, detail_at=now, pv_power_w=2142.2, ac_power_w=2080.5,
            soc=54.0 if battery else None, battery_voltage=51.8 if battery else None, grid_voltage=236.1,
            grid_frequency=50.01, temperature=38.2, energy_today_kwh=8.4, energy_total_kwh=5321.7,
        ))
    devices = Device.objects.bulk_create(devices)
    plant.data_changed()  # as the sync's update_devices does
    return devices


def _weather(day: dt.date) -> float:
    """A repeatable cloudiness factor between 0.35 and 1.0 for a date."""
    return 0.35 + 0.65 * (((day.toordinal() * 7919) % 101) / 100)


def _season(day: dt.date) -> float:
    """Longer, stronger days in summer (northern hemisphere)."""
    return 0.6 + 0.4 * math.cos((day.timetuple().tm_yday - 172) / 365 * 2 * math.pi)


def day_points(day: dt.date, tz, peak_w: float = 6000.0, soc_start: float = 40.0,
               until: dt.datetime | None = None) -> Iterator[tuple[dt.datetime, dict]]:
    """The 5-minute points of a plant-local day as (UTC time, values)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz).astimezone(dt.UTC)
    season, weather = _season(day), _weather(day)
    sunrise, sunset = 12 - 6 * season - 1, 12 + 6 * season + 1
    soc = soc_start
    ts = start
    while ts < end and (until is None or ts <= until):
        local = ts.astimezone(tz)
        hour = local.hour + local.minute / 60
        if sunrise < hour < sunset:
            pv = peak_w * season * weather * math.sin(math.pi * (hour - sunrise) / (sunset - sunrise))
        else:
            pv = 0.0
        habit = 0.8 + 0.4 * (((day.toordinal() * 104729) % 97) / 96)  # some days use more than others
        load = 280 + habit * (900 * math.exp(-((hour - 7.5) ** 2) / 0.8) + 1400 * math.exp(-((hour - 19) ** 2) / 1.5))
        surplus = pv - load
        hours = STEP.total_seconds() / 3600
        charge = discharge = grid_import = grid_export = 0.0
        if surplus > 0:
            charge = min(surplus, 3000.0, (100 - soc) / 100 * BATTERY_WH / hours)
            grid_export = surplus - charge
        else:
            discharge = min(-surplus, 3000.0, max(soc - 10, 0) / 100 * BATTERY_WH / hours)
            grid_import = -surplus - discharge
        soc = min(100.0, max(0.0, soc + (charge - discharge) * hours / BATTERY_WH * 100))
        yield ts, {"pv_w": round(pv, 1), "load_w": round(load, 1), "grid_import_w": round(grid_import, 1),
                   "grid_export_w": round(grid_export, 1), "battery_charge_w": round(charge, 1),
                   "battery_discharge_w": round(discharge, 1), "soc": round(soc, 1)}
        ts += STEP


def energy_of(points: list[dict]) -> dict:
    hours = STEP.total_seconds() / 3600
    pairs = {"pv_kwh": "pv_w", "load_kwh": "load_w", "import_kwh": "grid_import_w", "export_kwh": "grid_export_w",
             "charge_kwh": "battery_charge_w", "discharge_kwh": "battery_discharge_w"}
    return {name: round(sum(p[key] for p in points) * hours / 1000, 3) for name, key in pairs.items()}


def history_rows(plant: Plant, days: int, end: dt.date | None = None, devices: list[Device] | None = None,
                 until: dt.datetime | None = None, peak_w: float | None = None, device_days: int | None = None):
    """Yield (day, plant samples, device samples, DailyEnergy) per plant-local day, oldest first.

    Days before ``end`` are complete; ``end`` itself stops at ``until`` (default:
    now, when ``end`` is today), like a live plant in the middle of a day.
    """
    tz = plant.tz
    today = timezone.now().astimezone(tz).date()
    end = end or today
    if until is None and end >= today:
        until = timezone.now()
    peak = peak_w or plant.nominal_power_w or 6000.0
    devices = devices or []
    soc = 40.0
    for offset in range(days - 1, -1, -1):
        day = end - dt.timedelta(days=offset)
        points = list(day_points(day, tz, peak_w=peak, soc_start=soc, until=until if day == end else None))
        if points:
            soc = points[-1][1]["soc"]
        samples = [PowerSample(plant=plant, ts=ts, **values) for ts, values in points]
        device_rows = []
        share = 1 / max(len(devices), 1)
        for device in devices if device_days is None or offset < device_days else ():
            has_soc = device.has_battery
            device_rows.extend(
                DeviceSample(device=device, ts=ts, power_w=round(values["pv_w"] * share, 1),
                             soc=values["soc"] if has_soc else None)
                for ts, values in points
            )
        energy = energy_of([values for _, values in points])
        daily = DailyEnergy(plant=plant, date=day, samples=len(points), complete=day < today, **energy)
        yield day, samples, device_rows, daily


def add_history(plant: Plant, days: int, end: dt.date | None = None, devices: list[Device] | None = None,
                until: dt.datetime | None = None, batch_size: int = 2000, device_days: int | None = None) -> int:
    """Insert ``days`` days of 5-minute plant (and device) samples plus DailyEnergy rows."""
    samples: list[PowerSample] = []
    device_samples: list[DeviceSample] = []
    daily: list[DailyEnergy] = []
    for _day, day_samples, day_device_rows, day_energy in history_rows(plant, days, end, devices, until,
                                                                       device_days=device_days):
        samples.extend(day_samples)
        device_samples.extend(day_device_rows)
        daily.append(day_energy)
    PowerSample.objects.bulk_create(samples, batch_size=batch_size)
    DeviceSample.objects.bulk_create(device_samples, batch_size=batch_size)
    DailyEnergy.objects.bulk_create(daily, batch_size=batch_size)
    plant.data_changed()  # as the sync's store_day does
    return len(samples)


def set_live(plant: Plant, at: dt.datetime | None = None, **values) -> Plant:
    """Denormalised live values as a sync would leave them (a sunny noon with a charging battery)."""
    live = {"live_pv_w": 3420.0, "live_load_w": 640.0, "live_grid_import_w": 0.0, "live_grid_export_w": 1280.0,
            "live_battery_charge_w": 1500.0, "live_battery_discharge_w": 0.0, "live_soc": 54.0,
            "today_pv_kwh": 12.4, "total_pv_kwh": 5321.7}
    live.update(values)
    for name, value in live.items():
        setattr(plant, name, value)
    plant.live_at = at or timezone.now()
    plant.save()
    return plant


def make_plant(owner=None, *, account: GrowattAccount | None = None, name: str = "Sunny Roof",
               timezone_name: str = "Europe/Berlin", devices: int = 1, days: int = 0,
               end: dt.date | None = None, device_history: bool = True, device_days: int | None = None,
               live: bool | dict = True, kinds: list[str] | None = None, **fields) -> Plant:
    """A plant of ``owner`` (or of ``account``) with devices, live values and ``days`` days of history.

    ``live`` is True for the default live values (see ``set_live``), a dict to override some of
    them (``live={"live_soc": None}``), or False for a plant that has never been synced.
    Device curves cover the last ``device_days`` days (default: all ``days``); fewer keep big
    histories quick to build.
    """
    if account is None:
        account = make_account(owner)
    fields.setdefault("nominal_power_w", 6000.0)
    fields.setdefault("currency", "EUR")
    fields.setdefault("money_per_kwh", 0.3)
    fields.setdefault("co2_kg_per_kwh", 0.4)
    fields.setdefault("country", "Germany")
    growatt_id = fields.pop("growatt_id", None) or str(100000 + Plant.objects.count() + 1)
    plant = Plant.objects.create(account=account, growatt_id=growatt_id, name=name, timezone=timezone_name,
                                 **fields)
    made = add_devices(plant, devices, kinds) if devices else []
    if live:
        set_live(plant, **(live if isinstance(live, dict) else {}))
    if days:
        add_history(plant, days, end=end, devices=made if device_history else None, device_days=device_days)
    return plant


def share(plant: Plant, user, role: str = Role.VIEWER) -> PlantMembership:
    return PlantMembership.objects.create(plant=plant, user=user, role=role)
