"""Shared helpers of the benchmark scripts: scratch databases, Django, the simulator, tables.

Everything a benchmark starts lives on loopback and is torn down by the script
that started it: a scratch PostgreSQL database named ``growattweb_bench_<name>``
(dropped at the end), Redis database 14 (flushed before and after; no other
database is touched), simulator and worker subprocesses (killed by their own
process group).

A script reports its headline figures with ``summary(...)``: printed as a line,
and appended as JSON to the file named by ``GROWATTWEB_BENCH_SUMMARY`` when
``run_all.py`` sets it, which builds the summary table from them.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/14")
DB_PREFIX = "growattweb_bench_"
SUMMARY_ENV = "GROWATTWEB_BENCH_SUMMARY"


# --------------------------------------------------------------------------------------
# PostgreSQL scratch databases
# --------------------------------------------------------------------------------------


def _admin(server: str = PG_SERVER):
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _checked(name: str) -> str:
    # Never anything but our own scratch databases (not "test", not CI's test_*).
    if not name.startswith(DB_PREFIX) or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing database name {name!r}: benchmarks only use {DB_PREFIX}<name>")
    return name


@contextlib.contextmanager
def scratch_database(name: str, keep: bool = False, server: str = PG_SERVER) -> Iterator[str]:
    """Create ``growattweb_bench_<name>`` afresh, yield its URL, drop it at the end."""
    database = _checked(DB_PREFIX + name)
    with _admin(server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield f"{server}/{database}"
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if not keep:
            with _admin(server) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def postgres_version(server: str = PG_SERVER) -> str:
    with _admin(server) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


# --------------------------------------------------------------------------------------
# Django
# --------------------------------------------------------------------------------------


def bench_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for this process and every subprocess (workers, gunicorn) of one benchmark.

    Keys are generated once per run so all processes can read each other's encrypted fields.
    """
    from cryptography.fernet import Fernet

    env = {
        "GROWATTWEB_VAR_DIR": tempfile.mkdtemp(prefix="growattweb-bench-"),
        "DATABASE_URL": database_url,
        "DEBUG": "False",
        "SECRET_KEY": Fernet.generate_key().decode(),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "False",
        "CELERY_BROKER_URL": "memory://",
        "GROWATT_DISPATCH_ON_WORKER_START": "false",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "growattweb.settings",
    }
    env.update(extra)
    return env


def django_setup(env: dict[str, str], migrate: bool = True) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic in a benchmark: plain static URLs instead of the hashed manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def load_history(plant, devices, days: int) -> int:
    """``days`` plant-local days up to now of 5-minute plant and device samples plus daily energy,
    written through the sync's own upserts (the factories' deterministic physics). Returns the plant rows."""
    import datetime as dt

    from django.utils import timezone

    from plants.sync import store_day
    from plants.tests.factories import day_points

    today = plant.local_today()
    now = timezone.now()
    soc, rows = 40.0, 0
    for offset in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        points = dict(day_points(day, plant.tz, peak_w=plant.nominal_power_w or 6000.0, soc_start=soc,
                                 until=now if offset == 0 else None))
        if points:
            soc = points[max(points)]["soc"]
        share = 1 / max(len(devices), 1)
        device_points = {device: {ts: {"power_w": round(v["pv_w"] * share, 1),
                                       "soc": v["soc"] if device.has_battery else None}
                                  for ts, v in points.items()} for device in devices}
        store_day(plant, day, points, device_points, complete=offset > 0)
        rows += len(points)
    return rows


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --------------------------------------------------------------------------------------
# Redis (database 14 only)
# --------------------------------------------------------------------------------------


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(cmd: Sequence[str], env: dict[str, str] | None = None, log: Path | None = None,
                  stdout=None) -> subprocess.Popen:
    """A subprocess in its own process group (so ``stop_process`` ends it and its children)."""
    out = log.open("w") if log else (stdout or subprocess.DEVNULL)
    return subprocess.Popen(list(cmd), cwd=ROOT, env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"},
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True, text=True)


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@contextlib.contextmanager
def simulator(*args: str) -> Iterator[str]:
    """``python -m simulator <args>`` on a free loopback port; yields its URL."""
    port = free_port()
    proc = start_process([sys.executable, "-m", "simulator", "--host", "127.0.0.1", "--port", str(port), *args],
                         stdout=subprocess.PIPE)
    try:
        banner = proc.stdout.readline()
        if "simulator on" not in banner:
            raise SystemExit(f"simulator did not start: {banner}{proc.stdout.read()}")
        url = f"http://127.0.0.1:{port}/"
        yield url
    finally:
        stop_process(proc)


def sim_control(url: str, name: str, body: dict | None = None) -> dict:
    """GET (no body) or POST a simulator control endpoint (``/__sim__/<name>``)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}__sim__/{name}", data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as reply:  # loopback only
        return json.loads(reply.read())


def wait_for_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --------------------------------------------------------------------------------------
# Figures and tables
# --------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def print_table(headers: Sequence[str], rows: Sequence[Sequence], title: str | None = None) -> str:
    """A plain text table, numbers right-aligned; returns it as well as printing it."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) if cells else len(str(h)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) if rows else False for i in range(len(headers))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [title, ""] if title else []
    out += [line([str(h) for h in headers]), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    text = "\n".join(out)
    print(text, flush=True)
    return text


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def summary(benchmark: str, figure: str, value: str, target: str, met: bool | None, baseline: str = "") -> None:
    """One headline figure: printed, and recorded for run_all.py's summary table."""
    verdict = "n/a" if met is None else "met" if met else "MISSED"
    print(f"summary: {benchmark}: {figure} = {value} (target {target}; baseline {baseline or '-'}): {verdict}",
          flush=True)
    path = os.environ.get(SUMMARY_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"benchmark": benchmark, "figure": figure, "value": value, "target": target,
                                 "baseline": baseline, "verdict": verdict}) + "\n")


def machine() -> str:
    """One line describing where the figures come from."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, {platform.system()}"


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (/proc/stat): subtract two readings."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def load_average() -> str:
    with contextlib.suppress(OSError, AttributeError):
        one, five, _ = os.getloadavg()
        return f"load average {one:.1f} / {five:.1f} (1 / 5 min)"
    return ""
