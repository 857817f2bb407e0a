"""Solar production, household load, batteries and the grid, in 5-minute steps.

A plant-local day is 288 samples keyed by wall-clock "HH:MM" (00:00 ... 23:55).
Sample k stands for the interval [k*5, k*5+5) minutes: its values are the
mean power over that interval and its energy is booked when the sample is
published, at the start of the interval (the datalogger's upload).  So at any
simulated instant the "today" counters equal the integral of the published
5-minute curve, exactly.

Everything is a pure function of (seed, plant, date, settings in force):

* day curves are generated lazily and cached per (plant, date);
* a battery's state of charge at the start of a day comes from a deterministic
  daily model for days up to the plant-local date the world started on (the
  anchor), and is integrated day after day from there, so writes to a
  schedule change what happens from the moment of the write onwards;
* lifetime counters are a base value at the anchor plus/minus the sum of
  simulated days, so they never decrease.
"""

from __future__ import annotations

import calendar
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .devsettings import Schedule, in_window, schedule_from_bean

SAMPLES = 288
STEP_MIN = 5
DT_H = STEP_MIN / 60.0
EFF = 0.97  # one-way battery efficiency
DETAIL_DAYS = 400  # before anchor - DETAIL_DAYS, days are estimated, not simulated
QUANTITIES = ("pv", "load", "charge", "discharge", "grid_charge", "imp", "exp",
              "pv_to_load", "bat_to_load", "grid_to_load")

LABELS = tuple(f"{k // 12:02d}:{(k % 12) * 5:02d}" for k in range(SAMPLES))


def label_index(hour: int, minute: int) -> int:
    return hour * 12 + minute // 5


@lru_cache(maxsize=4096)
def day_frame(iana: str, day: date) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """UTC timestamps of the 288 wall-clock sample starts and their UTC offsets (minutes)."""
    zone = ZoneInfo(iana)
    midnight = calendar.timegm((day.year, day.month, day.day, 0, 0, 0))
    probes = [zone.utcoffset(datetime(day.year, day.month, day.day, h)) for h in (0, 12, 23)]
    if probes[0] == probes[1] == probes[2]:
        off = int(probes[0].total_seconds() // 60)
        offsets = (off,) * SAMPLES
    else:  # a DST change today
        offsets = tuple(
            int(zone.utcoffset(datetime(day.year, day.month, day.day, k // 12, (k % 12) * 5)).total_seconds() // 60)
            for k in range(SAMPLES)
        )
    stamps = tuple(midnight + k * 300 - offsets[k] * 60 for k in range(SAMPLES))
    return stamps, offsets


def _eot_and_decl(day: date) -> tuple[float, float]:
    doy = day.timetuple().tm_yday
    b = 2 * math.pi * (doy - 81) / 364.0
    eot = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)  # minutes
    decl = math.radians(23.44) * math.sin(2 * math.pi * (284 + doy) / 365.0)
    return eot, decl


def solar_noon_minutes(lat: float, lng: float, iana: str, day: date) -> float:
    """Local clock minutes of solar noon (what the physics tests check the PV peak against)."""
    eot, _ = _eot_and_decl(day)
    offset = ZoneInfo(iana).utcoffset(datetime(day.year, day.month, day.day, 12)).total_seconds() / 60
    return 720.0 - 4.0 * lng - eot + offset


def sun_elevation_sines(lat: float, lng: float, iana: str, day: date) -> list[float]:
    """sin(solar elevation) at the middle of every 5-minute sample of a local day."""
    eot, decl = _eot_and_decl(day)
    _, offsets = day_frame(iana, day)
    sl, cl = math.sin(math.radians(lat)), math.cos(math.radians(lat))
    sd, cd = math.sin(decl), math.cos(decl)
    a, b = sl * sd, cl * cd
    base = 4.0 * lng + eot
    cos, rad = math.cos, math.radians
    return [a + b * cos(rad(((k * 5 + 2.5 - offsets[k] + base) / 60.0 - 12.0) * 15.0)) for k in range(SAMPLES)]


@dataclass
class DayData:
    plant_id: str
    day: date
    pv_dev: dict  # sn -> [kW]
    pv: list
    load: list
    charge: list
    discharge: list
    grid_charge: list
    imp: list
    exp: list
    pv_to_load: list
    bat_to_load: list
    grid_to_load: list
    soc: list  # % at the end of each sample (empty without a battery)
    soc_start: float
    estimated: bool = False

    def __post_init__(self):
        self._sums: dict[int, dict] = {}

    def sums(self, idx: int) -> dict:
        """kWh booked by samples 0..idx (inclusive)."""
        if idx < 0:
            return _zero_totals(self.pv_dev)
        idx = min(idx, SAMPLES - 1)
        cached = self._sums.get(idx)
        if cached is not None:
            return cached
        n = idx + 1
        out = {q: sum(getattr(self, q)[:n]) * DT_H for q in QUANTITIES}
        for sn, series in self.pv_dev.items():
            out["pv:" + sn] = sum(series[:n]) * DT_H
        out["soc_end"] = self.soc[idx] if self.soc else 0.0
        self._sums[idx] = out
        return out

    @property
    def totals(self) -> dict:
        return self.sums(SAMPLES - 1)


def _zero_totals(pv_dev) -> dict:
    out = dict.fromkeys(QUANTITIES, 0.0)
    for sn in pv_dev:
        out["pv:" + sn] = 0.0
    out["soc_end"] = 0.0
    return out


@dataclass
class Snapshot:
    """A plant at one simulated instant: the current sample and today's counters."""

    plant: object
    day: DayData
    idx: int  # current sample
    today: dict  # kWh since local midnight
    life: dict  # lifetime kWh
    sample_ts: float  # UTC timestamp of the current sample's start
    local_now: datetime

    @property
    def date(self) -> date:
        return self.day.day

    def power(self, quantity: str, sn: str | None = None) -> float:
        if sn is not None:
            return self.day.pv_dev[sn][self.idx]
        return getattr(self.day, quantity)[self.idx]

    @property
    def soc(self) -> float:
        return self.day.soc[self.idx] if self.day.soc else 0.0

    @property
    def sample_local(self) -> datetime:
        d = self.day.day
        return datetime(d.year, d.month, d.day, self.idx // 12, (self.idx % 12) * 5)


class Physics:
    def __init__(self, world, clock, *, cache_days: int = 3000):
        self.world = world
        self.clock = clock
        self.seed = world.seed
        self._lock = threading.RLock()
        self._anchor_ts = clock.timestamp()
        self._days: OrderedDict = OrderedDict()
        self._cache_days = cache_days
        self._summaries: dict[str, dict] = {}  # pid -> {date: totals}
        self._cum: dict[str, dict] = {}  # pid -> {date: lifetime at start of date}
        self._base: dict[str, dict] = {}  # pid -> lifetime at the anchor
        self._months: dict[str, dict] = {}  # pid -> {(y, m): totals} for complete months

    # -- housekeeping ------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self._anchor_ts = self.clock.timestamp()
            self._days.clear()
            self._summaries.clear()
            self._cum.clear()
            self._base.clear()
            self._months.clear()

    def invalidate(self, plant_id: str, from_day: date) -> None:
        """Forget everything a write at ``from_day`` may have changed."""
        with self._lock:
            for key in [k for k in self._days if k[0] == plant_id and k[1] >= from_day]:
                del self._days[key]
            for store in (self._summaries.get(plant_id, {}), self._cum.get(plant_id, {})):
                for d in [d for d in store if d >= from_day]:
                    del store[d]
            months = self._months.get(plant_id, {})
            for ym in [ym for ym in months if ym >= (from_day.year, from_day.month)]:
                del months[ym]

    def anchor_date(self, plant) -> date:
        return datetime.fromtimestamp(self._anchor_ts, UTC).astimezone(plant.zone).date()

    def local_now(self, plant, ts: float | None = None) -> datetime:
        ts = self.clock.timestamp() if ts is None else ts
        return datetime.fromtimestamp(ts, UTC).astimezone(plant.zone)

    # -- weather and load ------------------------------------------------------------
    def _rng(self, plant, day: date, what: str) -> random.Random:
        return random.Random(f"{self.seed}|{plant.id}|{what}|{day.isoformat()}")

    def _weather(self, plant, day: date) -> list[float]:
        """Cloud transmission (0..1) per sample: a daily cloudiness and slow drifting clouds."""
        rng = self._rng(plant, day, "sky")
        cloudiness = rng.random() ** 1.4 * 0.85
        p1, p2 = rng.uniform(100, 260), rng.uniform(30, 70)
        f1, f2 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
        two_pi, sin = 2 * math.pi, math.sin
        out = []
        for k in range(SAMPLES):
            t = k * 5 + 2.5
            n = 0.5 + 0.35 * sin(two_pi * t / p1 + f1) + 0.15 * sin(two_pi * t / p2 + f2)
            out.append(1.0 - cloudiness * (0.2 + 0.7 * n))
        return out

    def _load(self, plant, day: date) -> list[float]:
        """Household consumption in kW: base load, a morning and an evening peak, appliances."""
        rng = self._rng(plant, day, "load")
        target = plant.load_kwh_day * rng.uniform(0.85, 1.15) * (1.1 if day.weekday() >= 5 else 1.0)
        morning = 7.0 + rng.uniform(-0.5, 0.8)
        evening = 19.0 + rng.uniform(-0.8, 0.8)
        exp = math.exp
        shape = []
        for k in range(SAMPLES):
            h = (k * 5 + 2.5) / 60.0
            v = (0.25 + 0.9 * exp(-0.5 * ((h - morning) / 0.6) ** 2)
                 + 0.3 * exp(-0.5 * ((h - 13.0) / 2.0) ** 2)
                 + 1.3 * exp(-0.5 * ((h - evening) / 1.3) ** 2))
            v *= 1.0 + 0.3 * (rng.random() - 0.5)
            if 6.5 < h < 22.5 and rng.random() < 0.03:
                v += rng.uniform(0.8, 2.0)  # kettle, oven, washing machine
            shape.append(v)
        scale = target / (sum(shape) * DT_H)
        return [v * scale for v in shape]

    def _history_soc(self, plant, day: date) -> float:
        return 25.0 + 50.0 * self._rng(plant, day, "soc").random()

    # -- settings timeline -----------------------------------------------------------
    def _schedules(self, device, stamps) -> list:
        """The Schedule in force at each sample (a write applies from the next sample on)."""
        timeline = self.world.timelines.get(device.sn)
        if not timeline:
            bean = self.world.beans.get(device.sn)
            sched = schedule_from_bean(device.kind, bean) if bean else _default_schedule(device.kind)
            return [sched] * SAMPLES
        first, last = stamps[0], stamps[-1]
        current = timeline[0][1]
        changes = []
        for ts, sched in timeline:
            if ts <= first:
                current = sched
            elif ts <= last:
                changes.append((ts, sched))
        if not changes:
            return [current] * SAMPLES
        out = []
        ci = 0
        for k in range(SAMPLES):
            while ci < len(changes) and changes[ci][0] <= stamps[k]:
                current = changes[ci][1]
                ci += 1
            out.append(current)
        return out

    # -- the day -------------------------------------------------------------------
    def day(self, plant, day: date) -> DayData:
        key = (plant.id, day)
        with self._lock:
            data = self._days.get(key)
            if data is not None:
                self._days.move_to_end(key)
                return data
            soc0 = self._soc_start(plant, day)
            data = self._simulate(plant, day, soc0)
            self._store(key, data)
            self._summaries.setdefault(plant.id, {})[day] = data.totals
            return data

    def _store(self, key, data) -> None:
        self._days[key] = data
        if len(self._days) > self._cache_days:
            self._days.popitem(last=False)

    def summary(self, plant, day: date) -> dict:
        """Totals of a whole (simulated) day."""
        with self._lock:
            cached = self._summaries.get(plant.id, {}).get(day)
            if cached is not None:
                return cached
            return self.day(plant, day).totals

    def _soc_start(self, plant, day: date) -> float:
        if plant.battery is None:
            return 0.0
        anchor = self.anchor_date(plant)
        if day <= anchor:
            return self._history_soc(plant, day)
        sums = self._summaries.setdefault(plant.id, {})
        # Walk back to the latest known day, then forward.
        d = day - timedelta(days=1)
        pending = []
        while d > anchor and d not in sums:
            pending.append(d)
            d -= timedelta(days=1)
        for d in reversed(pending):
            self.day(plant, d)
        return self.summary(plant, day - timedelta(days=1))["soc_end"]

    def _simulate(self, plant, day: date, soc: float) -> DayData:
        stamps, _ = day_frame(plant.iana, day)
        sines = sun_elevation_sines(plant.lat, plant.lng, plant.iana, day)
        sky = self._weather(plant, day)
        load = self._load(plant, day)
        pv_dev = {}
        export_limits = []
        for device in plant.pv_devices:
            scheds = self._schedules(device, stamps)
            cap = device.nominal_w / 1000.0 if device.nominal_w else device.pv_kwp
            kwp = device.pv_kwp * 0.88
            series = []
            for k in range(SAMPLES):
                s = sines[k]
                if s <= 0.0:
                    series.append(0.0)
                    continue
                sc = scheds[k]
                if not sc.pv_on:
                    series.append(0.0)
                    continue
                p = kwp * s ** 1.15 * sky[k]
                limit = cap * sc.pv_rate / 100.0
                series.append(p if p < limit else limit)
            pv_dev[device.sn] = series
            if any(sc.export_limit_pct is not None for sc in set(scheds)):
                export_limits.append((cap, scheds))
        pv = [sum(vals) for vals in zip(*pv_dev.values())] if pv_dev else [0.0] * SAMPLES

        battery = plant.battery
        zeros = [0.0] * SAMPLES
        if battery is None:
            imp, exp_ = [], []
            for k in range(SAMPLES):
                net = load[k] - pv[k]
                imp.append(net if net > 0 else 0.0)
                exp_.append(-net if net < 0 else 0.0)
            self._apply_export_limits(export_limits, pv, pv_dev, exp_)
            pv_to_load = [min(load[k], pv[k]) for k in range(SAMPLES)]
            return DayData(plant.id, day, pv_dev, pv, load, zeros, zeros, zeros, imp, exp_, pv_to_load,
                           zeros, [load[k] - pv_to_load[k] for k in range(SAMPLES)], [], 0.0)

        scheds = self._schedules(battery, stamps)
        cap = battery.battery_kwh
        pmax = battery.battery_kw
        off_grid = battery.kind == "storage"
        charge, discharge, grid_charge, imp, exp_, soc_series = [], [], [], [], [], []
        pv_to_load, bat_to_load, grid_to_load = [], [], []
        k_room = cap / (EFF * DT_H) / 100.0  # kW per % of headroom within one sample
        k_avail = cap * EFF / DT_H / 100.0  # kW per % above the floor within one sample
        soc0 = soc
        for k in range(SAMPLES):
            sc: Schedule = scheds[k]
            p, ld = pv[k], load[k]
            minute = k * 5
            ch = dis = gch = 0.0
            if off_grid:
                surplus = p - ld
                if surplus >= 0:
                    ch = min(surplus, pmax, max(0.0, 100.0 - soc) * k_room)
                    curtail = surplus - ch
                    if curtail > 0:
                        p -= curtail
                        _curtail(pv_dev, k, curtail)
                        pv[k] = p
                    im = 0.0
                else:
                    dis = min(-surplus, pmax, max(0.0, soc - sc.min_soc) * k_avail)
                    im = -surplus - dis
                ex = 0.0
            else:
                in_charge = False
                for a, b in sc.charge_slots:
                    if in_window(minute, a, b):
                        in_charge = True
                        break
                in_discharge = False
                if not in_charge:
                    for a, b in sc.discharge_slots:
                        if in_window(minute, a, b):
                            in_discharge = True
                            break
                if in_charge:
                    limit = pmax * sc.charge_pct / 100.0
                    room = max(0.0, sc.charge_stop_soc - soc) * k_room
                    ch = min(limit, room) if sc.ac_charge else min(limit, room, p)
                elif in_discharge:
                    limit = pmax * sc.discharge_pct / 100.0
                    dis = min(limit, max(0.0, soc - sc.discharge_stop_soc) * k_avail)
                else:
                    surplus = p - ld
                    if surplus > 0:
                        ch = min(surplus, pmax, max(0.0, 100.0 - soc) * k_room)
                    else:
                        dis = min(-surplus, pmax, max(0.0, soc - sc.min_soc) * k_avail)
                net = ld + ch - p - dis
                im = net if net > 0 else 0.0
                ex = -net if net < 0 else 0.0
                if in_charge and sc.ac_charge:
                    gch = min(ch, im)
                if sc.export_limit_pct is not None and ex > 0:
                    ceiling = pmax_export(plant) * sc.export_limit_pct / 100.0
                    if ex > ceiling:
                        curtail = min(ex - ceiling, p)
                        p -= curtail
                        ex -= curtail
                        _curtail(pv_dev, k, curtail)
                        pv[k] = p
            soc += (ch * EFF - dis / EFF) * DT_H / cap * 100.0
            soc = 0.0 if soc < 0 else (100.0 if soc > 100.0 else soc)
            pl = min(ld, max(0.0, p - (ch - gch)))
            bl = min(ld - pl, dis)
            charge.append(ch)
            discharge.append(dis)
            grid_charge.append(gch)
            imp.append(im)
            exp_.append(ex)
            soc_series.append(soc)
            pv_to_load.append(pl)
            bat_to_load.append(bl)
            grid_to_load.append(max(0.0, ld - pl - bl))
        return DayData(plant.id, day, pv_dev, pv, load, charge, discharge, grid_charge, imp, exp_,
                       pv_to_load, bat_to_load, grid_to_load, soc_series, soc0)

    @staticmethod
    def _apply_export_limits(export_limits, pv, pv_dev, exp_) -> None:
        for cap, scheds in export_limits:
            for k in range(SAMPLES):
                pct = scheds[k].export_limit_pct
                if pct is None:
                    continue
                ceiling = cap * pct / 100.0
                if exp_[k] > ceiling:
                    curtail = min(exp_[k] - ceiling, pv[k])
                    exp_[k] -= curtail
                    pv[k] -= curtail
                    _curtail(pv_dev, k, curtail)

    # -- estimates for the distant past -----------------------------------------------
    def estimate(self, plant, day: date) -> dict:
        """A cheap day total for days long before the anchor (year and lifetime series)."""
        _, decl = _eot_and_decl(day)
        lat = math.radians(plant.lat)
        rng = self._rng(plant, day, "sky")
        cloudiness = rng.random() ** 1.4 * 0.85
        sky = 1.0 - cloudiness * 0.55
        energy_per_kwp = 0.0
        for h in range(24):
            hour_angle = math.radians((h + 0.5 - 12.0) * 15.0)
            s = math.sin(lat) * math.sin(decl) + math.cos(lat) * math.cos(decl) * math.cos(hour_angle)
            if s > 0:
                energy_per_kwp += 0.88 * s ** 1.15
        out = dict.fromkeys(QUANTITIES, 0.0)
        for device in plant.pv_devices:
            out["pv:" + device.sn] = device.pv_kwp * energy_per_kwp * sky
            out["pv"] += out["pv:" + device.sn]
        out["load"] = plant.load_kwh_day
        _split(out, plant, 1.0)
        out["soc_end"] = 0.0
        return out

    # -- lifetime ------------------------------------------------------------------
    def _lifetime_base(self, plant) -> dict:
        base = self._base.get(plant.id)
        if base is not None:
            return base
        anchor = self.anchor_date(plant)
        years = max(0.0, (anchor - plant.create_date).days / 365.25)
        specific_yield = max(800.0, min(1700.0, 1400.0 - 10.0 * (abs(plant.lat) - 25.0)))
        base = dict.fromkeys(QUANTITIES, 0.0)
        for device in plant.pv_devices:
            dev_years = max(0.0, (anchor - device.install_date).days / 365.25)
            base["pv:" + device.sn] = device.pv_kwp * specific_yield * dev_years
            base["pv"] += base["pv:" + device.sn]
        base["load"] = plant.load_kwh_day * 365.25 * years
        _split(base, plant, 365.25 * years)
        self._base[plant.id] = base
        return base

    def lifetime_start(self, plant, day: date) -> dict:
        """Lifetime counters at local midnight starting ``day``."""
        with self._lock:
            cum = self._cum.setdefault(plant.id, {})
            hit = cum.get(day)
            if hit is not None:
                return hit
            anchor = self.anchor_date(plant)
            base = self._lifetime_base(plant)
            if day >= anchor:
                d = day
                while d > anchor and d not in cum:
                    d -= timedelta(days=1)
                running = dict(cum.get(d, base))
                while d < day:
                    _add(running, self.day_total(plant, d))
                    d += timedelta(days=1)
                    cum[d] = dict(running)
                cum[anchor] = cum.get(anchor, base)
                return cum[day]
            running = dict(base)
            d = anchor
            while d > day:
                d -= timedelta(days=1)
                _add(running, self.day_total(plant, d), sign=-1.0)
            for q, v in running.items():
                running[q] = max(0.0, v)
            cum[day] = running
            return running

    def day_total(self, plant, day: date) -> dict:
        """Totals of a past day: simulated when recent, estimated when long gone."""
        if day < plant.create_date:
            return _zero_totals({d.sn: None for d in plant.pv_devices})
        if day < self.anchor_date(plant) - timedelta(days=DETAIL_DAYS):
            return self.estimate(plant, day)
        return self.summary(plant, day)

    # -- now -------------------------------------------------------------------
    def snapshot(self, plant, ts: float | None = None, *, stale: bool = False) -> Snapshot:
        ts = self.clock.timestamp() if ts is None else ts
        local = self.local_now(plant, ts)
        today = local.date()
        idx = label_index(local.hour, local.minute)
        if stale:  # yesterday's final values, as a lagging datalogger would report them
            today -= timedelta(days=1)
            idx = SAMPLES - 1
        data = self.day(plant, today)
        sums = data.sums(idx)
        start = self.lifetime_start(plant, today)
        life = {q: start.get(q, 0.0) + sums.get(q, 0.0) for q in sums if q != "soc_end"}
        stamps, _ = day_frame(plant.iana, today)
        return Snapshot(plant, data, idx, sums, life, stamps[idx], local)

    def day_upto(self, plant, day: date, now_local: datetime) -> tuple[DayData | None, int]:
        """A day's data and the last published sample (-1: nothing yet, None: future)."""
        today = now_local.date()
        if day > today or day < plant.create_date:
            return None, -1
        data = self.day(plant, day)
        if day == today:
            return data, label_index(now_local.hour, now_local.minute)
        return data, SAMPLES - 1

    def totals_for_day(self, plant, day: date, now_local: datetime) -> dict:
        today = now_local.date()
        if day > today or day < plant.create_date:
            return _zero_totals({d.sn: None for d in plant.pv_devices})
        if day == today:
            return self.day(plant, day).sums(label_index(now_local.hour, now_local.minute))
        return self.day_total(plant, day)

    def month_totals(self, plant, year: int, month: int, now_local: datetime) -> dict[int, dict]:
        days = calendar.monthrange(year, month)[1]
        return {d: self.totals_for_day(plant, date(year, month, d), now_local) for d in range(1, days + 1)}

    def month_sum(self, plant, year: int, month: int, now_local: datetime) -> dict:
        today = now_local.date()
        complete = (year, month) < (today.year, today.month)
        with self._lock:
            cache = self._months.setdefault(plant.id, {})
            if complete and (year, month) in cache:
                return cache[(year, month)]
            total = _zero_totals({d.sn: None for d in plant.pv_devices})
            for totals in self.month_totals(plant, year, month, now_local).values():
                _add(total, totals)
            if complete:
                cache[(year, month)] = total
            return total

    def year_totals(self, plant, year: int, now_local: datetime) -> dict[int, dict]:
        return {m: self.month_sum(plant, year, m, now_local) for m in range(1, 13)}


def _default_schedule(kind: str) -> Schedule:
    return Schedule(min_soc=20) if kind == "storage" else Schedule()


def pmax_export(plant) -> float:
    return plant.nominal_power / 1000.0 or 1.0


def _curtail(pv_dev: dict, k: int, amount: float) -> None:
    total = sum(series[k] for series in pv_dev.values())
    if total <= 0:
        return
    for series in pv_dev.values():
        series[k] -= amount * series[k] / total
        if series[k] < 0:
            series[k] = 0.0


def _split(out: dict, plant, days: float) -> None:
    """Plausible shares of the flows over ``days`` when only PV and load are known."""
    pv, load = out["pv"], out["load"]
    battery = plant.battery
    if battery is None:
        out["pv_to_load"] = min(load * 0.35, pv * 0.45)
        out["exp"] = max(0.0, pv - out["pv_to_load"])
        out["imp"] = max(0.0, load - out["pv_to_load"])
        out["grid_to_load"] = out["imp"]
        return
    charged = min(battery.battery_kwh * 0.6 * days, pv * 0.3)
    out["charge"] = charged
    out["discharge"] = charged * 0.92
    out["grid_charge"] = charged * 0.05
    out["pv_to_load"] = min(load * 0.35, pv * 0.4)
    out["bat_to_load"] = min(out["discharge"], load - out["pv_to_load"])
    out["grid_to_load"] = max(0.0, load - out["pv_to_load"] - out["bat_to_load"])
    if battery.kind == "storage":
        out["exp"] = 0.0
    else:
        out["exp"] = max(0.0, pv - out["pv_to_load"] - charged + out["grid_charge"])
    out["imp"] = out["grid_to_load"] + out["grid_charge"]


def _add(acc: dict, more: dict, sign: float = 1.0) -> None:
    for q, v in more.items():
        if q == "soc_end":
            continue
        acc[q] = acc.get(q, 0.0) + sign * v
