"""Value parsers on the formats the real server sends (PROTOCOL §1.7, §2) and on arbitrary junk."""

from __future__ import annotations

import datetime
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from growatt.values import (
    format_hm,
    parse_bool,
    parse_chart_key,
    parse_energy,
    parse_hm,
    parse_money,
    parse_percent,
    parse_power,
    to_float,
)

from .conftest import fixture_json


@pytest.mark.parametrize(("raw", "expected"), [
    ("240.8", 240.8), ("0", 0.0), ("-399.5", -399.5), (" 2562.4 ", 2562.4), (3680, 3680.0),
    (2835.0, 2835.0), (53.08000183105469, 53.08000183105469), ("", None), (None, None), ("  ", None),
    ("n/a", None), ("1.2.3", None), ("nan", None), ("inf", None), (float("nan"), None), (True, None),
    ("1_000", None), ([], None), ({}, None), ("9.3 kWh", None),
])
def test_to_float(raw, expected):
    assert to_float(raw) == expected


@pytest.mark.parametrize(("raw", "watts"), [
    ("0 W", 0.0), ("1.23kW", 1230.0), ("1.23 kW", 1230.0), ("2.5 MW", 2_500_000.0), ("200Watt", 200.0),
    ("1234.5", 1234.5), (830, 830.0), ("", None), (None, None), ("9.3 kWh", None), ("kW", None),
    ("1.02 KT", None), ("1.5 KW", 1500.0),
])
def test_parse_power(raw, watts):
    assert parse_power(raw) == watts


@pytest.mark.parametrize(("raw", "kwh"), [
    ("9.3 kWh", 9.3), ("2.56 MWh", 2560.0), ("20.5kWh", 20.5), ("500 Wh", 0.5), ("1 GWh", 1e6),
    ("2562.4", 2562.4), (9.3, 9.3), ("", None), (None, None), ("0 W", None), ("1.02 KT", None),
])
def test_parse_energy(raw, kwh):
    result = parse_energy(raw)
    if kwh is None:
        assert result is None
    else:
        assert result == pytest.approx(kwh)


@pytest.mark.parametrize(("raw", "pct"), [
    ("11.3%", 11.3), ("88.7 %", 88.7), ("45", 45.0), (98, 98.0), ("44%", 44.0), ("", None),
    ("45 kWh", None), (None, None),
])
def test_parse_percent(raw, pct):
    assert parse_percent(raw) == pct


@pytest.mark.parametrize(("raw", "expected"), [
    ("2.4/€", (2.4, "€")), ("0.0 ", (0.0, None)), ("0", (0.0, None)), ("1.4 gbp", (1.4, "gbp")),
    ("384.4/£", (384.4, "£")), ("12/", (12.0, None)), ("/€", (None, None)), ("", (None, None)),
    (None, (None, None)), (2.4, (2.4, None)), ("money", (None, None)),
])
def test_parse_money(raw, expected):
    assert parse_money(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("6:0", datetime.time(6, 0)), ("1:0", datetime.time(1, 0)), ("0:0", datetime.time(0, 0)),
    ("06:00", datetime.time(6, 0)), ("23:59", datetime.time(23, 59)), ("1:1", datetime.time(1, 1)),
    ("21:11:58", datetime.time(21, 11, 58)), ("24:0", None), ("6:60", None), ("", None), (None, None),
    ("6", None), ("a:b", None),
])
def test_parse_hm(raw, expected):
    assert parse_hm(raw) == expected


def test_format_hm_is_unpadded():
    assert format_hm(datetime.time(6, 0)) == "6:0"
    assert format_hm(datetime.time(23, 5)) == "23:5"


@pytest.mark.parametrize(("raw", "bool_"), [
    (True, True), ("false", False), ("true", True), ("1", True), (0, False), ("", None), ("yes", None),
    (2, None), (None, None),
])
def test_parse_bool(raw, bool_):
    assert parse_bool(raw) is bool_


def test_chart_keys_from_real_series():
    day = datetime.date(2024, 2, 14)
    mix = fixture_json("mix_detail")["obj"]["chartData"]
    assert [parse_chart_key(k, day) for k in sorted(mix)] == [
        datetime.datetime(2024, 2, 14, 0, 5), datetime.datetime(2024, 2, 14, 0, 10),
        datetime.datetime(2024, 2, 14, 12, 35),
    ]
    inv = fixture_json("tlx_data")["invPacData"]
    assert parse_chart_key(next(iter(inv))) == datetime.datetime(2022, 11, 6, 11, 15)
    assert all(parse_chart_key(k).tzinfo is None for k in inv)


@pytest.mark.parametrize(("key", "expected"), [
    ("24:00", datetime.datetime(2024, 2, 15, 0, 0)),
    ("2024-02-14 11:15", datetime.datetime(2024, 2, 14, 11, 15)),
    ("2024-02-14 11:15:30", datetime.datetime(2024, 2, 14, 11, 15, 30)),
    ("2024-02-30 11:15", None), ("25:00", None), ("12:60", None), ("01", None), ("", None), (None, None),
])
def test_parse_chart_key_edges(key, expected):
    assert parse_chart_key(key, datetime.date(2024, 2, 14)) == expected


def test_parse_chart_key_without_day_uses_today():
    assert parse_chart_key("12:35").date() == datetime.date.today()


def test_units_in_real_replies():
    plant = fixture_json("plant_list")["back"]
    assert parse_energy(plant["totalData"]["totalEnergySum"]) == 2560.0
    assert parse_energy(plant["data"][0]["todayEnergy"]) == 9.3
    assert parse_power(plant["data"][0]["currentPower"]) == 0.0
    assert parse_money(plant["totalData"]["eTotalMoneyText"]) == (0.0, None)
    dash = fixture_json("dashboard_data")
    assert parse_energy(dash["etouser"]) == 10.2
    assert parse_percent(dash["ratio1"]) == 11.3
    info = fixture_json("plant_info")
    assert parse_money(info["plantMoneyText"]) == (2.4, "€")
    assert parse_percent(info["deviceList"][1]["capacity"]) == 45.0
    assert to_float(info["nominalPower"]) == 3680.0
    assert parse_power(fixture_json("plant_settings")["currentPacStr"]) == 1230.0
    assert parse_percent(fixture_json("mix_info")["obj"]["soc"]) == 45.0


PARSERS = [to_float, parse_power, parse_energy, parse_percent, parse_money, parse_hm, parse_bool,
           parse_chart_key]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=5,
)


@given(st.text())
def test_parsers_never_raise_on_text(text):
    for parse in PARSERS:
        parse(text)


@given(st.from_regex(r"\A\s*[+-]?\d{0,6}(\.\d{0,4})?\s*(W|kW|MW|Wh|kWh|MWh|%|/€|KT|°C)?\s*\Z"))
def test_parsers_never_raise_on_near_misses(text):
    for parse in PARSERS:
        parse(text)


@given(json_values)
def test_parsers_never_raise_on_json_values(value):
    for parse in PARSERS:
        parse(value)


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_numbers_survive_string_form(number):
    text = json.dumps(number)
    assert to_float(text) == pytest.approx(number)
    assert parse_power(f"{text} W") == pytest.approx(number)
    assert parse_energy(f"{text}kWh") == pytest.approx(number)


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_scaled_units_agree(number):
    assert parse_energy(f"{number} MWh") == pytest.approx(parse_energy(f"{number * 1000} kWh"))
    assert parse_power(f"{number}kW") == pytest.approx(number * 1000)
    assert not math.isnan(parse_power(f"{number}kW"))


@given(st.times())
def test_hm_round_trip(moment):
    moment = moment.replace(second=0, microsecond=0)
    assert parse_hm(format_hm(moment)) == moment
