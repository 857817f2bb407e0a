"""CSV export: header with units, ISO timestamps with the plant's offset, range checks, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from plants.csv_export import DAILY_HEADER, MAX_EXPORT_DAYS, SAMPLE_HEADER
from plants.models import DailyEnergy, PowerSample
from plants.tests.factories import make_plant

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(owner):
    # The week in which Europe/Berlin leaves summer time (2026-10-25).
    return make_plant(owner, devices=0, days=7, end=dt.date(2026, 10, 28))


def export(client, plant, **params):
    response = client.get(reverse("plant_export_csv", args=[plant.pk]), params)
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return response, body


def test_samples_have_a_header_with_units_and_offsets_across_dst(client, owner, plant):
    client.force_login(owner)
    response, body = export(client, plant, start="2026-10-24", end="2026-10-25", kind="samples")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="sunny-roof-samples-2026-10-24_2026-10-25.csv"'
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == SAMPLE_HEADER == ["timestamp", "pv_w", "load_w", "grid_import_w", "grid_export_w",
                                        "battery_charge_w", "battery_discharge_w", "soc_percent"]
    assert len(rows) - 1 == 288 + 300  # a normal day and the 25-hour day
    stamps = [row[0] for row in rows[1:]]
    assert stamps[0] == "2026-10-24T00:00:00+02:00"
    assert stamps[-1] == "2026-10-25T23:55:00+01:00"
    # The repeated hour appears twice, once per offset, so no instant is lost.
    assert "2026-10-25T02:30:00+02:00" in stamps and "2026-10-25T02:30:00+01:00" in stamps
    assert all(dt.datetime.fromisoformat(s).utcoffset() is not None for s in stamps)
    first = PowerSample.objects.filter(plant=plant).order_by("ts").filter(
        ts__gte=dt.datetime(2026, 10, 24, tzinfo=plant.tz)).first()
    assert float(rows[1][2]) == pytest.approx(first.load_w)


def test_daily_energy_export(client, owner, plant):
    client.force_login(owner)
    response, body = export(client, plant, start="2026-10-20", end="2026-10-31", kind="daily")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == DAILY_HEADER
    assert [row[0] for row in rows[1:]] == [f"2026-10-{d}" for d in range(22, 29)]  # the days that exist
    energy = DailyEnergy.objects.get(plant=plant, date=dt.date(2026, 10, 22))
    assert float(rows[1][1]) == pytest.approx(energy.pv_kwh, abs=0.001)
    assert rows[1][-1] == "true"


def test_kind_defaults_to_samples_and_a_single_day_has_a_short_name(client, owner, plant):
    client.force_login(owner)
    response, body = export(client, plant, start="2026-10-26", end="2026-10-26")
    assert response["Content-Disposition"].endswith('sunny-roof-samples-2026-10-26.csv"')
    assert body.splitlines()[0].startswith("timestamp,pv_w")
    assert body.splitlines()[1].startswith("2026-10-26T00:00:00+01:00,")


def test_empty_values_are_empty_cells(client, owner):
    plant = make_plant(owner, devices=0)
    PowerSample.objects.create(plant=plant, ts=dt.datetime(2026, 5, 1, 10, 0, tzinfo=dt.UTC), pv_w=1234.5)
    client.force_login(owner)
    _, body = export(client, plant, start="2026-05-01", end="2026-05-01")
    assert body.splitlines()[1] == "2026-05-01T12:00:00+02:00,1234.5,,,,,,"


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "2026-10-28", "end": "2026-10-01"}, "The start date (2026-10-28) is after the end date (2026-10-01)."),
    ({"start": "2020-01-01", "end": "2026-10-01"}, "That is 2466 days; one export covers at most 1098 days"),
    ({"start": "28/10/2026", "end": "2026-10-30"}, "From: Enter a valid date. Use YYYY-MM-DD."),
    ({"start": "2026-10-01"}, "To: This field is required."),
    ({"start": "2026-10-01", "end": "2026-10-02", "kind": "everything"}, "Data: Select a valid choice."),
    ({"start": "1990-01-01", "end": "1990-01-02"}, "Pick dates between 2000 and today."),
])
def test_bad_ranges_get_a_400_with_a_clear_message(client, owner, plant, params, message):
    client.force_login(owner)
    response = client.get(reverse("plant_export_csv", args=[plant.pk]), params)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert f'href="{reverse("plant_detail", args=[plant.pk])}"' in page


def test_three_years_is_allowed_and_streamed(client, owner, plant, django_assert_num_queries):
    client.force_login(owner)
    end = plant.local_today()
    start = end - dt.timedelta(days=MAX_EXPORT_DAYS - 1)
    response = client.get(reverse("plant_export_csv", args=[plant.pk]), {"start": start.isoformat(),
                                                                          "end": end.isoformat()})
    assert response.status_code == 200
    assert response.streaming
    with django_assert_num_queries(1):  # the rows, fetched in chunks by one cursor
        lines = sum(1 for _ in response.streaming_content)
    assert lines == 1 + PowerSample.objects.filter(plant=plant).count()
