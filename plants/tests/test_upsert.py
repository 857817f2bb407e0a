"""The sync's time-series upsert: idempotent, updates what changed, same result on every database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from plants.models import DeviceSample, PowerSample
from plants.sync import UPSERT_CHUNK, upsert_device_samples, upsert_samples
from plants.tests.factories import make_plant

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 21, 0, 0, tzinfo=dt.UTC)


def points(n: int, pv: float = 1000.0) -> dict[dt.datetime, dict]:
    return {START + dt.timedelta(minutes=5 * i): {"pv_w": pv + i, "load_w": 300, "grid_import_w": None,
                                                    "soc": 50.5}
            for i in range(n)}


def rows(plant):
    return list(PowerSample.objects.filter(plant=plant).order_by("ts")
                .values_list("ts", "pv_w", "load_w", "grid_import_w", "grid_export_w", "soc"))


@pytest.fixture
def plant(owner):
    return make_plant(owner, devices=1, live=False)


def test_upsert_twice_keeps_one_row_per_timestamp_with_the_same_values(plant):
    assert upsert_samples(plant, points(300)) == 300
    first = rows(plant)
    assert upsert_samples(plant, points(300)) == 300
    assert rows(plant) == first
    assert len(first) == 300
    ts, pv, load, grid_import, grid_export, soc = first[7]
    assert (ts, pv, load, grid_import, grid_export, soc) == (START + dt.timedelta(minutes=35), 1007.0, 300.0,
                                                            None, None, 50.5)


def test_upsert_updates_changed_values_and_adds_new_points(plant):
    upsert_samples(plant, points(10))
    changed = points(12, pv=2000.0)
    changed[START]["soc"] = None  # a value that disappears is cleared too
    upsert_samples(plant, changed)
    stored = rows(plant)
    assert len(stored) == 12
    assert [r[1] for r in stored] == [2000.0 + i for i in range(12)]
    assert stored[0][5] is None and stored[1][5] == 50.5


def test_upsert_leaves_other_plants_alone(plant, owner):
    other = make_plant(owner, name="Neighbour", devices=0, live=False)
    upsert_samples(other, points(5, pv=1.0))
    upsert_samples(plant, points(5, pv=9.0))
    assert [r[1] for r in rows(other)] == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_device_samples_upsert_is_idempotent(plant):
    device = plant.devices.get()
    curve = {device: {START + dt.timedelta(minutes=5 * i): {"power_w": i * 10, "soc": None} for i in range(50)}}
    upsert_device_samples(curve)
    upsert_device_samples(curve)
    stored = list(DeviceSample.objects.filter(device=device).order_by("ts").values_list("power_w", "soc"))
    assert stored == [(i * 10.0, None) for i in range(50)]


def test_a_large_upsert_stores_every_row(plant):
    n = 2 * UPSERT_CHUNK + 1
    upsert_samples(plant, points(n))
    upsert_samples(plant, points(n))
    assert PowerSample.objects.filter(plant=plant).count() == n
    assert PowerSample.objects.filter(plant=plant).order_by("-ts").values_list("pv_w", flat=True)[0] == 1000.0 + n - 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the unnest path is PostgreSQL's")
def test_a_large_upsert_is_one_statement_per_chunk_on_postgresql(plant, django_assert_num_queries):
    with django_assert_num_queries(3):  # Django's query capture sees the server-binding cursor too
        upsert_samples(plant, points(2 * UPSERT_CHUNK + 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ctid is where PostgreSQL keeps a row version")
def test_unchanged_rows_are_not_rewritten_on_postgresql(plant):
    upsert_samples(plant, points(20))

    def versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT ts, ctid::text FROM plants_powersample WHERE plant_id = %s ORDER BY ts", [plant.pk])
            return cursor.fetchall()

    before = versions()
    again = points(20)
    again[START + dt.timedelta(minutes=5 * 19)]["pv_w"] = 1.0
    upsert_samples(plant, again)
    after = versions()
    assert after[:19] == before[:19]  # same row versions: nothing rewritten
    assert after[19] != before[19]
