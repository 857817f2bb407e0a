"""A real Celery worker process (Redis in CI, the filesystem broker otherwise) runs a sync end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from plants.models import Plant, PowerSample, SyncRun
from plants.tasks import sync_account_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        user = db.get("USER") or "postgres"
        return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        FIELD_ENCRYPTION_KEYS=",".join(settings.FIELD_ENCRYPTION_KEYS),
        SECRET_KEY=settings.SECRET_KEY,
        GROWATT_DISPATCH_ON_WORKER_START="false",
        GROWATT_RETRY_BASE_SECONDS="0",
    )
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "growattweb", "worker", "--pool", "threads", "--concurrency", "2",
         "-Q", queue, "--without-heartbeat", "--without-mingle", "--without-gossip", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    yield queue, proc, tmp_path / "worker.log"
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()


def test_a_real_worker_runs_a_sync(demo_account, growatt_sim, worker, settings):
    queue, proc, log_path = worker
    sync_account_task.apply_async(args=[demo_account.pk], queue=queue)
    deadline = time.monotonic() + 90
    run = None
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(account=demo_account).exclude(outcome="running").first()
        if run is not None or proc.poll() is not None:
            break
        time.sleep(0.5)
    log = log_path.read_text()
    assert run is not None, f"no sync ran; worker log:\n{log[-3000:]}"
    assert run.outcome == "ok", run.message
    assert Plant.objects.filter(account=demo_account).count() >= 3
    assert PowerSample.objects.filter(plant__account=demo_account).exists()
    # The worker itself received and ran the task, over the configured broker.
    assert "plants.tasks.sync_account" in log
    assert f"transport:   {settings.CELERY_BROKER_URL.split(':')[0]}" in log
