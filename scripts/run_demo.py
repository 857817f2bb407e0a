#!/usr/bin/env python3
"""`make run`: migrate, seed the demo, then run simulator + web + worker + beat under honcho.

Embedded defaults (SQLite in var/, kombu's filesystem broker) unless DATABASE_URL /
CELERY_BROKER_URL are set. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    port = os.environ.setdefault("WEB_PORT", "8000")
    sim_port = os.environ.setdefault("SIM_PORT", "8081")
    os.environ.setdefault("GROWATT_DEMO_SERVER", f"http://127.0.0.1:{sim_port}/")
    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo")
    url = f"http://127.0.0.1:{port}/"
    banner = (
        "\n" + "=" * 64 + "\n"
        f"  growattweb is starting at {url}\n"
        "  Log in as  demo / demo   (a second person: family / family)\n"
        "  Demo logins are for this local demo only.\n"
        f"  Simulated Growatt server: http://127.0.0.1:{sim_port}/  (stats: /__sim__/stats)\n"
        "  Ctrl-C stops everything.\n" + "=" * 64 + "\n"
    )
    print(banner, flush=True)
    try:
        return subprocess.call([str(BIN / "honcho"), "start", "-f", "Procfile"], cwd=ROOT)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
