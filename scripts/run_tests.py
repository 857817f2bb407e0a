#!/usr/bin/env python3
"""Run the whole test suite the way CI does.

When PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379)
answer, the suite runs against them: the production path is the tested path.
Then the embedded defaults (SQLite + kombu filesystem broker) get a run of
their own. pytest's exit code 5 ("no tests ran") is a failure here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def run_pytest(env: dict[str, str], args: list[str], label: str) -> int:
    print(f"\n=== test suite: {label} ===", flush=True)
    cmd = [sys.executable, "-m", "pytest", *args]
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code == 5:
        print(f"{label}: pytest ran no test, which counts as a failure", file=sys.stderr)
        return 1
    return code


def main() -> int:
    extra = sys.argv[1:]
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
    base_env.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    results: list[tuple[str, int]] = []

    if reachable("127.0.0.1", 5432) and reachable("127.0.0.1", 6379):
        env = dict(base_env,
                   DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
                   CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
                   REDIS_URL="redis://127.0.0.1:6379/15",
                   GROWATTWEB_TEST_BACKEND="postgres+redis")
        results.append(("PostgreSQL + Redis", run_pytest(env, extra, "PostgreSQL + Redis")))
        # The embedded defaults get their own run, without the browser tests
        # (which already ran above and do not depend on the database engine).
        embedded_args = extra or ["-m", "not e2e"]
    else:
        print("PostgreSQL/Redis not reachable on loopback: embedded defaults only", flush=True)
        embedded_args = extra

    env = dict(base_env, GROWATTWEB_TEST_BACKEND="sqlite+filesystem")
    results.append(("SQLite + filesystem broker", run_pytest(env, embedded_args, "SQLite + filesystem broker")))

    print("\n=== summary ===")
    for label, code in results:
        print(f"{label}: {'ok' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for _, code in results) else 1


if __name__ == "__main__":
    sys.exit(main())
