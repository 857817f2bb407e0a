"""The plant page's energy sums (one SQL query) equal what the ORM's aggregates give, on every database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Q, Sum

from plants.charts import energy_sums
from plants.models import ENERGY_FIELDS, DailyEnergy
from plants.tests.factories import make_plant

pytestmark = pytest.mark.django_db

END = dt.date(2026, 6, 30)


def orm_sums(plant, start, end) -> dict:
    period = Q(date__gte=start, date__lte=end)
    aggregates = {f"period_{name}": Sum(name, filter=period) for name in ENERGY_FIELDS}
    aggregates.update({f"life_{name}": Sum(name) for name in ENERGY_FIELDS})
    aggregates.update(period_days=Count("pk", filter=period), life_days=Count("pk"))
    return DailyEnergy.objects.filter(plant=plant).aggregate(**aggregates)


@pytest.mark.parametrize(("start", "end"), [
    (END, END),                                      # one day
    (dt.date(2026, 6, 1), END),                      # a month
    (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),    # a year, partly in the future
    (dt.date(2025, 1, 1), dt.date(2025, 1, 31)),     # before the history: no days
])
def test_energy_sums_match_the_orm(owner, start, end):
    plant = make_plant(owner, devices=0, days=40, end=END)
    make_plant(owner, name="Other roof", devices=0, days=3, end=END)  # not counted
    DailyEnergy.objects.filter(plant=plant, date=END).update(export_kwh=None)  # a flow Growatt did not report
    ours, orm = energy_sums(plant, start, end), orm_sums(plant, start, end)
    assert ours.keys() == orm.keys()
    for key, value in orm.items():
        if value is None:
            assert ours[key] is None, key
        else:
            assert ours[key] == pytest.approx(value), key


def test_energy_sums_of_a_plant_without_history(owner):
    plant = make_plant(owner, devices=0, live=False)
    sums = energy_sums(plant, END, END)
    assert sums["period_days"] == 0 and sums["life_days"] == 0
    assert all(sums[f"life_{name}"] is None for name in ENERGY_FIELDS)
