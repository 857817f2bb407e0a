#!/usr/bin/env python3
"""Growatt requests and logins per plant per 5-minute cycle, over simulated days.

Runs the real sync (plants.sync.sync_account) against the in-process simulator's
demo scenario on a scratch SQLite database, with time moved by time-machine so
26 hours of 5-minute cycles take seconds. Prints, per device kind, the requests
per plant per cycle in steady state, the cost of discovery and backfill, logins
against session expiries, and the Home Assistant pattern as the baseline
(2 logins + 6 data calls per cycle for a hybrid plant).

    .venv/bin/python benchmarks/sync_efficiency.py [--hours 26]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HA_LOGINS_PER_CYCLE = 2
HA_DATA_CALLS_PER_CYCLE = 6  # hybrid plant, per the baseline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=26.0, help="simulated hours (default 26: > one session)")
    parser.add_argument("--session-hours", type=float, default=24.0, help="simulator session lifetime")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="growattweb-bench-")
    os.environ.update({
        "GROWATTWEB_VAR_DIR": scratch,
        "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3",
        "CELERY_BROKER_URL": "memory://",
        "GROWATT_RETRY_BASE_SECONDS": "0",
        "GROWATT_BACKFILL_DAYS": "30",
        "DJANGO_SETTINGS_MODULE": "growattweb.settings",
    })
    import django

    django.setup()
    import time_machine
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from plants import sync as sync_module
    from plants.models import Device, GrowattAccount, Plant
    from simulator import SimulatorServer

    call_command("migrate", verbosity=0)
    start = timezone.now().replace(second=0, microsecond=0)
    per_plant_cycle: dict[int, list[int]] = defaultdict(list)
    backfill_requests = 0

    original_live = sync_module.PlantSync.live_and_today
    original_backfill = sync_module.PlantSync.backfill

    def counted_live(self):
        # Data requests only: a login that happens inside (after a session expiry) is counted apart.
        before, logins_before, resends_before = self.link.requests, self.link.logins, self.link.resends
        try:
            return original_live(self)
        finally:
            renewal = (self.link.logins - logins_before) + (self.link.resends - resends_before)
            per_plant_cycle[self.plant.pk].append(self.link.requests - before - renewal)

    def counted_backfill(self, *a, **kw):
        nonlocal backfill_requests
        before = self.link.requests
        try:
            return original_backfill(self, *a, **kw)
        finally:
            backfill_requests += self.link.requests - before

    sync_module.PlantSync.live_and_today = counted_live
    sync_module.PlantSync.backfill = counted_backfill

    with time_machine.travel(start, tick=False) as traveller:
        sim = SimulatorServer(scenario="demo", seed=1, session_lifetime=int(args.session_hours * 3600)).start()
        try:
            user = get_user_model().objects.create_user("bench", password="x")
            account = GrowattAccount.objects.create(owner=user, label="bench", server_url=sim.url,
                                                    username="demo", password="demo")
            cycles = int(args.hours * 12)
            total_requests = 0
            first_cycle_requests = 0
            outcomes = defaultdict(int)
            for n in range(cycles):
                run = sync_module.sync_account(account.pk, force=True)
                outcomes[run.outcome] += 1
                total_requests += run.requests
                if n == 0:
                    first_cycle_requests = run.requests
                traveller.shift(dt.timedelta(minutes=5))
            stats = sim.stats()
        finally:
            sim.stop()

    logins = stats["loginsPerAccount"].get("demo", 0)
    sim_requests = stats["requestsPerAccount"].get("demo", 0)
    expiries = int(args.hours // args.session_hours)
    kinds = {}
    for plant in Plant.objects.prefetch_related("devices"):
        device_kinds = sorted({d.kind for d in plant.devices.all()})
        for preferred in (Device.Kind.MIX, Device.Kind.SPA, Device.Kind.STORAGE, Device.Kind.TLX,
                          Device.Kind.INVERTER):
            if preferred in device_kinds:
                label = preferred if len(device_kinds) == 1 else "+".join(device_kinds)
                break
        else:
            label = "other"
        kinds[plant.pk] = (plant.name, label)

    print(f"\nSync efficiency — demo scenario, {args.hours:g} simulated hours = {cycles} cycles of 5 minutes, "
          f"session lifetime {args.session_hours:g} h\n")
    header = f"{'plant':<18} {'device kinds':<18} {'req/cycle (steady)':>19} {'HA req/cycle':>13} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for pk, counts in per_plant_cycle.items():
        name, label = kinds[pk]
        steady = counts[1:] or counts
        avg = sum(steady) / len(steady)
        ha = HA_LOGINS_PER_CYCLE + HA_DATA_CALLS_PER_CYCLE
        print(f"{name:<18} {label:<18} {avg:>19.2f} {ha:>13} {avg / ha:>7.2f}")
    print()
    steady_total = total_requests - first_cycle_requests - backfill_requests
    print(f"first cycle (discovery + 30-day backfill): {first_cycle_requests} requests")
    print(f"backfill requests over the run (incl. first): {backfill_requests} "
          f"(each plant-local midnight re-fetches the finished day once)")
    print(f"all requests: {total_requests} counted by the sync, {sim_requests} attributed to the account by the "
          f"simulator (a request that meets an expired session cannot be attributed)")
    print(f"requests per plant per cycle after the first (everything incl. re-discovery every 6 h): "
          f"{steady_total / max(cycles - 1, 1) / max(len(kinds), 1):.2f}")
    print(f"logins: {logins} over {args.hours:g} h with {expiries} session expir{'y' if expiries == 1 else 'ies'} "
          "(target: logins <= expiries + 1; each renewal costs the login and one re-sent request)")
    print(f"Home Assistant pattern over the same run: {HA_LOGINS_PER_CYCLE * cycles} logins "
          f"({HA_LOGINS_PER_CYCLE * 288} a day), {HA_DATA_CALLS_PER_CYCLE * cycles} data calls per hybrid plant")
    print(f"logins in steady state beyond session expiries (cycles 2..{cycles}): {logins - 1 - expiries}")
    print(f"cycle outcomes: {dict(outcomes)}")
    ok = logins <= expiries + 1 and all(
        (sum(c[1:]) / max(len(c) - 1, 1)) <= 2.0 for pk, c in per_plant_cycle.items() if kinds[pk][1] == "mix"
    )
    print(f"\ntargets (<= 2 requests per hybrid plant per cycle, 0 logins in steady state, "
          f"<= 1 login per session): {'MET' if ok else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
