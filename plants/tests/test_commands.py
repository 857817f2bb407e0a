"""Ops commands: growatt_account add/list, sync, backfill, seed_demo, system checks."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plants.models import DailyEnergy, GrowattAccount, Plant

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        import sys

        old = sys.stdin
        sys.stdin = io.StringIO(stdin)
        try:
            call_command(*args, stdout=out)
        finally:
            sys.stdin = old
    else:
        call_command(*args, stdout=out)
    return out.getvalue()


def test_growatt_account_add_reads_the_password_from_stdin(owner, growatt_sim):
    out = run("growatt_account", "add", "--owner", owner.username, "--label", "Roof", "--server-url",
              growatt_sim.url.rstrip("/"), "--username", "demo", "--password-stdin", stdin="demo\n")
    assert "Added Growatt account" in out
    account = GrowattAccount.objects.get(owner=owner)
    assert account.password == "demo" and account.server_url == growatt_sim.url
    listing = run("growatt_account", "list")
    assert "Roof" in listing and "demo" in listing and "Not synced yet" in listing
    assert "demo\tdemo" not in listing.replace(owner.username, "")  # password never listed


def test_growatt_account_add_refuses_bad_input(owner):
    with pytest.raises(CommandError, match="No growattweb user"):
        run("growatt_account", "add", "--owner", "nobody", "--label", "x", "--server-url", "https://openapi.growatt.com/",
            "--username", "u", "--password-stdin", stdin="p\n")
    with pytest.raises(CommandError, match="not a valid"):
        run("growatt_account", "add", "--owner", owner.username, "--label", "x", "--server-url", "nope",
            "--username", "u", "--password-stdin", stdin="p\n")
    with pytest.raises(CommandError, match="No password"):
        run("growatt_account", "add", "--owner", owner.username, "--label", "x",
            "--server-url", "https://openapi.growatt.com/",
            "--username", "u", "--password-stdin", stdin="\n")
    assert GrowattAccount.objects.count() == 0


def test_sync_and_backfill_commands(demo_account, growatt_sim, settings):
    settings.GROWATT_BACKFILL_DAYS = 2
    out = run("sync", "--account", str(demo_account.pk))
    assert f"account {demo_account.pk}: ok" in out and "1 logins" in out
    assert "Nothing due" in run("sync", "--all")
    assert "0 logins" in run("sync", "--all", "--force")
    plant = Plant.objects.filter(account=demo_account).first()
    out = run("backfill", "--plant", str(plant.pk), "--days", "5")
    assert "5 of 5 days fetched" in out
    assert DailyEnergy.objects.filter(plant=plant, complete=True).count() == 5
    with pytest.raises(CommandError):
        run("sync")
    with pytest.raises(CommandError, match="No plant"):
        run("backfill", "--plant", "999999")


def test_seed_demo_is_idempotent(settings):
    settings.GROWATT_DEMO_SERVER = "http://127.0.0.1:8081/"
    assert "demo / demo" in run("seed_demo")
    run("seed_demo")
    assert GrowattAccount.objects.filter(owner__username="demo").count() == 1


def test_system_checks_report_missing_production_secrets(settings):
    from growattweb.checks import check_secrets

    settings.DEBUG = False
    settings.SECRET_KEY = "missing-secret-key-see-manage-py-check"
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.ALLOWED_HOSTS = []
    ids = {error.id for error in check_secrets(None)}
    assert ids == {"growattweb.E001", "growattweb.E002", "growattweb.E004"}
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    assert "growattweb.E003" in {error.id for error in check_secrets(None)}
