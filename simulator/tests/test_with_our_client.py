"""Our own client (growatt/) against the simulator: data flows, and every fault mode arrives
as the right typed exception."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

import growatt
from growatt import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattApi,
    GrowattError,
    GrowattTimeout,
    GrowattTransportError,
    SessionExpired,
    SettingRejected,
    UnexpectedReply,
)
from simulator import SimulatorServer

from .helpers import DEMO_PLANTS, set_local

START = "2026-06-21T10:00:00Z"
TODAY = dt.date(2026, 6, 21)


@pytest.fixture
def growatt_sim_options():
    return {"start": START, "speed": 0, "login_allowance": 5}


@pytest.fixture
def api(growatt_sim):
    client = GrowattApi(server_url=growatt_sim.url, timeout=5)
    client.login("demo", "demo")
    return client


def mix_info(api):
    return api.mix_info("SPH6A1B001", "1001001")


# -- the happy path ---------------------------------------------------------------------


def test_a_sync_cycle_over_every_device_kind(growatt_sim, api):
    plants = api.plant_list(api.user_id)["data"]
    assert [p["plantId"] for p in plants] == list(DEMO_PLANTS)
    seen = set()
    for plant_id in DEMO_PLANTS:
        assert api.dashboard_data(plant_id, date=TODAY)["chartData"]
        assert api.plant_detail(plant_id, growatt.api.Timespan.month, TODAY)["data"]
        assert api.get_plant_settings(plant_id)["id"] == int(plant_id)
        for device in api.device_list(plant_id):
            sn, kind = device["deviceSn"], device["deviceType"]
            seen.add(kind)
            if kind in ("mix", "spa"):
                assert api.mix_system_status(sn, plant_id)["unit"] == "kW"
                assert api.mix_detail(sn, plant_id, date=TODAY)["chartData"]
                assert api.mix_totals(sn, plant_id)["elocalLoadToday"]
                assert api.mix_info(sn)["soc"].endswith("%")
            elif kind == "tlx":
                assert api.tlx_data(sn, TODAY)["invPacData"]
                assert api.tlx_detail(sn)["data"]["eacToday"] > 0
            elif kind == "inverter":
                assert api.inverter_data(sn, TODAY)["invPacData"]
                assert api.inverter_detail(sn)["powerToday"] >= 0
                assert api.inverter_detail_two(sn)["data"]
            elif kind == "storage":
                assert api.storage_detail(sn)["capacity"]
                assert api.storage_params(sn)["storageDetailBean"]
                assert api.storage_energy_overview(plant_id, sn)["epvTotal"]
    assert seen == {"mix", "tlx", "inverter", "spa", "storage"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert api.inverter_list("1001003")


def test_schedules_round_trip_through_the_simulator(api):
    from growatt.schedules import MixChargeSchedule, MixDischargeSchedule, SpaChargeSchedule, TimeSlot

    t = dt.time
    charge = MixChargeSchedule(100, 80, True, (TimeSlot(t(1, 0), t(5, 0), True), TimeSlot(t(23, 0), t(0, 30), True),
                                              TimeSlot.off()))
    assert api.apply_schedule("SPH6A1B001", charge)["success"] is True
    bean = api.get_mix_inverter_settings("SPH6A1B001")["mixBean"]
    assert MixChargeSchedule.from_mix_bean(bean) == charge
    discharge = MixDischargeSchedule(90, 20, (TimeSlot(t(17, 0), t(19, 0), True), TimeSlot.off(), TimeSlot.off()))
    api.apply_schedule("SPH6A1B001", discharge)
    assert MixDischargeSchedule.from_mix_bean(api.get_mix_inverter_settings("SPH6A1B001")["mixBean"]) == discharge
    spa = SpaChargeSchedule(60, 95, (TimeSlot(t(2, 15), t(4, 45), True), TimeSlot.off(), TimeSlot.off()))
    api.apply_schedule("SPA3C3D004", spa)
    assert SpaChargeSchedule.from_mix_bean(api.get_mix_inverter_settings("SPA3C3D004")["mixBean"]) == spa


def test_inverter_clock_round_trip(api):
    api.set_inverter_time("SPH6A1B001", dt.datetime(2026, 6, 21, 12, 0, 5))
    assert api.get_mix_inverter_settings("SPH6A1B001")["mixBean"]["sysTime"] == "2026-06-21 12:00:05"


def test_exported_session_works_in_another_client(growatt_sim, api):
    other = GrowattApi(server_url=growatt_sim.url)
    other.import_session(api.export_session())
    assert other.mix_info("SPH6A1B001")["soc"]
    assert growatt_sim.stats()["logins"] == 1


# -- login failures ----------------------------------------------------------------------


@pytest.mark.parametrize(("username", "password"), [("demo", "wrong"), ("nobody", "x")])
def test_bad_credentials(growatt_sim, username, password):
    with pytest.raises(BadCredentials) as info:
        GrowattApi(server_url=growatt_sim.url).login(username, password)
    assert info.value.msg == "502" and info.value.retryable is False


def test_lockout_is_account_locked_for_24_hours(growatt_sim):
    client = GrowattApi(server_url=growatt_sim.url)
    for _ in range(5):
        client.login("demo", "demo")
    with pytest.raises(AccountLocked) as info:
        client.login("demo", "demo")
    assert info.value.lock_duration_hours == 24
    assert info.value.locked_until is not None
    assert "locked" in (info.value.server_text or "")


def test_control_lock_is_account_locked(growatt_sim):
    growatt_sim.lock_account("demo")
    with pytest.raises(AccountLocked):
        GrowattApi(server_url=growatt_sim.url).login("demo", "demo")


def test_missing_user_agent_is_blocked(growatt_sim):
    client = GrowattApi(agent_identifier="", server_url=growatt_sim.url)
    with pytest.raises(Blocked) as info:
        client.login("demo", "demo")
    assert info.value.status == 403


# -- sessions -----------------------------------------------------------------------------


def test_expired_session_is_session_expired(growatt_sim, api):
    growatt_sim.clock.advance(24 * 3600 + 1)
    with pytest.raises(SessionExpired):
        mix_info(api)
    assert api.is_logged_in is False


def test_expired_session_on_plant_list_is_session_expired(growatt_sim, api):
    growatt_sim.expire_sessions()
    with pytest.raises(SessionExpired):
        api.plant_list(api.user_id)


def test_expired_session_on_a_post_is_session_expired(growatt_sim, api):
    growatt_sim.expire_sessions("demo")
    with pytest.raises(SessionExpired):
        api.mix_system_status("SPH6A1B001", "1001001")


def test_error500_flavour_of_expiry_is_session_expired():
    with SimulatorServer(start=START, speed=0, expired_mode="error500") as sim:
        client = GrowattApi(server_url=sim.url)
        client.login("demo", "demo")
        sim.expire_sessions()
        with pytest.raises(SessionExpired):
            mix_info(client)


def test_relogin_after_expiry_works(growatt_sim, api):
    growatt_sim.expire_sessions()
    with pytest.raises(SessionExpired):
        mix_info(api)
    api.login("demo", "demo")
    assert mix_info(api)["soc"]


# -- injected faults ---------------------------------------------------------------------


def test_http_500_is_a_transport_error(growatt_sim, api):
    growatt_sim.faults["http_500"] = {"next": 1}
    with pytest.raises(GrowattTransportError) as info:
        mix_info(api)
    assert info.value.status == 500 and not isinstance(info.value, GrowattTimeout)
    assert info.value.retryable is True
    assert mix_info(api)["soc"]


def test_waf_405_is_blocked(growatt_sim, api):
    growatt_sim.faults["waf_405"] = {"next": 1}
    with pytest.raises(Blocked) as info:
        mix_info(api)
    assert info.value.status == 405
    assert "blocked" in info.value.server_text


def test_session_drop_is_session_expired(growatt_sim, api):
    growatt_sim.faults["session_drop"] = {"next": 1}
    with pytest.raises(SessionExpired):
        api.plant_info("1001001")


def test_malformed_json_is_an_unexpected_reply(growatt_sim, api):
    growatt_sim.faults["malformed_json"] = {"next": 1}
    with pytest.raises(UnexpectedReply):
        mix_info(api)


def test_dropped_connection_is_a_transport_error(growatt_sim, api):
    growatt_sim.faults["drop_connection"] = {"next": 1}
    with pytest.raises(GrowattTransportError) as info:
        mix_info(api)
    assert info.value.status is None


def test_latency_beyond_the_timeout_is_a_timeout(growatt_sim, api):
    api.timeout = 0.2
    growatt_sim.faults["latency"] = {"seconds": 1.0, "accounts": ["demo"]}
    with pytest.raises(GrowattTimeout) as info:
        mix_info(api)
    assert info.value.connect_timeout is False
    del growatt_sim.faults["latency"]


def test_stale_today_comes_through_as_data(growatt_sim, api):
    set_local(growatt_sim, "1001001", dt.date(2026, 6, 21), 23, 57)
    yesterday = api.mix_totals("SPH6A1B001", "1001001")["elocalLoadToday"]
    growatt_sim.faults["stale_today"] = True
    growatt_sim.clock.advance(300)
    assert api.mix_totals("SPH6A1B001", "1001001")["elocalLoadToday"] == yesterday


# -- refused requests ---------------------------------------------------------------------


def test_unknown_or_foreign_devices_are_device_not_found(api):
    with pytest.raises(DeviceNotFound):
        api.inverter_data("SPH5E5F006")  # the neighbour's inverter
    with pytest.raises(DeviceNotFound):
        api.mix_info("MIN4B2C002")  # a tlx is not a mix: obj null
    with pytest.raises(DeviceNotFound):
        api.storage_energy_overview("1001004", "NOSUCHSN01")
    with pytest.raises(DeviceNotFound):
        api.plant_info("1002001")
    with pytest.raises(DeviceNotFound):
        api.get_mix_inverter_settings("MIC3C3D003")


def test_refused_settings_are_setting_rejected(api):
    with pytest.raises(SettingRejected) as info:
        api.update_mix_inverter_setting("SPH6A1B001", "mix_ac_charge_time_period", ["101"] + ["0"] * 17)
    assert info.value.msg == "inv_set_failure"
    with pytest.raises(SettingRejected) as info:
        api.update_mix_inverter_setting("SPH6A1B001", "pf_sys_year", ["21.06.2026 12:00"])
    assert info.value.msg == "inv_set_time_format"
    with pytest.raises(SettingRejected):
        api.update_ac_inverter_setting("SPH6A1B001", "spa_ac_charge_time_period", ["100"] * 17)


def test_unknown_op_is_an_unexpected_reply(api):
    with pytest.raises(UnexpectedReply) as info:
        api._whole("GET", "newMixApi.do", params={"op": "getUserServerUrl"})
    assert info.value.status == 400


def test_every_fault_is_a_growatt_error(growatt_sim, api):
    for name in ("http_500", "waf_405", "session_drop", "malformed_json", "drop_connection"):
        growatt_sim.faults[name] = {"next": 1}
        with pytest.raises(GrowattError):
            mix_info(api)
        if name == "session_drop":
            api.login("demo", "demo")
    assert set(growatt_sim.stats()["faultsInjected"]) == {"http_500", "waf_405", "session_drop", "malformed_json",
                                                           "drop_connection"}
