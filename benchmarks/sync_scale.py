#!/usr/bin/env python3
"""A full sync cycle of 1,000 plants through real Celery workers on Redis and PostgreSQL.

Starts the simulator's ``scale`` scenario (default 250 accounts x 4 plants =
1,000 plants cycling through mix, tlx, inverter, inverter + spa and storage
plants in eight time zones) with 100 ms added latency on every Growatt request,
a scratch PostgreSQL database, Redis database 14 as the broker, and two
``celery worker --pool threads`` processes. The beat task's dispatcher
(``plants.tasks.dispatch_due_syncs``) enqueues one sync per account, exactly as
in production.

Two cycles are measured: the first (login, discovery, today, and the backfill
of ``--backfill-days`` past days per plant) and then a steady-state cycle
(sessions exist, history complete: live values and today's curve). Each prints
wall time, Growatt requests and logins (counted by the simulator), and the ratio
to the physical bound: requests x latency / worker threads, the time the
requests alone need when every thread waits on the network all the time.

    .venv/bin/python benchmarks/sync_scale.py [--accounts 250 --plants-per-account 4]
        [--workers 2 --concurrency 25] [--latency 0.1] [--backfill-days 30] [--keep]

Target (issue 8): the steady-state cycle of 1,000 plants under 60 s with 2 worker processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as bench  # noqa: E402

TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=250)
    parser.add_argument("--plants-per-account", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.1, help="added seconds per Growatt request")
    parser.add_argument("--workers", type=int, default=2, help="celery worker processes")
    parser.add_argument("--concurrency", type=int, default=25, help="threads per worker process")
    parser.add_argument("--backfill-days", type=int, default=30, help="history fetched by the first cycle")
    parser.add_argument("--timeout", type=float, default=1200, help="give up on a cycle after this many seconds")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    bench.flush_redis()
    with bench.scratch_database("sync_scale", keep=args.keep) as database_url:
        env = bench.bench_env(
            database_url,
            CELERY_BROKER_URL=bench.REDIS_URL,
            GROWATT_BACKFILL_DAYS=str(args.backfill_days),
            GROWATT_RETRY_BASE_SECONDS="0.5",
        )
        bench.django_setup(env)
        sim_args = ["--scenario", "scale", "--accounts", str(args.accounts),
                    "--plants-per-account", str(args.plants_per_account), "--latency", str(args.latency)]
        with bench.simulator(*sim_args) as sim_url:
            workers = []
            try:
                accounts = create_accounts(sim_url, args.accounts)
                log_dir = args.log_dir = Path(env["GROWATTWEB_VAR_DIR"])
                for n in range(args.workers):
                    workers.append(bench.start_process(
                        [sys.executable, "-m", "celery", "-A", "growattweb", "worker", "--pool", "threads",
                         "--concurrency", str(args.concurrency), "-n", f"bench{n + 1}@%h", "--without-heartbeat",
                         "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
                        env=env, log=log_dir / f"worker{n + 1}.log"))
                wait_for_workers(args.workers)
                first = run_cycle("first (login, discovery, backfill)", sim_url, accounts, args, workers)
                steady = run_cycle("steady state", sim_url, accounts, args, workers)
            finally:
                for proc in workers:
                    bench.stop_process(proc)
                bench.flush_redis()
            report(args, [first, steady])
    return 0 if steady["wall"] < TARGET_SECONDS and steady["outcomes"] == {"ok": args.accounts} else 1


def create_accounts(sim_url: str, count: int) -> list[int]:
    from django.contrib.auth import get_user_model

    from plants.models import GrowattAccount

    owner = get_user_model().objects.create_user("installer", password="bench-password-123")
    far = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)  # nothing is due until a cycle says so
    GrowattAccount.objects.bulk_create(
        GrowattAccount(owner=owner, label=f"Customer {n:04d}", server_url=sim_url, username=f"user{n:04d}",
                       password="pass", next_sync_at=far)
        for n in range(1, count + 1)
    )
    return list(GrowattAccount.objects.values_list("pk", flat=True))


def wait_for_workers(count: int, seconds: float = 60) -> None:
    from growattweb.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise SystemExit(f"only {len(replies)} of {count} celery workers answered")


def run_cycle(label: str, sim_url: str, accounts: list[int], args, workers) -> dict:
    from django.db.models import Max, Sum
    from django.utils import timezone

    from plants.models import DailyEnergy, GrowattAccount, PowerSample, SyncRun
    from plants.tasks import dispatch_due_syncs

    before = bench.sim_control(sim_url, "stats")
    samples_before = PowerSample.objects.count()
    start = timezone.now()
    GrowattAccount.objects.update(next_sync_at=start)
    dispatch_started = time.perf_counter()
    dispatched = dispatch_due_syncs()
    dispatch_seconds = time.perf_counter() - dispatch_started
    deadline = time.monotonic() + args.timeout
    runs = SyncRun.objects.filter(started_at__gte=start).exclude(outcome="running")
    while runs.count() < len(accounts):
        if time.monotonic() > deadline:
            raise SystemExit(f"{label}: only {runs.count()} of {len(accounts)} accounts synced in {args.timeout} s")
        if any(proc.poll() is not None for proc in workers):
            raise SystemExit(f"{label}: a celery worker died (its log is in {args.log_dir})")
        time.sleep(0.2)
    finished = runs.aggregate(last=Max("finished_at"), requests=Sum("requests"), logins=Sum("logins"))
    after = bench.sim_control(sim_url, "stats")
    wall = (finished["last"] - start).total_seconds()
    requests = after["requests"] - before["requests"]
    logins = after["logins"] - before["logins"]
    threads = args.workers * args.concurrency
    bound = requests * args.latency / threads
    return {
        "label": label, "wall": wall, "dispatched": dispatched, "dispatch": dispatch_seconds,
        "requests": requests, "logins": logins,
        "counted_requests": finished["requests"], "bound": bound, "ratio": wall / bound if bound else float("nan"),
        "outcomes": dict(Counter(runs.values_list("outcome", flat=True))),
        "samples": PowerSample.objects.count() - samples_before,
        "today_points": DailyEnergy.objects.filter(complete=False).aggregate(n=Sum("samples"))["n"] or 0,
        "days": DailyEnergy.objects.filter(complete=True).count(),
        "per_plant": requests / (len(accounts) * args.plants_per_account),
    }


def report(args, cycles: list[dict]) -> None:
    plants = args.accounts * args.plants_per_account
    threads = args.workers * args.concurrency
    print(f"\nSync at scale: {plants:,} plants ({args.accounts} accounts x {args.plants_per_account}, mixed kinds), "
          f"{args.latency * 1000:.0f} ms added latency per request")
    print(f"{args.workers} celery worker processes x {args.concurrency} threads = {threads} concurrent syncs; "
          f"Redis broker, PostgreSQL {bench.postgres_version()}; {bench.machine()}; {bench.load_average()}\n")
    bench.print_table(
        ["cycle", "wall s", "dispatch s", "requests", "req/plant", "logins", "bound s", "wall/bound", "new samples",
         "today's points", "outcomes"],
        [[c["label"], round(c["wall"], 1), round(c["dispatch"], 1), c["requests"], round(c["per_plant"], 2),
          c["logins"], round(c["bound"], 1), round(c["ratio"], 2), c["samples"], c["today_points"],
          ", ".join(f"{k} {v}" for k, v in c["outcomes"].items())]
         for c in cycles])
    print("\nbound = requests x latency / threads: the wall time if every thread did nothing but wait on Growatt.")
    print("dispatch = time the beat task took to enqueue every account (part of the wall time).")
    print("today's points = 5-minute points of the plants' current local days, all re-read and upserted by every "
          "cycle (the count depends on the time of day).")
    first, steady = cycles
    bench.summary("sync_scale", f"steady cycle, {plants:,} plants", f"{steady['wall']:.1f} s",
                  f"< {TARGET_SECONDS:.0f} s", steady["wall"] < TARGET_SECONDS,
                  baseline=f"physical bound {steady['bound']:.1f} s (x{steady['ratio']:.2f})")
    bench.summary("sync_scale", f"first cycle incl. {args.backfill_days}-day backfill", f"{first['wall']:.1f} s",
                  "-", None, baseline=f"physical bound {first['bound']:.1f} s (x{first['ratio']:.2f})")
    bench.summary("sync_scale", "logins (first / steady)", f"{first['logins']} / {steady['logins']}",
                  f"{args.accounts} / 0", first["logins"] <= args.accounts and steady["logins"] == 0,
                  baseline="one per account")


if __name__ == "__main__":
    sys.exit(main())
