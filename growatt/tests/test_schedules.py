"""Schedules: exact parameter lists, validation, and build → send → read back → parse round trips."""

from __future__ import annotations

import dataclasses
import datetime

import growattServer
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from growatt import GrowattApi
from growatt.schedules import (
    MixChargeSchedule,
    MixDischargeSchedule,
    ScheduleError,
    SpaChargeSchedule,
    TimeSlot,
    inverter_time_params,
    params_to_bean_fields,
    schedule_from_params,
    schedule_to_bean_fields,
)

from .conftest import fixture_json

T = datetime.time
OFF = TimeSlot.off()


def slot(start, end, enabled=True):
    return TimeSlot(T(*start), T(*end), enabled)


# ---------------------------------------------------------------- exact parameter lists

def test_mix_charge_params_match_the_documented_example():
    # examples/settings_example.py of growattServer: 100 %, 100 %, AC on, 00:40–04:20 on, rest off
    schedule = MixChargeSchedule(100, 100, True, (slot((0, 40), (4, 20)), OFF, OFF))
    assert schedule.to_params() == ["100", "100", "1", "00", "40", "04", "20", "1",
                                    "00", "00", "00", "00", "0", "00", "00", "00", "00", "0"]
    assert MixChargeSchedule.SETTING_TYPE == "mix_ac_charge_time_period"


def test_mix_discharge_params():
    schedule = MixDischargeSchedule(100, 10, (slot((17, 0), (19, 30)), OFF, slot((6, 5), (7, 0), False)))
    params = schedule.to_params()
    assert len(params) == 17
    assert params == ["100", "10", "17", "00", "19", "30", "1", "00", "00", "00", "00", "0",
                      "06", "05", "07", "00", "0"]
    assert MixDischargeSchedule.SETTING_TYPE == "mix_ac_discharge_time_period"


def test_spa_charge_params():
    schedule = SpaChargeSchedule(80, 95, (slot((1, 30), (5, 0)), OFF, OFF))
    assert schedule.to_params() == ["80", "95", "01", "30", "05", "00", "1", "00", "00", "00", "00", "0",
                                    "00", "00", "00", "00", "0"]
    assert SpaChargeSchedule.SETTING_TYPE == "spa_ac_charge_time_period"


def test_inverter_time_params():
    assert inverter_time_params(datetime.datetime(2026, 11, 25, 9, 5, 7)) == ["2026-11-25 09:05:07"]
    with pytest.raises(ScheduleError):
        inverter_time_params(datetime.date(2026, 11, 25))


def test_sent_params_match_growattserver_list_conversion(server):
    schedule = MixChargeSchedule(50, 90, False, (slot((23, 0), (2, 0)), OFF, OFF))
    growattServer.GrowattApi().update_mix_inverter_setting("SN", schedule.SETTING_TYPE, schedule.to_params())
    GrowattApi().apply_schedule("SN", schedule)
    assert server.calls[0].request.url == server.calls[1].request.url


# ---------------------------------------------------------------- reading back the real bean

def test_parse_real_mix_bean():
    bean = fixture_json("mix_set_params")["obj"]["mixBean"]
    charge = MixChargeSchedule.from_mix_bean(bean)
    assert charge == MixChargeSchedule(100, 100, True, (
        slot((1, 0), (2, 0), False), slot((4, 0), (6, 0), True), slot((0, 0), (0, 0), False)))
    discharge = MixDischargeSchedule.from_mix_bean(bean)
    assert discharge == MixDischargeSchedule(100, 10, (OFF, OFF, OFF))
    assert charge.problems() == [] and discharge.problems() == []


def test_from_mix_bean_accepts_obj_too():
    obj = fixture_json("mix_set_params")["obj"]
    assert MixChargeSchedule.from_mix_bean(obj) == MixChargeSchedule.from_mix_bean(obj["mixBean"])


@pytest.mark.parametrize(("change", "message"), [
    ({"forcedChargeTimeStart1": "25:0"}, "forcedChargeTimeStart1"),
    ({"forcedChargeTimeStart1": "noon"}, "forcedChargeTimeStart1"),
    ({"chargePowerCommand": "150"}, "between 0 and 100"),
    ({"chargePowerCommand": "abc"}, "chargePowerCommand"),
])
def test_bad_bean_values_raise_schedule_error(change, message):
    bean = {**fixture_json("mix_set_params")["obj"]["mixBean"], **change}
    with pytest.raises(ScheduleError, match=message):
        MixChargeSchedule.from_mix_bean(bean)


def test_missing_power_in_bean_raises():
    bean = dict(fixture_json("mix_set_params")["obj"]["mixBean"])
    del bean["disChargePowerCommand"]
    with pytest.raises(ScheduleError, match="disChargePowerCommand"):
        MixDischargeSchedule.from_mix_bean(bean)


def test_null_times_in_bean_read_as_midnight():
    bean = {**fixture_json("mix_set_params")["obj"]["mixBean"], "forcedChargeTimeStart3": None}
    assert MixChargeSchedule.from_mix_bean(bean).slots[2].start == T(0, 0)


def test_bean_mapping_of_params():
    params = MixChargeSchedule(90, 95, True, (slot((1, 5), (4, 0)), OFF, OFF)).to_params()
    assert params_to_bean_fields("mix_ac_charge_time_period", params) == {
        "chargePowerCommand": "90", "wchargeSOCLowLimit2": "95", "acChargeEnable": "1",
        "forcedChargeTimeStart1": "1:5", "forcedChargeTimeStop1": "4:0", "forcedChargeStopSwitch1": "1",
        "forcedChargeTimeStart2": "0:0", "forcedChargeTimeStop2": "0:0", "forcedChargeStopSwitch2": "0",
        "forcedChargeTimeStart3": "0:0", "forcedChargeTimeStop3": "0:0", "forcedChargeStopSwitch3": "0",
    }
    assert params_to_bean_fields("pf_sys_year", ["2026-11-25 09:30:00"]) == {
        "pf_sys_year": "2026-11-25 09:30:00", "sysTime": "2026-11-25 09:30:00",
        "sysTimeText": "2026-11-25 09:30:00"}
    assert params_to_bean_fields("pv_on_off", ["0"]) == {"pv_on_off": "0", "onOff": "0"}
    with pytest.raises(ScheduleError):
        params_to_bean_fields("pf_sys_year", ["25/11/2026"])
    with pytest.raises(ScheduleError):
        params_to_bean_fields("mix_ac_discharge_time_period", ["1"] * 16)
    with pytest.raises(KeyError):
        params_to_bean_fields("unknown_type", ["1"])


def test_unpadded_params_parse_too():
    unpadded = ["100", "10", "17", "0", "19", "30", "1"] + ["0"] * 10
    assert MixDischargeSchedule.from_params(unpadded).slots[0] == slot((17, 0), (19, 30))
    assert schedule_from_params("mix_ac_discharge_time_period", unpadded) == MixDischargeSchedule.from_params(
        unpadded)
    with pytest.raises(ScheduleError):
        schedule_from_params("pv_on_off", ["1"])


@pytest.mark.parametrize("params", [
    ["100"] * 17,  # one short for charge
    ["100"] * 19,
    ["100", "100", "1", "24", "00", "01", "00", "1"] + ["00"] * 10,
    ["100", "100", "x", "00", "00", "01", "00", "1"] + ["00"] * 10,
    ["100", "100", "1", "00", "60", "01", "00", "1"] + ["00"] * 10,
])
def test_bad_params_raise_schedule_error(params):
    with pytest.raises(ScheduleError):
        MixChargeSchedule.from_params(params)


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"charge_power": 101}, "between 0 and 100"),
    ({"charge_power": -1}, "between 0 and 100"),
    ({"stop_soc": 100.5}, "whole number"),
    ({"stop_soc": True}, "whole number"),
    ({"ac_charge": "1"}, "ac_charge"),
    ({"slots": (OFF, OFF)}, "exactly 3"),
    ({"slots": (OFF, OFF, "0:0-1:0")}, "TimeSlot"),
])
def test_constructor_validation(kwargs, message):
    base = {"charge_power": 100, "stop_soc": 100, "ac_charge": True, "slots": (OFF, OFF, OFF)}
    with pytest.raises(ScheduleError, match=message):
        MixChargeSchedule(**{**base, **kwargs})


def test_slot_validation():
    with pytest.raises(ScheduleError, match="whole minutes"):
        TimeSlot(T(1, 0, 30), T(2, 0), True)
    with pytest.raises(ScheduleError, match="naive"):
        TimeSlot(T(1, 0, tzinfo=datetime.UTC), T(2, 0), True)
    with pytest.raises(ScheduleError, match="datetime.time"):
        TimeSlot("1:0", T(2, 0), True)
    with pytest.raises(ScheduleError, match="True or False"):
        TimeSlot(T(1, 0), T(2, 0), 1)


def test_list_of_slots_becomes_a_tuple():
    schedule = MixDischargeSchedule(100, 10, [OFF, OFF, OFF])
    assert schedule.slots == (OFF, OFF, OFF)
    hash(schedule)


def test_enabled_slot_must_not_be_empty():
    schedule = MixDischargeSchedule(100, 10, (slot((3, 0), (3, 0)), OFF, OFF))
    assert schedule.problems() == ["slot 1 is enabled but starts and ends at 03:00"]
    with pytest.raises(ScheduleError, match="slot 1"):
        schedule.to_params()
    MixDischargeSchedule(100, 10, (slot((3, 0), (3, 0), False), OFF, OFF)).validate()


@pytest.mark.parametrize(("a", "b", "overlap"), [
    (((1, 0), (2, 0)), ((2, 0), (3, 0)), False),  # touching is fine
    (((1, 0), (2, 0)), ((1, 59), (3, 0)), True),
    (((23, 0), (2, 0)), ((1, 0), (1, 30)), True),  # crosses midnight
    (((23, 0), (2, 0)), ((2, 0), (23, 0)), False),
    (((22, 0), (6, 0)), ((21, 0), (23, 0)), True),
    (((22, 0), (6, 0)), ((6, 0), (7, 0)), False),
    (((0, 0), (0, 0)), ((0, 0), (23, 59)), False),  # an empty slot covers nothing
])
def test_overlap_rules(a, b, overlap):
    first, second = slot(*a), slot(*b)
    assert first.overlaps(second) is overlap and second.overlaps(first) is overlap
    schedule = SpaChargeSchedule(100, 100, (first, second, OFF))
    problems = [p for p in schedule.problems() if "overlaps" in p]
    assert bool(problems) is overlap


def test_disabled_slots_may_overlap():
    schedule = MixChargeSchedule(100, 100, False, (slot((1, 0), (3, 0)), slot((2, 0), (4, 0), False), OFF))
    assert schedule.is_valid


def test_midnight_crossing_slot():
    night = slot((23, 0), (2, 0))
    assert night.crosses_midnight and night.duration_minutes() == 180
    assert night.contains(T(0, 30)) and night.contains(T(23, 0)) and not night.contains(T(2, 0))
    MixChargeSchedule(100, 100, True, (night, OFF, OFF)).validate()


# ---------------------------------------------------------------- property-based round trips

times = st.builds(T, st.integers(0, 23), st.integers(0, 59))
slots = st.builds(TimeSlot, times, times, st.booleans())
three_slots = st.tuples(slots, slots, slots)
percent = st.integers(0, 100)
any_schedule = st.one_of(
    st.builds(MixChargeSchedule, percent, percent, st.booleans(), three_slots),
    st.builds(MixDischargeSchedule, percent, percent, three_slots),
    st.builds(SpaChargeSchedule, percent, percent, three_slots),
)
valid_schedule = any_schedule.filter(lambda s: s.is_valid)


@given(valid_schedule)
def test_params_round_trip(schedule):
    params = schedule.to_params()
    assert len(params) == schedule.PARAM_COUNT
    assert all(isinstance(p, str) for p in params)
    assert type(schedule).from_params(params) == schedule
    assert schedule_from_params(schedule.SETTING_TYPE, params) == schedule


@given(valid_schedule)
def test_build_send_read_back_parse_round_trip(schedule):
    """What the server stores for our write ("H:M" unpadded) parses back to the same value,
    also when the bean carries every other real field around it."""
    bean = {**fixture_json("mix_set_params")["obj"]["mixBean"], **schedule_to_bean_fields(schedule)}
    assert type(schedule).from_mix_bean(bean) == schedule
    for key, value in schedule_to_bean_fields(schedule).items():
        if "Time" in key:
            hour, minute = value.split(":")
            assert str(int(hour)) == hour and str(int(minute)) == minute  # unpadded like the server


@given(valid_schedule)
def test_unpadded_params_are_equivalent(schedule):
    unpadded = [str(int(p)) for p in schedule.to_params()]
    assert type(schedule).from_params(unpadded) == schedule


@given(any_schedule)
def test_invalid_schedules_are_never_sent(schedule):
    assume(not schedule.is_valid)
    with pytest.raises(ScheduleError):
        schedule.to_params()


@given(any_schedule)
def test_validity_matches_the_rules(schedule):
    enabled = [s for s in schedule.slots if s.enabled]
    empty = any(s.start == s.end for s in enabled)
    minutes = [
        {m for m in range(24 * 60) if s.contains(T(m // 60, m % 60))} for s in enabled
    ]
    overlapping = any(a & b for i, a in enumerate(minutes) for b in minutes[i + 1:])
    assert schedule.is_valid is (not empty and not overlapping)


@given(st.lists(st.one_of(st.text(max_size=4), st.integers(-5, 100), st.none()), min_size=17, max_size=18))
def test_from_params_raises_only_schedule_error(params):
    for cls in (MixChargeSchedule, MixDischargeSchedule, SpaChargeSchedule):
        try:
            cls.from_params(params)
        except ScheduleError:
            pass


@given(st.dictionaries(st.sampled_from(sorted(schedule_to_bean_fields(MixChargeSchedule(
    1, 1, True, (OFF, OFF, OFF))))), st.one_of(st.text(max_size=6), st.none(), st.integers())))
def test_from_mix_bean_raises_only_schedule_error(changes):
    bean = {**fixture_json("mix_set_params")["obj"]["mixBean"], **changes}
    try:
        MixChargeSchedule.from_mix_bean(bean)
    except ScheduleError:
        pass


def test_schedules_are_frozen():
    schedule = MixDischargeSchedule(100, 10, (OFF, OFF, OFF))
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.stop_soc = 20
