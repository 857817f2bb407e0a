#!/usr/bin/env python3
"""Fault soak: days of 5-minute sync cycles against a misbehaving Growatt, then count what was lost.

Runs the real dispatcher and sync task (``plants.tasks``) in-process against the
in-process simulator's demo world (two Growatt accounts, five plants, every
device kind), with time moved by time-machine one simulated minute per beat, so
two simulated days take a few minutes. While it runs the simulator injects
transient faults into at least a fifth of the requests: HTTP 500 pages, the
firewall's 405 page, dropped connections, truncated JSON, timeouts, sessions
invalidated early, and stale "today" values after midnight. At the end the
faults stop, one fault-free cycle backfills, and the script compares every
plant-local day with what the simulator serves:

* 5-minute samples expected vs stored (target: none missing, none extra, none different);
* duplicate rows by (plant, ts), (device, ts), (plant, date) (target: 0; a GROUP BY check);
* logins vs session expiries (target: logins <= expiries + 1);
* tasks that failed for good (target: 0).

Then a lockout run: a ``507`` mid-run, the simulator's request count for the
account during the lock (target: 0), syncing resuming by itself afterwards, and
the samples of the locked period after the backfill (target: none missing).

    .venv/bin/python benchmarks/soak.py                 # 48 h soak + 24 h lockout, about 5 minutes
    .venv/bin/python benchmarks/soak.py --hours 6 --no-lockout

Exit status 1 when a target is missed. The test suite runs a shorter version
(``tests/reliability/test_soak.py``) through :func:`run_soak` and :func:`run_lockout`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Growatt data endpoints (everything but the login). Truncated JSON and timeouts are injected
# on these only: a login whose reply is cut off or arrives too late has opened a session on the
# server that no client can ever use, which would count as a login beyond the session expiries
# without saying anything about the sync.
DATA_PATHS = ["PlantListAPI.do", "PlantDetailAPI.do", "newTwoPlantAPI.do", "newPlantAPI.do", "newInverterAPI.do",
              "newTlxApi.do", "newMixApi.do", "newSpaApi.do", "newStorageAPI.do"]
# The paths a steady-state cycle uses; a "timeout" cycle slows one of them down past the client's timeout.
CYCLE_PATHS = ["newMixApi.do", "newTlxApi.do", "newInverterAPI.do", "newPlantAPI.do", "newStorageAPI.do"]

SAMPLE_COLUMNS = ("pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w", "battery_discharge_w")


def default_faults() -> dict:
    """Per-request probabilities; with the timeouts below, about 22 % of all requests fail."""
    return {
        "http_500": {"p": 0.07},
        "waf_405": {"p": 0.05},
        "drop_connection": {"p": 0.05},
        "malformed_json": {"p": 0.07, "paths": DATA_PATHS},
        # Rare on purpose: every dropped session costs a login, and a real account allows few.
        "session_drop": {"p": 0.0012},
        "stale_today": {"p": 0.5, "minutes": 15},
    }


@dataclass
class SoakConfig:
    hours: float = 48.0
    # Across the European DST change (2026-03-29 01:00 UTC): one plant-local day of 23 hours.
    start: str = "2026-03-28T10:00:00+00:00"
    seed: int = 7
    faults: dict = field(default_factory=default_faults)
    timeout_cycle_probability: float = 0.35  # share of cycles in which one path answers too late
    request_timeout: float = 0.25  # the client's timeout in this run (seconds, real time)
    backfill_days: int = 2
    session_hours: float = 24.0


@dataclass
class PlantFigures:
    name: str
    kind: str
    days: int = 0
    expected: int = 0
    stored: int = 0
    missing: int = 0
    extra: int = 0
    different: int = 0
    incomplete_days: int = 0


@dataclass
class SoakReport:
    config: SoakConfig
    plants: list[PlantFigures] = field(default_factory=list)
    requests: int = 0
    faults: dict = field(default_factory=dict)
    timeouts: int = 0
    duplicates: dict = field(default_factory=dict)
    rows_outside_days: int = 0
    logins: int = 0
    login_attempts: int = 0
    expiries_natural: int = 0
    expiries_dropped: int = 0
    lockouts: int = 0
    cycles: int = 0
    outcomes: dict = field(default_factory=dict)
    failed_for_good: list[str] = field(default_factory=list)
    final_outcomes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    accounts: int = 1

    @property
    def fault_count(self) -> int:
        return sum(v for k, v in self.faults.items() if k != "stale_today") + self.timeouts

    @property
    def fault_share(self) -> float:
        return self.fault_count / self.requests if self.requests else 0.0

    @property
    def expiries(self) -> int:
        return self.expiries_natural + self.expiries_dropped

    @property
    def missing(self) -> int:
        return sum(p.missing for p in self.plants)

    @property
    def duplicate_rows(self) -> int:
        return sum(self.duplicates.values())

    def checks(self) -> dict[str, bool]:
        return {
            "faults >= 20 % of requests": self.fault_share >= 0.20,
            "no 5-minute sample missing": self.missing == 0 and bool(self.plants),
            "no extra or different sample": all(p.extra == 0 and p.different == 0 for p in self.plants)
            and self.rows_outside_days == 0,
            "no duplicate rows": self.duplicate_rows == 0,
            "logins <= expiries + 1 (per account)": self.logins <= self.expiries + self.accounts,
            "no lockout": self.lockouts == 0,
            "no task failed for good": not self.failed_for_good,
            "every past day complete": all(p.incomplete_days == 0 for p in self.plants),
        }

    def lines(self) -> list[str]:
        c = self.config
        out = [f"Fault soak: {c.hours:g} simulated hours from {c.start}, beat every simulated minute, "
               f"sync every 5 minutes, {self.accounts} Growatt accounts, seed {c.seed} ({self.seconds:.0f} s)"]
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        out.append(f"requests {self.requests}; transient faults {self.fault_count} = "
                   f"{100 * self.fault_share:.1f} % ({kinds}, timeouts {self.timeouts})")
        out.append("")
        header = (f"{'plant':<18} {'kind':<16} {'days':>4} {'expected':>8} {'stored':>7} {'missing':>7} "
                  f"{'extra':>5} {'differ':>6} {'incompl.':>8}")
        out += [header, "-" * len(header)]
        for p in self.plants:
            out.append(f"{p.name:<18} {p.kind:<16} {p.days:>4} {p.expected:>8} {p.stored:>7} {p.missing:>7} "
                       f"{p.extra:>5} {p.different:>6} {p.incomplete_days:>8}")
        out.append("")
        dups = ", ".join(f"{k} {v}" for k, v in self.duplicates.items())
        out.append(f"duplicate rows (GROUP BY ... HAVING COUNT(*) > 1): {dups}; rows outside the checked days: "
                   f"{self.rows_outside_days}")
        out.append(f"logins {self.logins} (attempts {self.login_attempts}) vs session expiries {self.expiries} "
                   f"({self.expiries_natural} at end of life, {self.expiries_dropped} dropped early) over "
                   f"{self.accounts} accounts: target logins <= expiries + {self.accounts}; lockouts {self.lockouts}")
        out.append(f"cycles {self.cycles}: {dict(sorted(self.outcomes.items()))}; final fault-free cycle: "
                   f"{', '.join(self.final_outcomes)}")
        out.append(f"tasks that failed for good: {len(self.failed_for_good)}"
                   + (f" ({'; '.join(self.failed_for_good[:3])})" if self.failed_for_good else ""))
        out.append("")
        for name, ok in self.checks().items():
            out.append(f"  [{'met' if ok else 'MISSED'}] {name}")
        return out


@dataclass
class LockoutReport:
    locked_at: dt.datetime | None = None
    locked_until: dt.datetime | None = None
    resumed_at: dt.datetime | None = None
    requests_during_lock: int = -1
    logins_during_lock: int = -1
    page_shows_end: bool | None = None
    gap_expected: int = 0
    gap_stored: int = 0
    first_run_after: str = ""
    seconds: float = 0.0

    def checks(self) -> dict[str, bool]:
        checks = {
            "locked by a 507": self.locked_until is not None,
            "zero Growatt requests while locked": self.requests_during_lock == 0,
            "syncing resumed by itself after the lock": self.resumed_at is not None
            and self.locked_until is not None and self.resumed_at >= self.locked_until,
            "gap backfilled (no sample of the locked period missing)": self.gap_expected > 0
            and self.gap_stored == self.gap_expected,
        }
        if self.page_shows_end is not None:
            checks["account page shows when the lock ends"] = self.page_shows_end
        return checks

    def lines(self) -> list[str]:
        fmt = "%Y-%m-%d %H:%M UTC"
        out = ["Lockout: a 507 mid-run, then the beat keeps running every simulated minute "
               f"({self.seconds:.0f} s)",
               f"locked at {self.locked_at:{fmt}}, Growatt lock ends {self.locked_until:{fmt}}"
               if self.locked_until else "never locked",
               f"Growatt requests during the lock: {self.requests_during_lock} (logins {self.logins_during_lock})",
               f"first sync after the lock: {self.resumed_at:{fmt}} ({self.first_run_after})"
               if self.resumed_at else "no sync after the lock",
               f"5-minute samples of the locked period: {self.gap_stored} stored of {self.gap_expected} served"]
        out += [f"  [{'met' if ok else 'MISSED'}] {name}" for name, ok in self.checks().items()]
        return out


# --------------------------------------------------------------------------------------
# Helpers (Django must be set up before they are called)
# --------------------------------------------------------------------------------------


class _CountTimeouts(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.timeouts = 0

    def emit(self, record):
        if "timed out" in record.getMessage():
            self.timeouts += 1


class _PlainLink:
    """What ``plants.sync.fetch_day`` needs of a link, on a fresh fault-free session (verification only)."""

    def __init__(self, api):
        self.api = api

    def call(self, method, *args, retries=0, **kwargs):
        return getattr(self.api, method)(*args, **kwargs)


@contextmanager
def _beat(record_failure):
    """Run the real dispatcher; the tasks it enqueues run inline, as one worker would run them."""
    from plants import tasks

    def run_inline(account_id, *args, **kwargs):
        try:
            outcome = tasks.sync_account_task.run(account_id, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a task that raises has failed for good (no broker retry here)
            record_failure(f"{type(exc).__name__}: {exc}")
            return None
        return outcome

    with mock.patch.object(tasks.sync_account_task, "delay", side_effect=run_inline):
        yield tasks.dispatch_due_syncs


def _device_label(plant) -> str:
    kinds = sorted({d.kind for d in plant.devices.all()})
    return "+".join(kinds) or "none"


def duplicate_rows() -> dict[str, int]:
    """Rows sharing a natural key. The unique constraints forbid them; this checks anyway."""
    from django.db import connection

    from plants.models import DailyEnergy, DeviceSample, PowerSample

    checks = {
        "power samples": (PowerSample._meta.db_table, "plant_id, ts"),
        "device samples": (DeviceSample._meta.db_table, "device_id, ts"),
        "daily energy": (DailyEnergy._meta.db_table, "plant_id, date"),
    }
    out = {}
    with connection.cursor() as cursor:
        for label, (table, key) in checks.items():
            cursor.execute(
                f"SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM {table} "  # noqa: S608 - our names
                f"GROUP BY {key} HAVING COUNT(*) > 1) AS d"
            )
            out[label] = int(cursor.fetchone()[0] or 0)
    return out


def natural_expiries(login_times: list[dt.datetime], end: dt.datetime, lifetime: dt.timedelta) -> int:
    """Sessions that reached the end of their life before the next login (or the end of the run)."""
    times = sorted(login_times)
    count = 0
    for i, at in enumerate(times):
        following = times[i + 1] if i + 1 < len(times) else end
        if following - at >= lifetime:
            count += 1
    return count


def served_points(api, plant, day: dt.date) -> dict:
    """What the simulator serves for one plant-local day, parsed as the sync parses it."""
    from plants.sync import fetch_day

    points, _ = fetch_day(_PlainLink(api), plant, list(plant.devices.all()), day)
    return points


def compare_plant(api, plant, first_day: dt.date, last_day: dt.date) -> PlantFigures:
    from plants.models import DailyEnergy, PowerSample

    figures = PlantFigures(name=plant.name, kind=_device_label(plant))
    day = first_day
    today = plant.local_today()
    while day <= last_day:
        expected = served_points(api, plant, day)
        start, end = plant.day_bounds(day)
        stored = {row["ts"]: row for row in
                  PowerSample.objects.filter(plant=plant, ts__gte=start, ts__lt=end).values("ts", *SAMPLE_COLUMNS)}
        figures.days += 1
        figures.expected += len(expected)
        figures.stored += len(stored)
        figures.missing += len(set(expected) - set(stored))
        figures.extra += len(set(stored) - set(expected))
        for ts, values in expected.items():
            row = stored.get(ts)
            if row is None:
                continue
            for column in SAMPLE_COLUMNS:
                want, got = values.get(column), row[column]
                if (want is None) != (got is None) or (want is not None and abs(want - got) > 1e-6 * max(1, abs(want))):
                    figures.different += 1
                    break
        if day < today and not DailyEnergy.objects.filter(plant=plant, date=day, complete=True).exists():
            figures.incomplete_days += 1
        day += dt.timedelta(days=1)
    return figures


def _tick(traveller, minutes: int = 1) -> None:
    traveller.shift(dt.timedelta(minutes=minutes))


# --------------------------------------------------------------------------------------
# The soak
# --------------------------------------------------------------------------------------


def run_soak(config: SoakConfig, progress=None) -> SoakReport:
    """Run the soak in the current Django database (a test database or a scratch one)."""
    import time_machine
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from growatt import GrowattApi
    from plants.models import GrowattAccount, GrowattLogin, Plant, PowerSample, SyncRun
    from plants.sync import sync_account
    from simulator import SimulatorServer

    report = SoakReport(config=config)
    rng = random.Random(f"soak|{config.seed}")
    started = time.monotonic()
    counter = _CountTimeouts()
    logging.getLogger("growatt").addHandler(counter)
    overrides = {"GROWATT_REQUEST_TIMEOUT": config.request_timeout, "GROWATT_BACKFILL_DAYS": config.backfill_days,
                 "GROWATT_RETRY_BASE_SECONDS": 0}
    saved = {name: getattr(settings, name) for name in overrides}
    for name, value in overrides.items():
        setattr(settings, name, value)
    start = dt.datetime.fromisoformat(config.start)
    lifetime = dt.timedelta(hours=config.session_hours)
    try:
        with time_machine.travel(start, tick=False) as traveller:
            sim = SimulatorServer(scenario="demo", seed=config.seed,
                                  session_lifetime=int(lifetime.total_seconds())).start()
            try:
                owner, _ = get_user_model().objects.get_or_create(username="soak-owner")
                accounts = [
                    GrowattAccount.objects.create(owner=owner, label=name.title(), server_url=sim.url,
                                                  username=name, password=name)
                    for name in ("demo", "neighbour")
                ]
                report.accounts = len(accounts)
                sim.faults = config.faults
                minutes = int(config.hours * 60)
                with _beat(report.failed_for_good.append) as dispatch:
                    for minute in range(minutes):
                        if minute % 5 == 0:
                            if rng.random() < config.timeout_cycle_probability:
                                sim.faults["latency"] = {"seconds": config.request_timeout * 1.6,
                                                         "paths": [rng.choice(CYCLE_PATHS)]}
                            else:
                                sim.faults["latency"] = None
                        dispatch()
                        _tick(traveller)
                        if progress and minute % 360 == 0:
                            progress(f"  {minute / 60:5.1f} h simulated, {time.monotonic() - started:5.0f} s")
                end = timezone.now()
                report.cycles = SyncRun.objects.filter(account__in=accounts).count()
                report.outcomes = dict(Counter(SyncRun.objects.filter(account__in=accounts)
                                               .values_list("outcome", flat=True)))
                # The faults stop; one fault-free cycle backfills whatever the run could not fetch.
                sim.faults = {}
                for account in accounts:
                    run = sync_account(account.pk, force=True)
                    report.final_outcomes.append(f"{account.label}: {run.outcome if run else 'busy'}"
                                                 + (f" ({run.days_backfilled} days fetched)" if run else ""))
                stats = sim.stats()
                report.requests = stats["requests"]
                report.faults = dict(stats["faultsInjected"])
                report.timeouts = counter.timeouts
                report.lockouts = stats["lockouts"]
                report.logins = stats["logins"]
                report.login_attempts = GrowattLogin.objects.filter(account__in=accounts).count()
                report.expiries_dropped = report.faults.get("session_drop", 0)
                for account in accounts:
                    times = list(GrowattLogin.objects.filter(account=account, ok=True).values_list("at", flat=True))
                    report.expiries_natural += natural_expiries(times, end, lifetime)
                # Compare with what the simulator serves, on a separate fault-free session.
                for account in accounts:
                    api = GrowattApi(server_url=sim.url, timeout=10)
                    api.login(account.username, account.username)
                    for plant in Plant.objects.filter(account=account).prefetch_related("devices").order_by("pk"):
                        first = (start.astimezone(plant.tz).date() - dt.timedelta(days=config.backfill_days))
                        report.plants.append(compare_plant(api, plant, first, plant.local_today()))
                        lo, _ = plant.day_bounds(first)
                        _, hi = plant.day_bounds(plant.local_today())
                        report.rows_outside_days += PowerSample.objects.filter(plant=plant).exclude(
                            ts__gte=lo, ts__lt=hi).count()
                report.duplicates = duplicate_rows()
                # Done: these accounts' simulator goes away, so they must not sync again.
                GrowattAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(enabled=False)
            finally:
                sim.stop()
    finally:
        logging.getLogger("growatt").removeHandler(counter)
        for name, value in saved.items():
            setattr(settings, name, value)
    report.seconds = time.monotonic() - started
    return report


# --------------------------------------------------------------------------------------
# The lockout
# --------------------------------------------------------------------------------------


def run_lockout(before_hours: float = 2.0, after_hours: float = 2.0, start: str = "2026-06-20T20:00:00+00:00",
                seed: int = 3, page_check=None) -> LockoutReport:
    """Sync normally, get a 507 on a re-login, keep the beat running through the lock and after it.

    ``page_check(account)`` may look at the account page while the lock holds (returns True when the
    page says when the lock ends).
    """
    import time_machine
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from growatt import GrowattApi
    from plants.models import GrowattAccount, Plant, PowerSample, SyncRun
    from simulator import SimulatorServer

    report = LockoutReport()
    started = time.monotonic()
    failures: list[str] = []
    with time_machine.travel(dt.datetime.fromisoformat(start), tick=False) as traveller:
        sim = SimulatorServer(scenario="demo", seed=seed).start()
        try:
            owner, _ = get_user_model().objects.get_or_create(username="lockout-owner")
            account = GrowattAccount.objects.create(owner=owner, label="Home", server_url=sim.url,
                                                    username="demo", password="demo")
            with _beat(failures.append) as dispatch:
                for _ in range(int(before_hours * 60)):
                    dispatch()
                    _tick(traveller)
                # Mid-run Growatt drops the session and answers the re-login with 507.
                sim.expire_sessions("demo")
                sim.lock_account("demo")
                report.locked_at = timezone.now()
                while True:  # the next due cycle meets the lock
                    dispatch()
                    account.refresh_from_db()
                    if account.state == GrowattAccount.State.LOCKED or timezone.now() > report.locked_at + \
                            dt.timedelta(hours=1):
                        break
                    _tick(traveller)
                report.locked_until = account.locked_until
                if report.locked_until is None:
                    return report
                requests_at_lock, logins_at_lock = sim.stats()["requests"], sim.stats()["logins"]
                lock_start = timezone.now()
                if page_check is not None:
                    report.page_shows_end = bool(page_check(account))
                while timezone.now() < report.locked_until:
                    dispatch()
                    _tick(traveller)
                stats = sim.stats()
                report.requests_during_lock = stats["requests"] - requests_at_lock
                report.logins_during_lock = stats["logins"] - logins_at_lock
                # After the lock: the beat alone resumes syncing.
                for _ in range(int(after_hours * 60)):
                    dispatch()
                    if report.resumed_at is None:
                        run = SyncRun.objects.filter(account=account, started_at__gte=report.locked_until).order_by(
                            "started_at").first()
                        if run is not None:
                            report.resumed_at, report.first_run_after = run.started_at, (
                                f"{run.outcome}, {run.days_backfilled} days fetched, {run.logins} login")
                    _tick(traveller)
            # Every sample the simulator serves for the locked period must now be stored.
            api = GrowattApi(server_url=sim.url, timeout=10)
            api.login("demo", "demo")
            for plant in Plant.objects.filter(account=account).prefetch_related("devices"):
                day = lock_start.astimezone(plant.tz).date()
                while day <= report.locked_until.astimezone(plant.tz).date():
                    points = {ts for ts in served_points(api, plant, day) if lock_start <= ts < report.locked_until}
                    stored = set(PowerSample.objects.filter(plant=plant, ts__in=list(points))
                                 .values_list("ts", flat=True))
                    report.gap_expected += len(points)
                    report.gap_stored += len(stored)
                    day += dt.timedelta(days=1)
        finally:
            sim.stop()
    report.seconds = time.monotonic() - started
    return report


# --------------------------------------------------------------------------------------
# Command line: a scratch SQLite database (or DATABASE_URL) and the figures
# --------------------------------------------------------------------------------------


def account_page_shows_lock(account) -> bool:
    """The owner's account page, rendered by Django, names the time the lock ends."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(account.owner)
    page = client.get(reverse("account_detail", args=[account.pk])).content.decode()
    return "Locked until" in page and f"{timezone.localtime(account.locked_until):%Y-%m-%d %H:%M}" in page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=48.0, help="simulated hours of the soak (default 48)")
    parser.add_argument("--start", default=SoakConfig.start, help="simulated start (ISO 8601 with offset)")
    parser.add_argument("--seed", type=int, default=SoakConfig.seed)
    parser.add_argument("--no-lockout", action="store_true", help="skip the lockout run")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="growattweb-soak-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch}/soak.sqlite3")
    os.environ.update({
        "GROWATTWEB_VAR_DIR": scratch,
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "growattweb.settings",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.getLogger("growatt").setLevel(logging.WARNING)
    logging.getLogger("growatt").propagate = False  # the soak's faults would flood the console

    def progress(text):
        print(text, flush=True)

    config = SoakConfig(hours=args.hours, start=args.start, seed=args.seed)
    soak = run_soak(config, progress=progress)
    print()
    print("\n".join(soak.lines()))
    ok = all(soak.checks().values())
    lockout = None
    if not args.no_lockout:
        lockout = run_lockout(page_check=account_page_shows_lock)
        print()
        print("\n".join(lockout.lines()))
        ok = ok and all(lockout.checks().values())
    try:
        from benchmarks._common import summary
    except ImportError:  # pragma: no cover - run outside the repository
        summary = None
    if summary is not None:
        summary("soak", "samples missing after backfill", str(soak.missing), "0", soak.missing == 0)
        summary("soak", "duplicate rows", str(soak.duplicate_rows), "0", soak.duplicate_rows == 0)
        summary("soak", "logins vs expiries", f"{soak.logins} vs {soak.expiries}",
                f"<= expiries + {soak.accounts}", soak.logins <= soak.expiries + soak.accounts)
        summary("soak", "tasks failed for good", str(len(soak.failed_for_good)), "0", not soak.failed_for_good)
        summary("soak", f"transient faults injected ({soak.config.hours:g} h)", f"{100 * soak.fault_share:.1f} %",
                ">= 20 %", soak.fault_share >= 0.20)
        if lockout is not None:
            summary("soak", "Growatt requests during a 24 h lockout", str(lockout.requests_during_lock), "0",
                    lockout.requests_during_lock == 0)
            summary("soak", "locked-period samples backfilled", f"{lockout.gap_stored} of {lockout.gap_expected}",
                    "all", all(lockout.checks().values()))
    print(f"\nall targets {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
