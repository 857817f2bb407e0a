"""The sync against the simulator: idempotent, lockout-safe, backfilling."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from growatt import hash_password
from plants.models import (
    DailyEnergy,
    Device,
    DeviceSample,
    GrowattAccount,
    GrowattLogin,
    Plant,
    PowerSample,
    SyncRun,
)
from plants.sync import sync_account

pytestmark = pytest.mark.django_db(transaction=True)


def sim_logins(sim, username="demo") -> int:
    return sim.stats()["loginsPerAccount"].get(username, 0)


def sim_requests(sim, username="demo") -> int:
    return sim.stats()["requestsPerAccount"].get(username, 0)


def snapshot():
    samples = sorted(PowerSample.objects.values_list("plant_id", "ts", "pv_w", "load_w", "grid_import_w",
                                                     "grid_export_w", "battery_charge_w",
                                                     "battery_discharge_w", "soc"))
    daily = sorted(DailyEnergy.objects.values_list("plant_id", "date", "pv_kwh", "load_kwh", "complete"))
    device_samples = sorted(DeviceSample.objects.values_list("device_id", "ts", "power_w", "soc"))
    return samples, daily, device_samples


@pytest.fixture(autouse=True)
def _short_history(settings):
    settings.GROWATT_BACKFILL_DAYS = 3


def test_first_sync_discovers_plants_devices_and_data(demo_account, growatt_sim):
    run = sync_account(demo_account.pk)
    assert run.outcome == "ok", run.message
    plants = list(Plant.objects.filter(account=demo_account))
    assert len(plants) >= 3
    kinds = set(Device.objects.filter(plant__account=demo_account).values_list("kind", flat=True))
    assert {"inverter", "tlx", "mix", "spa", "storage"} <= kinds
    # Timezones were inferred, and differ between plants.
    assert len({p.timezone for p in plants}) >= 2
    for plant in plants:
        assert plant.live_at is not None
        today = plant.local_today()
        start, end = plant.day_bounds(today)
        assert PowerSample.objects.filter(plant=plant, ts__gte=start, ts__lt=end).exists(), plant.name
        past = DailyEnergy.objects.filter(plant=plant, date__lt=today, complete=True).count()
        assert past == 3, plant.name
    demo_account.refresh_from_db()
    assert demo_account.state == GrowattAccount.State.OK
    assert demo_account.next_sync_at > timezone.now()
    assert run.logins == 1


def test_syncing_twice_changes_nothing(demo_account, growatt_sim, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    sync_account(demo_account.pk)
    first = snapshot()
    run = sync_account(demo_account.pk, force=True)
    assert run.outcome == "ok"
    assert snapshot() == first
    # and no duplicates, by construction and by count
    assert PowerSample.objects.count() == len(first[0])


def test_many_cycles_log_in_exactly_once(demo_account, growatt_sim):
    for _ in range(5):
        run = sync_account(demo_account.pk, force=True, backfill=False)
        assert run.outcome == "ok", run.message
    assert sim_logins(growatt_sim) == 1
    assert GrowattLogin.objects.filter(account=demo_account).count() == 1


def test_steady_state_cycle_costs_two_requests_per_hybrid_plant(demo_account, growatt_sim):
    sync_account(demo_account.pk)  # first cycle: discovery + backfill
    before = sim_requests(growatt_sim)
    run = sync_account(demo_account.pk, force=True)
    spent = sim_requests(growatt_sim) - before
    assert run.logins == 0
    assert spent == run.requests
    # Per plant: mix plant 2 calls; others at most 2 per device
    plants = Plant.objects.filter(account=demo_account).prefetch_related("devices")
    bound = sum(max(2, 2 * p.devices.count()) for p in plants)
    assert spent <= bound


def test_session_expiry_costs_exactly_one_relogin(demo_account, growatt_sim):
    sync_account(demo_account.pk, backfill=False)
    assert sim_logins(growatt_sim) == 1
    growatt_sim.expire_sessions()
    run = sync_account(demo_account.pk, force=True, backfill=False)
    assert run.outcome == "ok", run.message
    assert sim_logins(growatt_sim) == 2
    assert run.logins == 1
    # and the new session is kept for the next cycles
    sync_account(demo_account.pk, force=True, backfill=False)
    assert sim_logins(growatt_sim) == 2


def test_lockout_means_no_growatt_call_until_it_ends(demo_account, growatt_sim, time_machine):
    locked_at = timezone.now()
    time_machine.move_to(locked_at, tick=False)
    growatt_sim.lock_account("demo")
    run = sync_account(demo_account.pk)
    assert run.outcome == "locked"
    demo_account.refresh_from_db()
    assert demo_account.state == GrowattAccount.State.LOCKED
    assert demo_account.locked_until > timezone.now() + dt.timedelta(hours=23)
    assert demo_account.next_sync_at == demo_account.locked_until
    requests_after_lock = sim_requests(growatt_sim)
    logins_after_lock = sim_logins(growatt_sim)

    # Not due, and even a forced sync sends nothing while locked.
    assert not GrowattAccount.objects.due().filter(pk=demo_account.pk).exists()
    for hours in (1, 6, 23.5):
        time_machine.move_to(locked_at + dt.timedelta(hours=hours), tick=False)
        assert sync_account(demo_account.pk, force=True).outcome == "locked"
    assert sim_requests(growatt_sim) == requests_after_lock
    assert sim_logins(growatt_sim) == logins_after_lock

    # After the lock ends, syncing resumes by itself.
    time_machine.move_to(demo_account.locked_until + dt.timedelta(minutes=1), tick=False)
    assert GrowattAccount.objects.due().filter(pk=demo_account.pk).exists()
    run = sync_account(demo_account.pk)
    assert run.outcome == "ok", run.message
    demo_account.refresh_from_db()
    assert demo_account.state == GrowattAccount.State.OK


def test_bad_credentials_stop_all_calls(owner, growatt_sim):
    account = GrowattAccount.objects.create(owner=owner, label="Typo", server_url=growatt_sim.url,
                                            username="demo", password="wrong")
    run = sync_account(account.pk)
    assert run.outcome == "bad_credentials"
    account.refresh_from_db()
    assert account.state == GrowattAccount.State.BAD_CREDENTIALS
    assert "refused" in account.last_error.lower() or "502" in account.last_error
    total = growatt_sim.stats()["requests"]
    for _ in range(3):
        assert sync_account(account.pk, force=True).outcome == "bad_credentials"
    assert growatt_sim.stats()["requests"] == total
    assert not GrowattAccount.objects.due().filter(pk=account.pk).exists()


def test_daily_login_cap_is_never_exceeded(demo_account, growatt_sim, settings):
    settings.GROWATT_MAX_LOGINS_PER_DAY = 2
    for _ in range(5):
        growatt_sim.expire_sessions()
        sync_account(demo_account.pk, force=True, backfill=False)
    assert sim_logins(growatt_sim) == 2
    demo_account.refresh_from_db()
    assert demo_account.state == GrowattAccount.State.LOGIN_CAP
    assert demo_account.next_sync_at > timezone.now() + dt.timedelta(hours=20)


def test_gap_after_downtime_is_backfilled(demo_account, growatt_sim, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    sync_account(demo_account.pk)
    plant = Plant.objects.filter(account=demo_account).first()
    today = plant.local_today()
    # Two days of downtime: nothing runs.
    time_machine.move_to(start + dt.timedelta(days=2), tick=False)
    growatt_sim.expire_sessions()  # a day-long gap outlives the session too
    run = sync_account(demo_account.pk, force=True)
    assert run.outcome == "ok", run.message
    assert run.days_backfilled >= 2
    for day in (today, today + dt.timedelta(days=1)):
        row = DailyEnergy.objects.get(plant=plant, date=day)
        assert row.complete
        assert row.samples >= 280, (day, row.samples)


def test_two_concurrent_syncs_of_one_account_run_once(demo_account, growatt_sim):
    results = []
    barrier = threading.Barrier(2)

    def worker():
        barrier.wait()
        try:
            results.append(sync_account(demo_account.pk, backfill=False))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ran = [r for r in results if r is not None]
    assert len(ran) == 1
    assert SyncRun.objects.filter(account=demo_account).count() == 1
    assert sim_logins(growatt_sim) == 1


def test_a_held_lease_blocks_a_second_sync(demo_account):
    token = demo_account.acquire_lease()
    assert token
    assert sync_account(demo_account.pk, force=True) is None
    demo_account.release_lease(token)


def test_no_cookie_or_password_in_any_table_after_sync(demo_account, growatt_sim):
    sync_account(demo_account.pk, backfill=False)
    demo_account.refresh_from_db()
    cookie = demo_account.session["cookies"][0]["value"]
    assert cookie
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                assert cookie not in text, table
                assert hash_password("demo") not in text, table


def test_live_soc_is_recorded_cycle_by_cycle_and_kept(demo_account, growatt_sim, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    sync_account(demo_account.pk, backfill=False)
    plant = Plant.objects.get(account=demo_account, devices__kind="mix")
    first = PowerSample.objects.filter(plant=plant, soc__isnull=False).count()
    assert first >= 1
    for n in range(1, 4):
        time_machine.move_to(start + dt.timedelta(minutes=5 * n), tick=False)
        sync_account(demo_account.pk, force=True, backfill=False)
    socs = PowerSample.objects.filter(plant=plant, soc__isnull=False)
    assert socs.count() >= first + 2  # earlier cycles' values survive later upserts
    assert all(0 <= s <= 100 for s in socs.values_list("soc", flat=True))
