"""Inverter settings and plant settings: writes, validation, read-back, effect on the physics."""

from __future__ import annotations

from datetime import date

import pytest

from .helpers import get, post, session, set_local


@pytest.fixture
def growatt_sim_options():
    return {"start": "2026-06-21T10:00:00Z", "speed": 0, "session_lifetime": 10**9}


@pytest.fixture
def demo(growatt_sim):
    return session(growatt_sim)


CHARGE = ["100", "80", "1", "01", "00", "05", "00", "1", "22", "30", "23", "45", "1", "00", "00", "00", "00", "0"]


def write(s, sim, op, sn, setting, params, how="query"):
    fields = {"op": op, "serialNum": sn, "type": setting}
    fields.update({f"param{i}": str(v) for i, v in enumerate(params, start=1)})
    if how == "query":
        r = s.post(sim.url + "newTcpsetAPI.do", params=fields)
    elif how == "form":
        r = s.post(sim.url + "newTcpsetAPI.do", data=fields)
    else:
        r = s.post(sim.url + "newTcpsetAPI.do", files={k: (None, v) for k, v in fields.items()})
    assert r.status_code == 200
    return r.json()


def mix_bean(s, sim, sn="SPH6A1B001"):
    reply = get(s, sim, "newMixApi.do", op="getMixSetParams", serialNum=sn, kind=0)
    assert reply["result"] == 1
    return reply["obj"]["mixBean"]


@pytest.mark.parametrize("how", ["query", "form", "multipart"])
def test_mix_charge_schedule_round_trip(growatt_sim, demo, how):
    assert write(demo, growatt_sim, "mixSetApiNew", "SPH6A1B001", "mix_ac_charge_time_period", CHARGE, how) == {
        "success": True, "msg": "inv_set_success"}
    bean = mix_bean(demo, growatt_sim)
    assert bean["chargePowerCommand"] == "100"
    assert bean["wchargeSOCLowLimit2"] == "80"
    assert bean["acChargeEnable"] == "1"
    assert [bean[f"forcedChargeTimeStart{n}"] for n in (1, 2, 3)] == ["1:0", "22:30", "0:0"]
    assert [bean[f"forcedChargeTimeStop{n}"] for n in (1, 2, 3)] == ["5:0", "23:45", "0:0"]
    assert [bean[f"forcedChargeStopSwitch{n}"] for n in (1, 2, 3)] == ["1", "1", "0"]
    assert bean["forcedChargeTimeStart6"] == "0:0"  # the bean has six slots, the write only three
    # the other mix (another account's) is untouched
    other = session(growatt_sim, "neighbour")
    assert mix_bean(other, growatt_sim, "SPH5E5F006")["forcedChargeStopSwitch1"] == "0"


def test_mix_discharge_schedule_round_trip(growatt_sim, demo):
    params = ["90", "25", "16", "0", "19", "30", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"]
    assert write(demo, growatt_sim, "mixSetApiNew", "SPH6A1B001", "mix_ac_discharge_time_period", params)["success"]
    bean = mix_bean(demo, growatt_sim)
    assert (bean["disChargePowerCommand"], bean["wdisChargeSOCLowLimit2"]) == ("90", "25")
    assert (bean["forcedDischargeTimeStart1"], bean["forcedDischargeTimeStop1"]) == ("16:0", "19:30")
    assert bean["forcedDischargeStopSwitch1"] == "1"


@pytest.mark.parametrize("params", [
    ["150"] + CHARGE[1:],  # power above 100 %
    CHARGE[:1] + ["101"] + CHARGE[2:],  # stop SOC above 100 %
    CHARGE[:2] + ["2"] + CHARGE[3:],  # AC switch not 0/1
    CHARGE[:3] + ["24"] + CHARGE[4:],  # hour 24
    CHARGE[:4] + ["60"] + CHARGE[5:],  # minute 60
    CHARGE[:3] + ["ab"] + CHARGE[4:],  # not a number
    CHARGE[:3] + ["-1"] + CHARGE[4:],  # negative
    CHARGE[:17],  # a parameter missing
    CHARGE[:3] + ["01", "00", "01", "00", "1"] + CHARGE[8:],  # empty enabled slot
    CHARGE[:3] + ["01", "00", "05", "00", "1", "04", "00", "06", "00", "1"] + CHARGE[13:],  # overlapping slots
])
def test_malformed_or_out_of_range_writes_are_refused(growatt_sim, demo, params):
    reply = write(demo, growatt_sim, "mixSetApiNew", "SPH6A1B001", "mix_ac_charge_time_period", params)
    assert reply == {"success": False, "msg": "inv_set_failure"}
    assert mix_bean(demo, growatt_sim)["forcedChargeStopSwitch1"] == "0"


@pytest.mark.parametrize(("op", "sn", "setting"), [
    ("spaSetApi", "SPH6A1B001", "mix_ac_charge_time_period"),  # wrong op for a MIX
    ("mixSetApiNew", "SPA3C3D004", "mix_ac_charge_time_period"),  # wrong op for an SPA
    ("mixSetApiNew", "SPH6A1B001", "no_such_setting"),
    ("mixSetApiNew", "SPH5E5F006", "mix_ac_charge_time_period"),  # someone else's inverter
    ("mixSetApiNew", "NOSUCHSN01", "mix_ac_charge_time_period"),
    ("inverterSet", "MIC3C3D003", "pv_on_off"),  # an op the simulator knows but does not implement
])
def test_writes_to_the_wrong_device_are_refused(growatt_sim, demo, op, sn, setting):
    assert write(demo, growatt_sim, op, sn, setting, CHARGE) == {"success": False, "msg": "inv_set_failure"}


@pytest.mark.parametrize("value", ["2026-06-21", "2026/06/21 12:00:00", "2026-13-01 00:00:00", "", "now"])
def test_bad_inverter_time_is_inv_set_time_format(growatt_sim, demo, value):
    reply = write(demo, growatt_sim, "mixSetApiNew", "SPH6A1B001", "pf_sys_year", [value])
    assert reply == {"success": False, "msg": "inv_set_time_format"}


def test_inverter_time_is_read_back_and_keeps_running(growatt_sim, demo):
    assert write(demo, growatt_sim, "mixSetApiNew", "SPH6A1B001", "pf_sys_year", ["2026-06-21 08:00:00"])["success"]
    assert mix_bean(demo, growatt_sim)["sysTime"] == "2026-06-21 08:00:00"
    growatt_sim.clock.advance(90)
    assert mix_bean(demo, growatt_sim)["sysTime"] == "2026-06-21 08:01:30"


def test_spa_schedule_reads_back_through_both_beans(growatt_sim, demo):
    params = ["60", "90", "0", "30", "4", "0", "1"] + ["0"] * 10
    assert write(demo, growatt_sim, "spaSetApi", "SPA3C3D004", "spa_ac_charge_time_period", params)["success"]
    bean = mix_bean(demo, growatt_sim, "SPA3C3D004")
    assert (bean["forcedChargeTimeStart1"], bean["forcedChargeTimeStop1"]) == ("0:30", "4:0")
    assert (bean["chargePowerCommand"], bean["wchargeSOCLowLimit2"]) == ("60", "90")
    spa = get(demo, growatt_sim, "newSpaApi.do", op="getSpaSetData", serialNum="SPA3C3D004")["obj"]["spaSetBean"]
    assert spa["forcedChargeTimeStart1"] == "0:30"


def test_tlx_settings_and_picky_segments(growatt_sim, demo):
    sn = "MIN4B2C002"
    assert write(demo, growatt_sim, "tlxSet", sn, "time_segment1", [1, 1, 0, 3, 0, 1])["success"]
    assert write(demo, growatt_sim, "tlxSet", sn, "time_segment2", [2, 2, 30, 4, 0, 1]) == {
        "success": False, "msg": "inv_set_failure"}, "segments must not overlap"
    assert write(demo, growatt_sim, "tlxSet", sn, "time_segment2", [2, 17, 0, 19, 0, 1])["success"]
    assert write(demo, growatt_sim, "tlxSet", sn, "charge_stop_soc", [95])["success"]
    assert write(demo, growatt_sim, "tlxSet", sn, "discharge_stop_soc", [5]) == {
        "success": False, "msg": "inv_set_failure"}
    bean = post(demo, growatt_sim, "newTlxApi.do", op="getTlxSetData", serialNum=sn)["obj"]["tlxSetBean"]
    assert [bean["time1Mode"], bean["forcedTimeStart1"], bean["forcedTimeStop1"], bean["forcedStopSwitch1"]] == [
        "1", "1:0", "3:0", "1"]
    assert [bean["time2Mode"], bean["forcedTimeStart2"]] == ["2", "17:0"]
    assert bean["wchargeSOCLowLimit"] == "95" and bean["wdisChargeSOCLowLimit"] == "10"


def test_pv_switch_and_power_limit_change_the_physics(growatt_sim, demo):
    sim = growatt_sim
    set_local(sim, "1001001", date(2026, 6, 22), 12, 0)

    def ppv():
        return float(post(demo, sim, "newMixApi.do", op="getSystemStatus_KW", mixId="SPH6A1B001",
                          plantId="1001001")["obj"]["ppv"])

    assert ppv() > 1.5
    assert write(demo, sim, "mixSetApiNew", "SPH6A1B001", "pv_active_p_rate", ["20"])["success"]
    sim.clock.advance(300)
    assert 0 < ppv() <= 6.0 * 0.2 + 0.01
    assert write(demo, sim, "mixSetApiNew", "SPH6A1B001", "pv_on_off", ["0"])["success"]
    sim.clock.advance(300)
    assert ppv() == 0
    assert mix_bean(demo, sim)["onOff"] == "0"
    assert write(demo, sim, "mixSetApiNew", "SPH6A1B001", "pv_on_off", ["1"])["success"]
    assert write(demo, sim, "mixSetApiNew", "SPH6A1B001", "pv_active_p_rate", ["100"])["success"]
    sim.clock.advance(300)
    assert ppv() > 1.5


def test_export_limit_caps_the_export(growatt_sim, demo):
    sim = growatt_sim
    set_local(sim, "1001002", date(2026, 6, 22), 12, 0)
    sn = "SPH6A1B001"
    assert write(demo, sim, "mixSetApiNew", sn, "backflow_setting", ["1", "10"])["success"]
    for _ in range(12):
        sim.clock.advance(300)
        status = post(demo, sim, "newMixApi.do", op="getSystemStatus_KW", mixId=sn, plantId="1001001")["obj"]
        assert float(status["pactogrid"]) <= 0.62 + 0.01  # 10 % of 6.2 kWp


def test_plant_settings_persist_and_show_everywhere(growatt_sim, demo):
    import growattServer

    api = growattServer.GrowattApi()
    api.server_url = growatt_sim.url
    api.login("demo", "demo")
    reply = api.update_plant_settings("1001001", {
        "plantName": "Berlin Hybrid II", "plantTimezone": "2", "plantMoney": "gbp", "plantIncome": "0.5",
        "plantCity": "Potsdam",
    })
    assert reply == {"success": True, "msg": ""}
    settings = api.get_plant_settings("1001001")
    assert settings["plantName"] == "Berlin Hybrid II"
    assert settings["timezone"] == 2 and settings["city"] == "Potsdam"
    assert settings["formulaMoneyUnitId"] == "gbp" and settings["formulaMoneyStr"] == "0.5"
    assert api.plant_info("1001001")["plantMoneyText"].endswith("/£")
    names = {p["plantId"]: p["plantName"] for p in api.plant_list(1500001)["data"]}
    assert names["1001001"] == "Berlin Hybrid II"
    assert api.login("demo", "demo")["data"][0]["plantName"] == "Berlin Hybrid II"


@pytest.mark.parametrize("changes", [{"plantTimezone": "27"}, {"plantLat": "95"}, {"plantPower": "-5"},
                                     {"plantName": ""}, {"plantDate": "yesterday"}])
def test_bad_plant_settings_are_refused(growatt_sim, changes):
    import growattServer

    api = growattServer.GrowattApi()
    api.server_url = growatt_sim.url
    api.login("demo", "demo")
    assert api.update_plant_settings("1001001", changes)["success"] is False
    assert api.get_plant_settings("1001001")["plantName"] == "Berlin Hybrid"


def test_plant_update_needs_every_field(growatt_sim, demo):
    r = demo.post(growatt_sim.url + "newTwoPlantAPI.do?op=updatePlant",
                  files={"plantID": (None, "1001001"), "plantName": (None, "Nope")})
    assert r.json()["success"] is False


def test_reset_restores_the_scenario(growatt_sim, demo):
    assert write(demo, growatt_sim, "mixSetApiNew", "SPH6A1B001", "mix_ac_charge_time_period", CHARGE)["success"]
    growatt_sim.reset()
    demo = session(growatt_sim)
    assert mix_bean(demo, growatt_sim)["forcedChargeStopSwitch1"] == "0"
