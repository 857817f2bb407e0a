"""The pure series builders of plants.charts: day boundaries, aggregation, ratios, live flow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from plants import charts
from plants.models import DailyEnergy, Device, PowerSample
from plants.tests.factories import add_devices, make_plant, set_live

pytestmark = pytest.mark.django_db


# --- formatting -----------------------------------------------------------------------


@pytest.mark.parametrize(("watts", "text"), [
    (None, "–"), (0, "0 W"), (850.4, "850 W"), (-850, "850 W"), (999.6, "1000 W"), (1000, "1.00 kW"),
    (3420, "3.42 kW"), (12_345, "12.3 kW"),
])
def test_format_power_uses_w_below_a_kilowatt_and_kw_above(watts, text):
    assert charts.format_power(watts) == text


@pytest.mark.parametrize(("kwh", "text"), [(None, "–"), (0.04, "0.0 kWh"), (12.44, "12.4 kWh"),
                                           (5321.7, "5,322 kWh"), (25_000, "25.0 MWh")])
def test_format_energy(kwh, text):
    assert charts.format_energy(kwh) == text


def test_updated_text_says_how_old_the_values_are():
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    tz = dt.timezone(dt.timedelta(hours=1))
    assert charts.updated_text(None, tz, now) == "no data yet"
    assert charts.updated_text(now - dt.timedelta(seconds=30), tz, now) == "updated just now"
    assert charts.updated_text(now - dt.timedelta(minutes=3), tz, now) == "updated 3 min ago"
    assert charts.updated_text(now - dt.timedelta(hours=2, minutes=5), tz, now) == "updated 2 h ago (10:55)"
    assert charts.updated_text(now - dt.timedelta(days=3), tz, now) == "updated on 2026-11-22 13:00"


# --- live summary and the power flow -------------------------------------------------------


def test_live_summary_exporting_and_charging(owner):
    plant = make_plant(owner, devices=0)  # default live values: export 1280 W, charging 1500 W
    live = charts.live_summary(plant)
    assert live["flow"] == {"pv": "active", "load": "active", "grid": "export", "battery": "charge"}
    assert live["text"]["pv"] == "3.42 kW"
    assert live["text"]["grid"] == "1.28 kW"
    assert live["text"]["grid_direction"] == "to grid"
    assert live["text"]["battery_direction"] == "charging"
    assert live["text"]["soc"] == "54 %"
    assert live["values"]["grid_w"] == -1280.0
    assert live["values"]["battery_w"] == -1500.0
    assert live["stale"] is False


def test_live_summary_importing_and_discharging_at_night(owner):
    plant = make_plant(owner, devices=0, live={"live_pv_w": 0.0, "live_load_w": 900.0, "live_grid_import_w": 300.0,
                                               "live_grid_export_w": 0.0, "live_battery_charge_w": 0.0,
                                               "live_battery_discharge_w": 600.0, "live_soc": 35.0})
    live = charts.live_summary(plant)
    assert live["flow"] == {"pv": "idle", "load": "active", "grid": "import", "battery": "discharge"}
    assert live["text"]["grid_direction"] == "from grid"
    assert live["text"]["battery"] == "600 W"


def test_live_summary_without_battery_has_no_battery_flow(owner):
    plant = make_plant(owner, devices=0, live={"live_soc": None, "live_battery_charge_w": None,
                                               "live_battery_discharge_w": None})
    live = charts.live_summary(plant)
    assert live["has_battery"] is False
    assert live["flow"]["battery"] == "none"


def test_stale_values_show_nothing_flowing(owner):
    plant = make_plant(owner, devices=0)
    set_live(plant, at=timezone.now() - dt.timedelta(minutes=16))
    live = charts.live_summary(plant)
    assert live["stale"] is True
    assert live["flow"] == {"pv": "idle", "load": "idle", "grid": "idle", "battery": "idle"}
    assert live["text"]["pv"] == "3.42 kW"  # the last known numbers stay visible


def test_live_summary_of_a_plant_never_synced(owner):
    plant = make_plant(owner, devices=0, live=False)
    live = charts.live_summary(plant)
    assert live["has_data"] is False
    assert live["text"]["updated"] == "no data yet"
    assert live["text"]["pv"] == "–"


def test_live_summary_runs_no_query(owner, django_assert_num_queries):
    plant = make_plant(owner, devices=2)
    with django_assert_num_queries(0):
        charts.live_summary(plant)


# --- day series ------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "hours"), [
    (dt.date(2026, 3, 29), 23),   # clocks go forward in Europe/Berlin
    (dt.date(2026, 10, 25), 25),  # clocks go back
    (dt.date(2026, 6, 15), 24),
])
def test_day_series_covers_the_plant_local_day_across_dst(owner, day, hours):
    plant = make_plant(owner, devices=0, days=3, end=day + dt.timedelta(days=1))
    series = charts.day_series(plant, day)
    assert series["end"] - series["start"] == hours * 3600
    assert len(series["x"]) == hours * 12
    assert series["x"][0] == series["start"]
    assert series["x"][-1] == series["end"] - 300
    assert [s["key"] for s in series["series"]] == ["pv", "load", "grid", "battery", "soc"]
    assert all(len(s["values"]) == len(series["x"]) for s in series["series"])
    assert series["empty"] is False


def test_day_series_balances_at_every_step(owner):
    plant = make_plant(owner, devices=0, days=1, end=dt.date(2026, 6, 15))
    series = charts.day_series(plant, dt.date(2026, 6, 15))
    values = {s["key"]: s["values"] for s in series["series"]}
    # pv + grid + battery = load, with grid +import/−export and battery +discharge/−charge.
    for pv, load, grid, battery in zip(values["pv"], values["load"], values["grid"], values["battery"]):
        assert pv + grid + battery == pytest.approx(load, abs=0.3)


def test_day_series_signs_grid_and_battery_towards_the_home(owner):
    plant = make_plant(owner, devices=0)
    noon = dt.datetime(2026, 6, 15, 12, 0, tzinfo=plant.tz)
    PowerSample.objects.bulk_create([
        PowerSample(plant=plant, ts=noon, pv_w=4000, load_w=500, grid_import_w=0, grid_export_w=2000,
                    battery_charge_w=1500, battery_discharge_w=0, soc=60),
        PowerSample(plant=plant, ts=noon + dt.timedelta(hours=10), pv_w=0, load_w=900, grid_import_w=300,
                    grid_export_w=0, battery_charge_w=0, battery_discharge_w=600, soc=40),
    ])
    values = {s["key"]: s["values"] for s in charts.day_series(plant, dt.date(2026, 6, 15))["series"]}
    assert values["grid"] == [-2000.0, 300.0]
    assert values["battery"] == [-1500.0, 600.0]
    assert values["soc"] == [60.0, 40.0]


def test_day_series_leaves_out_series_without_any_value(owner):
    plant = make_plant(owner, devices=0)
    noon = dt.datetime(2026, 6, 15, 12, 0, tzinfo=plant.tz)
    PowerSample.objects.create(plant=plant, ts=noon, pv_w=4000, load_w=500, grid_import_w=0, grid_export_w=2000,
                               battery_charge_w=1500, battery_discharge_w=0, soc=None)
    series = charts.day_series(plant, dt.date(2026, 6, 15))
    assert [s["key"] for s in series["series"]] == ["pv", "load", "grid", "battery"]  # no SOC axis without SOC


def test_day_series_of_a_day_without_samples_is_empty(owner):
    plant = make_plant(owner, devices=0)
    series = charts.day_series(plant, dt.date(2026, 1, 1))
    assert series["empty"] is True
    assert series["x"] == []
    assert [s["key"] for s in series["series"]] == ["pv", "load", "grid"]  # no battery data, no battery series


# --- month and year --------------------------------------------------------------------------


def test_month_series_has_every_day_and_nulls_for_missing_ones(owner):
    plant = make_plant(owner, devices=0, days=10, end=dt.date(2026, 7, 10))
    series = charts.month_series(plant, 2026, 7)
    assert len(series["x"]) == 31
    assert series["labels"][0] == "1" and series["labels"][-1] == "31"
    pv = series["series"][0]["values"]
    assert all(v is not None for v in pv[:10]) and all(v is None for v in pv[10:])
    assert len(series["rows"]) == 10
    assert series["totals"]["pv_kwh"] == pytest.approx(sum(pv[:10]), abs=0.05)
    # x is the plant-local midnight of each day
    assert series["x"][1] - series["x"][0] == 86_400
    assert dt.datetime.fromtimestamp(series["x"][0], plant.tz).time() == dt.time(0, 0)


def test_month_series_reads_daily_energy_not_samples(owner):
    plant = make_plant(owner, devices=0)
    DailyEnergy.objects.create(plant=plant, date=dt.date(2026, 2, 3), pv_kwh=7.25, load_kwh=9.5, complete=True)
    series = charts.month_series(plant, 2026, 2)
    assert len(series["x"]) == 28
    assert series["series"][0]["values"][2] == 7.25
    assert series["rows"][0]["label"] == "Tue 3"


def test_year_series_sums_months_in_sql(owner, django_assert_num_queries):
    plant = make_plant(owner, devices=0, days=70, end=dt.date(2026, 3, 10))
    expected = {month: sum(d.pv_kwh for d in DailyEnergy.objects.filter(plant=plant, date__year=2026,
                                                                         date__month=month))
                for month in (1, 2, 3)}
    with django_assert_num_queries(1):
        series = charts.year_series(plant, 2026)
    pv = series["series"][0]["values"]
    assert pv[:3] == [pytest.approx(expected[m], abs=0.05) for m in (1, 2, 3)]
    assert pv[3:] == [None] * 9
    assert [row["days"] for row in series["rows"]] == [31, 28, 10]
    assert series["labels"][0] == "Jan"


# --- energy summary ------------------------------------------------------------------------


def test_energy_figures_follow_the_stated_formulas(owner):
    plant = make_plant(owner, devices=0, money_per_kwh=0.3, co2_kg_per_kwh=0.4, currency="EUR")
    figures = charts.energy_figures(plant, {"pv_kwh": 10.0, "load_kwh": 8.0, "import_kwh": 2.0, "export_kwh": 4.0})
    assert figures["self_consumption"] == 60  # (10 − 4) / 10
    assert figures["self_sufficiency"] == 75  # (8 − 2) / 8
    assert figures["money_saved"] == 1.8      # (10 − 4) × 0.3
    assert figures["co2_kg"] == 4.0           # 10 × 0.4
    assert figures["money_counts_all_pv"] is False


def test_energy_figures_without_meter_or_prices(owner):
    plant = make_plant(owner, devices=0, money_per_kwh=None, co2_kg_per_kwh=None)
    figures = charts.energy_figures(plant, {"pv_kwh": 10.0, "load_kwh": None, "import_kwh": None,
                                            "export_kwh": None})
    assert figures["self_consumption"] is None
    assert figures["self_sufficiency"] is None
    assert figures["money_saved"] is None and figures["money_text"] == "–"
    assert figures["co2_kg"] is None
    no_pv = charts.energy_figures(plant, {"pv_kwh": 0.0, "load_kwh": 0.0, "import_kwh": 0.0, "export_kwh": 0.0})
    assert no_pv["self_consumption"] is None and no_pv["self_sufficiency"] is None  # never a division by zero


def test_energy_summary_of_a_period_and_lifetime_in_one_query(owner, django_assert_num_queries):
    plant = make_plant(owner, devices=0, days=5, end=dt.date(2026, 6, 5), live={"total_pv_kwh": 9000.0})
    with django_assert_num_queries(1):
        summary = charts.energy_summary(plant, dt.date(2026, 6, 2), dt.date(2026, 6, 3), label="2 days")
    rows = DailyEnergy.objects.filter(plant=plant, date__in=[dt.date(2026, 6, 2), dt.date(2026, 6, 3)])
    assert summary["days"] == 2
    assert summary["totals"]["pv_kwh"] == pytest.approx(sum(r.pv_kwh for r in rows), abs=0.01)
    assert summary["lifetime"]["days"] == 5
    assert summary["lifetime"]["totals"]["pv_kwh"] == 9000.0  # Growatt's counter beats 5 recorded days
    assert summary["lifetime"]["pv_source"] == "growatt"
    assert summary["lifetime"]["figures"]["co2_kg"] == 3600.0
    assert summary["lifetime"]["figures"]["co2_text"] == "3.6 t"


def test_energy_summary_of_a_period_without_data(owner):
    plant = make_plant(owner, devices=0, live=False)
    summary = charts.energy_summary(plant, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert summary["days"] == 0
    assert summary["has_history"] is False
    assert summary["text"]["pv_kwh"] == "–"


# --- devices --------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "lost", "word", "badge"), [
    ("1", False, "Normal", "badge-ok"),
    ("mix.status.normal", False, "Normal", "badge-ok"),
    ("tlx.status.checking", False, "Checking", "badge-warn"),
    ("3", False, "Fault", "badge-error"),
    ("1", True, "Offline", "badge-error"),
    ("unknown to Growatt", True, "Unknown to Growatt", "badge-error"),
    ("", False, "Online", "badge-ok"),
])
def test_device_state_words(status, lost, word, badge):
    assert charts.device_state(Device(status=status, lost=lost)) == (word, badge)


def test_device_strings_understand_each_spelling(owner):
    plant = make_plant(owner, devices=0)
    mix, storage = add_devices(plant, 2, kinds=[Device.Kind.MIX, Device.Kind.STORAGE])
    mix.detail = {"vPv1": "310.2", "pPv1": "1200", "vPv2": "0", "pPv2": "0", "vBat": "51.8"}
    storage.detail = {"vpv": "247.5", "ppv": "1063", "vpv2": "216.6", "ppv2": "262", "iChargePV1": "19.7"}
    assert charts.device_strings(mix) == [
        {"n": 1, "voltage": 310.2, "current": None, "power": 1200.0, "power_text": "1.20 kW"}]
    strings = charts.device_strings(storage)
    assert [(s["n"], s["voltage"], s["power"]) for s in strings] == [(1, 247.5, 1063.0), (2, 216.6, 262.0)]
    assert strings[0]["current"] == 19.7


def test_device_key_values_leave_out_battery_values_of_pv_inverters(owner):
    plant = make_plant(owner, devices=0)
    inverter, hybrid = add_devices(plant, 2, kinds=[Device.Kind.INVERTER, Device.Kind.MIX])
    labels = [kv["label"] for kv in charts.device_key_values(inverter)]
    assert "Battery charge" not in labels and "Grid frequency" in labels
    values = {kv["label"]: kv["value"] for kv in charts.device_key_values(hybrid)}
    assert values["Battery charge"] == "54 %"
    assert values["Battery voltage"] == "51.8 V"
    assert values["Grid frequency"] == "50.01 Hz"
    assert values["Temperature"] == "38.2 °C"
