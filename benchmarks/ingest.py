#!/usr/bin/env python3
"""Upsert a year of 5-minute samples into PostgreSQL through the sync's own code path, twice.

One plant, one device, one year (365 plant-local days = 105,120 five-minute
points per series). The plant series goes through ``plants.sync.upsert_samples``
and the device series through ``plants.sync.upsert_device_samples``, the same
functions a sync cycle calls, first into empty tables and then again with the
same points (a re-sync): the row count must not change and no (plant, ts)
may appear twice.

Baselines in the same run: Django's ``bulk_create(update_conflicts=True,
batch_size=500)`` (the sync's path before issue 8), and a bare ``COPY`` into
the empty table (the floor: no conflict handling at all).

    .venv/bin/python benchmarks/ingest.py [--days 365] [--keep]

Target (issue 8): at least 50,000 rows/s for the first load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as bench  # noqa: E402

TARGET_ROWS_PER_SECOND = 50_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    with bench.scratch_database("ingest", keep=args.keep) as database_url:
        bench.django_setup(bench.bench_env(database_url))
        return run(args)


def year_of_points(plant, days: int) -> dict[dt.datetime, dict]:
    from plants.tests.factories import day_points

    end = plant.local_today() - dt.timedelta(days=1)
    points: dict[dt.datetime, dict] = {}
    soc = 40.0
    for offset in range(days - 1, -1, -1):
        day_values = list(day_points(end - dt.timedelta(days=offset), plant.tz, soc_start=soc))
        soc = day_values[-1][1]["soc"]
        points.update(day_values)
    return points


def orm_upsert(model, rows, unique, fields) -> None:
    """The sync's upsert before issue 8: Django's bulk_create with ON CONFLICT DO UPDATE, 500 rows a batch."""
    model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique, update_fields=fields,
                              batch_size=500)


def copy_rows(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as raw, raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def timed(fn, atomic: bool = True) -> float:
    """Seconds to run ``fn``, in one transaction unless it makes its own."""
    from django.db import transaction

    start = time.perf_counter()
    if atomic:
        with transaction.atomic():
            fn()
    else:
        fn()
    return time.perf_counter() - start


def run(args) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from plants.models import SAMPLE_FIELDS, Device, DeviceSample, PowerSample
    from plants.sync import store_day, upsert_device_samples, upsert_samples
    from plants.tests.factories import make_plant

    owner = get_user_model().objects.create_user("bench", password="bench-password-123")
    plant = make_plant(owner, name="Ingest Roof", devices=1, kinds=[Device.Kind.MIX], live=False)
    device = plant.devices.get()
    points = year_of_points(plant, args.days)
    device_points = {device: {ts: {"power_w": v["pv_w"], "soc": v["soc"]} for ts, v in points.items()}}
    n = len(points)

    def truncate():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE plants_powersample, plants_devicesample")

    def check(model, owner_field, owner_obj) -> str:
        rows = model.objects.filter(**{owner_field: owner_obj})
        count = rows.count()
        distinct = rows.values("ts").distinct().count()
        assert count == n and distinct == n, (model.__name__, count, distinct, n)
        return f"{count:,} rows, no duplicates"

    results = []

    def measure(label, series, first, again, model, owner_field, owner_obj):
        truncate()
        t_first = timed(first)
        check(model, owner_field, owner_obj)
        bench.analyze()
        t_again = timed(again) if again else None
        verdict = check(model, owner_field, owner_obj)
        results.append([label, series, n, round(n / t_first), round(n / t_again) if t_again else "-", verdict])
        return n / t_first, (n / t_again if t_again else None)

    sync_plant = measure("sync path (upsert_samples)", "plant", lambda: upsert_samples(plant, points),
                         lambda: upsert_samples(plant, points), PowerSample, "plant", plant)
    sync_device = measure("sync path (upsert_device_samples)", "device",
                          lambda: upsert_device_samples(device_points), lambda: upsert_device_samples(device_points),
                          DeviceSample, "device", device)

    # The backfill's shape: one store_day (plant + device samples + daily energy, one transaction) per day.
    by_day: dict = {}
    for ts, values in points.items():
        by_day.setdefault(ts.astimezone(plant.tz).date(), {})[ts] = values

    def backfill():
        for day, day_points in by_day.items():
            store_day(plant, day, day_points, {device: {ts: device_points[device][ts] for ts in day_points}},
                      complete=True)

    truncate()
    t_first, t_again = timed(backfill, atomic=False), timed(backfill, atomic=False)
    check(PowerSample, "plant", plant)
    verdict = check(DeviceSample, "device", device)
    results.append([f"sync backfill path (store_day x {len(by_day)} days)", "plant + device", 2 * n,
                    round(2 * n / t_first), round(2 * n / t_again), verdict + " (each)"])

    def plant_rows():
        return [PowerSample(plant=plant, ts=ts, **{f: v.get(f) for f in SAMPLE_FIELDS})
                for ts, v in sorted(points.items())]

    def device_rows():
        return [DeviceSample(device=device, ts=ts, power_w=v["power_w"], soc=v["soc"])
                for ts, v in sorted(device_points[device].items())]

    orm_plant = measure("baseline: bulk_create update_conflicts, 500/batch", "plant",
                        lambda: orm_upsert(PowerSample, plant_rows(), ["plant", "ts"], list(SAMPLE_FIELDS)),
                        lambda: orm_upsert(PowerSample, plant_rows(), ["plant", "ts"], list(SAMPLE_FIELDS)),
                        PowerSample, "plant", plant)
    measure("baseline: bulk_create update_conflicts, 500/batch", "device",
            lambda: orm_upsert(DeviceSample, device_rows(), ["device", "ts"], ["power_w", "soc"]),
            lambda: orm_upsert(DeviceSample, device_rows(), ["device", "ts"], ["power_w", "soc"]),
            DeviceSample, "device", device)
    columns = ["plant_id", "ts", *SAMPLE_FIELDS]
    measure("floor: bare COPY into the empty table", "plant",
            lambda: copy_rows("plants_powersample", columns,
                              ((plant.pk, ts, *(v.get(f) for f in SAMPLE_FIELDS)) for ts, v in points.items())),
            None, PowerSample, "plant", plant)
    truncate()

    print(f"\nIngest: {n:,} five-minute points per series ({args.days} days), one transaction per load "
          f"(the backfill row commits once a day, as the sync does); "
          f"PostgreSQL {bench.postgres_version()} on loopback, {connection.vendor}; {bench.machine()}; "
          f"{bench.load_average()}\n")
    bench.print_table(["path", "series", "rows", "first load rows/s", "re-upsert rows/s", "after re-upsert"],
                      results)
    first, again = sync_plant
    met = first >= TARGET_ROWS_PER_SECOND and sync_device[0] >= TARGET_ROWS_PER_SECOND
    bench.summary("ingest", "first load, plant series", f"{first:,.0f} rows/s", f">= {TARGET_ROWS_PER_SECOND:,}",
                  met, baseline=f"bulk_create {orm_plant[0]:,.0f} rows/s")
    bench.summary("ingest", "re-upsert, plant series", f"{again:,.0f} rows/s", "-", None,
                  baseline=f"bulk_create {orm_plant[1]:,.0f} rows/s")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
