#!/usr/bin/env python3
"""gunicorn serving the plant page and its chart endpoints to 50 concurrent logged-in clients.

A scratch PostgreSQL database gets one plant with 5 devices and a year of
5-minute data (105,120 plant samples, 525,600 device samples, 365 daily rows,
written through the sync's own upserts), shared with 50 people, each of whom
is one client with their own session. gunicorn runs exactly as the Procfile
says (2 gthread workers x 4 threads, DEBUG off). The load generator is this
process: one thread per client, keep-alive HTTP/1.1, each request sent as soon
as the previous reply has arrived (closed loop, no think time).

Scenarios, each measured after a short warm-up:

* baseline: a static file served by whitenoise: the ceiling of gunicorn plus the
  generator on this machine, with no view, template or query behind it;
* plant page: every client loads ``/plants/<pk>/`` (the target's scenario);
* browser mix: each client loads the page, then what its JavaScript fetches
  (``chart/day.json``, ``live.json``), and every few rounds the month and year charts.

Prints requests/s, p50/p95/p99 latency and errors per scenario and endpoint, and the
CPU the server and the generator used (both share the machine's cores).

    .venv/bin/python benchmarks/web_load.py [--clients 50] [--seconds 60] [--keep]

Targets (issue 8): 0 errors, p95 under 200 ms, at least 200 requests/s for the plant page.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as bench  # noqa: E402

TARGET_RPS = 200
TARGET_P95_MS = 200
UNCACHED = "baseline: plant page, no cache"
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread"]  # as in the Procfile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--gunicorn", default=" ".join(GUNICORN), help="gunicorn options (default: the Procfile's)")
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help="arrival rate of the open-loop scenario")
    parser.add_argument("--scenarios", default="baseline,uncached,page,open,sustained,mix",
                        help="which of baseline, uncached (the page rendered per request), page (closed loop), "
                             "open (--rate), sustained (70%% of the page's capacity), mix to run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    with bench.scratch_database("web_load", keep=args.keep) as database_url:
        # Persistent connections for the whole run (production default: 60 s), so the PostgreSQL
        # backends whose CPU is counted stay the same; the cache (and with it the sessions and the
        # plant page's shared body) on Redis, as docs/DEPLOYMENT.md sets production up.
        bench.flush_redis()
        env = bench.bench_env(database_url, DATABASE_CONN_MAX_AGE="3600", CACHE_URL=bench.REDIS_URL)
        bench.django_setup(env)
        started = time.perf_counter()
        plant, sessions, loaded = build_data(args)
        print(f"data: {loaded:,} plant samples over {args.days} days, 5 devices, {len(sessions)} sessions "
              f"({time.perf_counter() - started:.0f} s to build)", flush=True)
        # As a deployment does: hashed, compressed static files for whitenoise (the pages need the manifest).
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=bench.ROOT,
                       env={**os.environ, **env}, check=True)
        log = Path(env["GROWATTWEB_VAR_DIR"]) / "gunicorn.log"

        @contextlib.contextmanager
        def serve(**extra: str):
            port = bench.free_port()
            server = bench.start_process(
                [str(bench.ROOT / ".venv/bin/gunicorn"), "growattweb.wsgi", "--bind", f"127.0.0.1:{port}",
                 *args.gunicorn.split()], env={**env, **extra}, log=log)
            try:
                bench.wait_for_http(f"http://127.0.0.1:{port}/static/css/base.css")
                yield port, server.pid
            finally:
                bench.stop_process(server)

        results = run_scenarios(args, serve, plant, sessions)
    return report(args, results)


def build_data(args):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from plants.models import Role
    from plants.tests.factories import add_devices, make_plant, share

    users = get_user_model().objects
    owner = users.create_user("owner", password="bench-password-123")
    plant = make_plant(owner, name="Benchmark Roof", devices=0)
    devices = add_devices(plant, 5)
    loaded = bench.load_history(plant, devices, args.days)
    sessions = []
    for n in range(args.clients):
        person = owner if n == 0 else users.create_user(f"family{n:02d}", password="bench-password-123")
        if n:
            share(plant, person, Role.EDITOR if n % 5 == 0 else Role.VIEWER)
        client = Client()
        client.force_login(person)
        sessions.append(client.cookies["sessionid"].value)
    bench.analyze()
    return plant, sessions, loaded


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []

    def add(self, name: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors[name] += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(f"{name}: {error}")
            else:
                self.times[name].append(seconds)


def client_loop(port: int, session: str, plan: list[tuple[str, str]], offset: int, recording: threading.Event,
                stop: threading.Event, recorder: Recorder, interval: float | None = None) -> None:
    """One client on one keep-alive connection.

    Closed loop (``interval`` None): the next request goes out when the reply has arrived.
    Open loop: a request is due every ``interval`` seconds; latency counts from when it was
    due, so a slow reply that delays the next request shows up in that request's time too
    (no coordinated omission).
    """
    headers = {"Cookie": f"sessionid={session}", "Accept-Encoding": "gzip"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    due = time.perf_counter() + (interval or 0) * (offset % 1000) / 1000
    while not stop.is_set():
        name, path = plan[i % len(plan)]
        i += 1
        if interval is not None:
            wait = due - time.perf_counter()
            if wait > 0 and stop.wait(wait):
                break
            start = due
            due += interval
        else:
            start = time.perf_counter()
        error = None
        try:
            conn.request("GET", path, headers=headers)
            reply = conn.getresponse()
            reply.read()
            if reply.status != 200:
                error = f"HTTP {reply.status}"
            if reply.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            error = type(exc).__name__
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if recording.is_set() and not stop.is_set():
            recorder.add(name, time.perf_counter() - start, error)
    conn.close()


def process_cpu(pids: list[int], children: bool = False) -> float:
    """CPU seconds used so far by these processes (and, with ``children``, their children)."""
    return sum(cpu_by_pid(pids, children).values())


def cpu_by_pid(pids: list[int], children: bool = False) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    pids = list(pids)
    for pid in list(pids) if children else ():
        with contextlib.suppress(OSError):
            pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    out = {}
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[p] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return out


def postgres_backends() -> list[int]:
    """Process ids of the PostgreSQL backends serving the benchmark's database (gunicorn's connections)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [row[0] for row in cursor.fetchall()]


def run_scenario(label: str, port: int, sessions: list[str], plan: list[tuple[str, str]], seconds: float,
                 warmup: float, server_pid: int, rate: float | None = None) -> dict:
    recorder = Recorder()
    recording, stop = threading.Event(), threading.Event()
    interval = len(sessions) / rate if rate else None
    # Clients start at different places in the plan so every endpoint is always in flight
    # (and, in the open loop, at evenly spread moments).
    threads = [threading.Thread(target=client_loop, args=(port, s, plan, n * (1000 // len(sessions)) if interval
                                                          else n, recording, stop, recorder, interval), daemon=True)
               for n, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    cpu_server, cpu_self = process_cpu([server_pid], children=True), resource.getrusage(resource.RUSAGE_SELF)
    cpu_db, busy = cpu_by_pid(postgres_backends()), bench.machine_busy()
    started = time.perf_counter()
    recording.set()
    time.sleep(seconds)
    stop.set()
    elapsed = time.perf_counter() - started
    cpu_server = process_cpu([server_pid], children=True) - cpu_server
    # Backends opened during the scenario count from zero (gunicorn keeps its connections, see main()).
    cpu_db = sum(used - cpu_db.get(pid, 0.0) for pid, used in cpu_by_pid(postgres_backends()).items())
    busy = bench.machine_busy() - busy
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu_generator = (after.ru_utime - cpu_self.ru_utime) + (after.ru_stime - cpu_self.ru_stime)
    for thread in threads:
        thread.join(timeout=35)
    done = sum(len(v) for v in recorder.times.values())
    return {"label": label, "elapsed": elapsed, "recorder": recorder, "requests": done,
            "errors": sum(recorder.errors.values()), "cpu_server": cpu_server, "cpu_generator": cpu_generator,
            "cpu_db": cpu_db, "cpu_rest": busy - cpu_server - cpu_generator - cpu_db}


def run_scenarios(args, serve, plant, sessions: list[str]) -> list[dict]:
    from django.urls import reverse

    today = plant.local_today()
    page = ("plant page", reverse("plant_detail", args=[plant.pk]))
    day = ("chart/day.json", reverse("plant_chart_day", args=[plant.pk]))
    live = ("live.json", reverse("plant_live", args=[plant.pk]))
    month = ("chart/month.json", reverse("plant_chart_month", args=[plant.pk]) + f"?month={today:%Y-%m}")
    year = ("chart/year.json", reverse("plant_chart_year", args=[plant.pk]) + f"?year={today.year}")
    static = ("static file", "/static/css/base.css")
    mix = [page, day, live] * 4 + [page, day, live, month, page, day, live, year]
    scenarios = {
        "baseline": ("baseline: static file", [static], min(args.seconds, 15), None),
        "uncached": (UNCACHED, [page], args.seconds, None),
        "page": ("plant page", [page], args.seconds, None),
        "open": (f"plant page at {args.rate:g}/s", [page], args.seconds, args.rate),
        "mix": ("browser mix", mix, args.seconds, None),
    }
    results = []
    keys = [key.strip() for key in args.scenarios.split(",")]

    def run(key: str, port: int, pid: int) -> None:
        label, plan, seconds, rate = scenarios[key]
        print(f"running {label} for {seconds:g} s with {len(sessions)} clients ...", flush=True)
        results.append(run_scenario(label, port, sessions, plan, seconds, args.warmup, pid, rate))

    if "uncached" in keys:
        # The page rendered on every request (PLANT_PAGE_CACHE_SECONDS=0), the code path before the
        # shared page and data part: the plant page's baseline, on a server of its own.
        with serve(PLANT_PAGE_CACHE_SECONDS="0") as (port, pid):
            run("uncached", port, pid)
    with serve() as (port, pid):
        for key in keys:
            if key == "sustained":
                # What people see when the server is busy but not overloaded: 70 % of the measured capacity.
                closed = next((r for r in results if r["label"] == "plant page"), None)
                if closed is None:
                    continue
                rate = round(0.7 * closed["requests"] / closed["elapsed"])
                scenarios["sustained"] = (f"plant page at {rate}/s (70% of capacity)", [page], args.seconds, rate)
            if key != "uncached":
                run(key, port, pid)
    return results


def report(args, results: list[dict]) -> int:
    print(f"\nWeb load: gunicorn {args.gunicorn}, {args.clients} keep-alive clients, {args.seconds:g} s per scenario; "
          f"PostgreSQL {bench.postgres_version()}; {bench.machine()}; {bench.load_average()}\n")
    rows = []
    for r in results:
        recorder = r["recorder"]
        names = list(recorder.times) + [n for n in recorder.errors if n not in recorder.times]
        scenario_rows = []
        for name in names:
            times = sorted(recorder.times.get(name, []))
            scenario_rows.append([r["label"], name, round(len(times) / r["elapsed"], 1),
                                  *(round(bench.percentile(times, q) * 1000, 1) for q in (50, 95, 99)),
                                  recorder.errors.get(name, 0)])
        if len(names) > 1:
            every = sorted(t for v in recorder.times.values() for t in v)
            scenario_rows.append([r["label"], "all", round(len(every) / r["elapsed"], 1),
                                  *(round(bench.percentile(every, q) * 1000, 1) for q in (50, 95, 99)),
                                  r["errors"]])
        rows += scenario_rows
        r["rows"] = scenario_rows
    bench.print_table(["scenario", "endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows)
    print()
    bench.print_table(
        ["scenario", "gunicorn CPU ms/req", "PostgreSQL CPU ms/req", "gunicorn (cores)", "PostgreSQL (cores)",
         "generator (cores)", "other processes (cores)"],
        [[r["label"], round(r["cpu_server"] * 1000 / max(r["requests"], 1), 2),
          round(r["cpu_db"] * 1000 / max(r["requests"], 1), 2), round(r["cpu_server"] / r["elapsed"], 2),
          round(r["cpu_db"] / r["elapsed"], 2), round(r["cpu_generator"] / r["elapsed"], 2),
          round(r["cpu_rest"] / r["elapsed"], 2)] for r in results])
    for r in results:
        for sample in r["recorder"].error_samples:
            print(f"error sample ({r['label']}): {sample}")
    cores = os.cpu_count() or 1
    print(f"\nClosed loop: {args.clients} clients each send the next request when the reply arrives, so the mean "
          f"latency is {args.clients} / throughput (Little's law) whatever the server does.\n"
          f"Open loop: requests are due at a fixed total rate; latency counts from when a request was due.\n"
          f"Server CPU per request x requests/s cannot exceed the {cores} cores, which PostgreSQL and the "
          f"generator share.")

    by_label = {r["label"]: r for r in results}
    errors = sum(r["errors"] for r in results)
    ok = errors == 0
    baseline = by_label.get("baseline: static file")
    page = by_label.get("plant page")
    uncached = by_label.get(UNCACHED)
    if page:
        rps, p95 = page["rows"][0][2], page["rows"][0][4]
        met = rps >= TARGET_RPS and p95 < TARGET_P95_MS
        ok &= met
        versus = []
        if uncached:
            old_rps, old_p95 = uncached["rows"][0][2], uncached["rows"][0][4]
            versus.append(f"rendered per request {old_rps:.0f} req/s ({old_p95:.0f} ms): x{rps / max(old_rps, 1):.2f}")
        if baseline:
            versus.append(f"static file {baseline['rows'][0][2]:.0f} req/s")
        bench.summary("web_load", f"plant page, {args.clients} clients closed loop: req/s (p95)",
                      f"{rps:.0f} req/s ({p95:.0f} ms)", f">= {TARGET_RPS} req/s, p95 < {TARGET_P95_MS} ms", met,
                      baseline="; ".join(versus) or "-")
    opened = by_label.get(f"plant page at {args.rate:g}/s")
    if opened:
        rps, p95 = opened["rows"][0][2], opened["rows"][0][4]
        met = p95 < TARGET_P95_MS and rps >= 0.98 * args.rate
        ok &= met
        bench.summary("web_load", f"plant page p95 at {args.rate:g} req/s offered", f"{p95:.0f} ms ({rps:.0f} req/s "
                      "served)", f"< {TARGET_P95_MS} ms", met,
                      baseline=f"static file p95 {baseline['rows'][0][4]:.0f} ms" if baseline else "-")
    sustained = next((r for r in results if r["label"].endswith("(70% of capacity)")), None)
    if sustained:
        rps, p95 = sustained["rows"][0][2], sustained["rows"][0][4]
        bench.summary("web_load", "plant page p95 at 70% of capacity", f"{p95:.0f} ms ({rps:.0f} req/s)",
                      f"< {TARGET_P95_MS} ms", p95 < TARGET_P95_MS, baseline="-")
    mix = by_label.get("browser mix")
    if mix:
        rps, p95 = mix["rows"][-1][2], mix["rows"][-1][4]
        bench.summary("web_load", "browser mix, closed loop (p95)", f"{rps:.0f} req/s ({p95:.0f} ms)", "-", None)
    bench.summary("web_load", "errors (all scenarios)", str(errors), "0", errors == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
