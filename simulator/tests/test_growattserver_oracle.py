"""The PyPI package growattServer 1.5.0 (a test-only oracle) against the simulator.

Every one of its 24 public methods must return plausible, non-empty data
without raising, for every device kind it applies to.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import growattServer
import pytest
import time_machine
from growattServer import Timespan

from simulator import SimulatorServer

from .helpers import DEMO_DEVICES, DEMO_PLANTS

# A midsummer late morning in UTC: every demo plant is on the same calendar
# date as the test machine (growattServer's default ``date`` is the machine's).
INSTANT = datetime(2026, 6, 21, 11, 0, tzinfo=ZoneInfo("UTC"))

# Every public method of growattServer 1.5.0 and the tests below that exercise it.
METHODS = {
    "login": "test_login",
    "plant_list": "test_plant_list",
    "plant_detail": "test_plant_detail",
    "plant_info": "test_plant_info_device_list_inverter_list",
    "device_list": "test_plant_info_device_list_inverter_list",
    "inverter_list": "test_plant_info_device_list_inverter_list",
    "get_plant_settings": "test_get_plant_settings",
    "update_plant_settings": "test_update_plant_settings",
    "dashboard_data": "test_dashboard_data",
    "inverter_data": "test_inverter_data",
    "inverter_detail": "test_inverter_detail",
    "inverter_detail_two": "test_inverter_detail",
    "tlx_data": "test_tlx_data",
    "tlx_detail": "test_tlx_detail",
    "mix_info": "test_mix_info",
    "mix_totals": "test_mix_totals",
    "mix_system_status": "test_mix_system_status",
    "mix_detail": "test_mix_detail",
    "storage_detail": "test_storage_detail_and_params",
    "storage_params": "test_storage_detail_and_params",
    "storage_energy_overview": "test_storage_energy_overview",
    "update_inverter_setting": "test_update_inverter_setting",
    "update_mix_inverter_setting": "test_update_mix_inverter_setting",
    "update_ac_inverter_setting": "test_update_ac_inverter_setting",
}

MIX_FAMILY = [sn for sn, (kind, _) in DEMO_DEVICES.items() if kind in ("mix", "spa")]


def devices_of(kind):
    return [(sn, pid) for sn, (k, pid) in DEMO_DEVICES.items() if k == kind]


@pytest.fixture(scope="module")
def oracle():
    with time_machine.travel(INSTANT, tick=True), SimulatorServer(seed=1) as sim:
        api = growattServer.GrowattApi(add_random_user_id=True)
        api.server_url = sim.url
        login = api.login("demo", "demo")
        yield sim, api, login


def num(text) -> float:
    """A numeric value as the client would read it ("9.3", 9.3)."""
    return float(str(text).replace("kWh", "").replace("%", "").strip())


def test_every_public_method_is_covered():
    public = {
        name for name in vars(growattServer.GrowattApi)
        if not name.startswith("_") and callable(getattr(growattServer.GrowattApi, name)) and name != "get_url"
    }
    assert public == set(METHODS)
    assert len(public) == 24
    names = {name for name in globals() if name.startswith("test_")}
    assert set(METHODS.values()) <= names


def test_login(oracle):
    _, _, login = oracle
    assert login["success"] is True
    assert login["userId"] == login["user"]["id"] == 1500001
    assert login["userLevel"] == 1
    assert [p["plantId"] for p in login["data"]] == list(DEMO_PLANTS)
    assert login["user"]["accountName"] == "demo"


def test_plant_list(oracle):
    _, api, login = oracle
    back = api.plant_list(login["userId"])
    assert back["success"] is True
    assert [p["plantId"] for p in back["data"]] == list(DEMO_PLANTS)
    for plant in back["data"]:
        assert plant["todayEnergy"].endswith("Wh")
        assert plant["totalEnergy"].split()[1] in ("kWh", "MWh")
        assert plant["plantName"]
    total = back["totalData"]
    assert total["todayEnergySum"].endswith("kWh")
    assert total["isHaveStorage"] == "true"


@pytest.mark.parametrize("plant_id", DEMO_PLANTS)
def test_plant_detail(oracle, plant_id):
    _, api, _ = oracle
    day = api.plant_detail(plant_id, Timespan.day)
    assert day["success"] is True
    assert day["data"], "intraday curve must not be empty"
    assert day["plantData"]["plantId"] == plant_id
    month = api.plant_detail(plant_id, Timespan.month)
    assert len(month["data"]) == 30
    assert sum(num(v) for v in month["data"].values()) > 0
    assert month["plantData"]["currentEnergy"].endswith("kWh")


@pytest.mark.parametrize("plant_id", DEMO_PLANTS)
def test_plant_info_device_list_inverter_list(oracle, plant_id):
    _, api, _ = oracle
    info = api.plant_info(plant_id)
    assert info["plantMoneyText"].count("/") == 1
    value, currency = info["plantMoneyText"].split("/")
    assert float(value) >= 0 and currency
    assert float(info["totalEnergy"]) > 0
    devices = api.device_list(plant_id)
    assert devices and devices == info["deviceList"]
    expected = {sn for sn, (_, pid) in DEMO_DEVICES.items() if pid == plant_id}
    assert {d["deviceSn"] for d in devices} == expected
    for d in devices:
        assert d["deviceType"] == DEMO_DEVICES[d["deviceSn"]][0]
        assert "deviceAilas" in d
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert api.inverter_list(plant_id) == devices


@pytest.mark.parametrize("plant_id", DEMO_PLANTS)
def test_get_plant_settings(oracle, plant_id):
    _, api, _ = oracle
    settings = api.get_plant_settings(plant_id)
    for key in ("formulaCoal", "formulaSo2", "userAccount", "id", "country", "plantType", "formulaMoneyStr",
                "plantAddress", "timezone", "plant_lng", "city", "formulaCo2", "formulaMoneyUnitId",
                "nominalPower", "plant_lat", "createDateText", "plantName"):
        assert key in settings
    assert str(settings["id"]) == plant_id
    assert isinstance(settings["timezone"], int)


def test_update_plant_settings(oracle):
    _, api, _ = oracle
    reply = api.update_plant_settings("1001002", {"plantName": "London Terrace (renamed)"})
    assert reply["success"] is True
    assert api.get_plant_settings("1001002")["plantName"] == "London Terrace (renamed)"
    current = api.get_plant_settings("1001002")
    assert api.update_plant_settings("1001002", {"plantName": "London Terrace"}, current)["success"] is True


@pytest.mark.parametrize("plant_id", DEMO_PLANTS)
def test_dashboard_data(oracle, plant_id):
    _, api, _ = oracle
    hour = api.dashboard_data(plant_id)
    assert hour["chartData"]
    assert hour["etouser"].endswith("kWh") and hour["ratio1"].endswith("%")
    assert float(hour["etouser"].replace("kWh", "")) >= 0
    day = api.dashboard_data(plant_id, Timespan.day)
    assert len(day["chartData"]) == 30
    month = api.dashboard_data(plant_id, Timespan.month)
    assert list(month["chartData"]) == [f"{m:02d}" for m in range(1, 13)]
    assert num(month["eCharge"]) >= num(day["eCharge"]) > 0


@pytest.mark.parametrize(("sn", "plant_id"), devices_of("inverter"))
def test_inverter_data(oracle, sn, plant_id):
    _, api, _ = oracle
    data = api.inverter_data(sn)
    assert data["invPacData"], "a sunny midsummer afternoon in Sydney... is winter, but not dark all day"
    assert float(data["eToday"]) > 0 and float(data["eTotal"]) > float(data["eToday"])
    yesterday = api.inverter_data(sn, datetime(2026, 6, 20))
    assert yesterday["invPacData"] and all(k.startswith("2026-06-20 ") for k in yesterday["invPacData"])


@pytest.mark.parametrize(("sn", "plant_id"), devices_of("inverter"))
def test_inverter_detail(oracle, sn, plant_id):
    _, api, _ = oracle
    detail = api.inverter_detail(sn)
    assert detail["powerTotal"] > detail["powerToday"] > 0
    assert detail["vacr"] > 200 and 49 < detail["fac"] < 51
    two = api.inverter_detail_two(sn)
    assert two["data"]["powerToday"] == detail["powerToday"]


@pytest.mark.parametrize(("sn", "plant_id"), devices_of("tlx"))
def test_tlx_data(oracle, sn, plant_id):
    _, api, _ = oracle
    data = api.tlx_data(sn)
    assert data["invPacData"] and float(data["eToday"]) > 0


@pytest.mark.parametrize(("sn", "plant_id"), devices_of("tlx"))
def test_tlx_detail(oracle, sn, plant_id):
    _, api, _ = oracle
    data = api.tlx_detail(sn)["data"]
    assert data["eacToday"] > 0 and data["eacTotal"] > data["eacToday"]
    assert 0 <= data["bmsSoc"] <= 100
    assert data["ppv"] > 0  # noon-ish in London


@pytest.mark.parametrize("sn", MIX_FAMILY)
def test_mix_info(oracle, sn):
    _, api, _ = oracle
    plant_id = DEMO_DEVICES[sn][1]
    info = api.mix_info(sn)
    assert info == api.mix_info(sn, plant_id)
    assert 0 <= float(info["capacity"]) <= 100
    assert info["soc"].endswith("%")
    assert float(info["eBatChargeTotal"]) > 0


@pytest.mark.parametrize("sn", MIX_FAMILY)
def test_mix_totals(oracle, sn):
    _, api, _ = oracle
    totals = api.mix_totals(sn, DEMO_DEVICES[sn][1])
    assert float(totals["elocalLoadToday"]) > 0
    assert float(totals["elocalLoadTotal"]) > float(totals["elocalLoadToday"])
    assert totals["unit"]


@pytest.mark.parametrize("sn", MIX_FAMILY)
def test_mix_system_status(oracle, sn):
    _, api, _ = oracle
    status = api.mix_system_status(sn, DEMO_DEVICES[sn][1])
    assert status["unit"] == "kW"
    assert 0 <= float(status["SOC"]) <= 100
    assert float(status["pLocalLoad"]) > 0
    assert status["lost"].endswith(".status.normal")


@pytest.mark.parametrize("sn", MIX_FAMILY)
def test_mix_detail(oracle, sn):
    _, api, _ = oracle
    plant_id = DEMO_DEVICES[sn][1]
    detail = api.mix_detail(sn, plant_id)
    assert detail["chartData"]
    last = sorted(detail["chartData"])[-1]
    datetime.strptime(last, "%H:%M")  # what Home Assistant does with it
    assert set(detail["chartData"][last]) == {"pacToGrid", "pacToUser", "pdischarge", "ppv", "sysOut"}
    assert float(detail["elocalLoad"]) > 0
    month = api.mix_detail(sn, plant_id, Timespan.day)
    assert len(month["chartData"]) == 30
    year = api.mix_detail(sn, plant_id, Timespan.month)
    assert len(year["chartData"]) == 12


@pytest.mark.parametrize(("sn", "plant_id"), devices_of("storage"))
def test_storage_detail_and_params(oracle, sn, plant_id):
    _, api, _ = oracle
    detail = api.storage_detail(sn)
    assert 0 <= float(detail["capacity"]) <= 100
    assert float(detail["epvTotal"]) > 0
    bean = api.storage_params(sn)["storageDetailBean"]
    assert float(bean["capacity"]) == float(detail["capacity"])
    assert float(bean["vBat"]) > 40


@pytest.mark.parametrize(("sn", "plant_id"), devices_of("storage"))
def test_storage_energy_overview(oracle, sn, plant_id):
    _, api, _ = oracle
    overview = api.storage_energy_overview(plant_id, sn)
    assert float(overview["useEnergyTotal"]) > float(overview["useEnergyToday"]) > 0
    assert overview["eToGridToday"] == "0"  # off-grid


def _charge_params(start_h, end_h, stop_soc="90"):
    return ["100", stop_soc, "1", f"{start_h:02d}", "00", f"{end_h:02d}", "00", "1",
            "00", "00", "00", "00", "0", "00", "00", "00", "00", "0"]


def test_update_mix_inverter_setting(oracle):
    sim, api, _ = oracle
    reply = api.update_mix_inverter_setting("SPH6A1B001", "mix_ac_charge_time_period", _charge_params(1, 5))
    assert reply == {"success": True, "msg": "inv_set_success"}
    bean = api.session.get(api.get_url("newMixApi.do"),
                           params={"op": "getMixSetParams", "serialNum": "SPH6A1B001", "kind": 0}).json()
    mix = bean["obj"]["mixBean"]
    assert (mix["forcedChargeTimeStart1"], mix["forcedChargeTimeStop1"]) == ("1:0", "5:0")
    assert mix["wchargeSOCLowLimit2"] == "90" and mix["acChargeEnable"] == "1"
    bad = api.update_mix_inverter_setting("SPH6A1B001", "mix_ac_charge_time_period", _charge_params(1, 25))
    assert bad == {"success": False, "msg": "inv_set_failure"}
    clock = api.update_mix_inverter_setting("SPH6A1B001", "pf_sys_year", ["21/06/2026 12:00"])
    assert clock == {"success": False, "msg": "inv_set_time_format"}


def test_update_ac_inverter_setting(oracle):
    _, api, _ = oracle
    params = ["80", "95", "2", "0", "4", "30", "1"] + ["0"] * 10
    reply = api.update_ac_inverter_setting("SPA3C3D004", "spa_ac_charge_time_period", params)
    assert reply == {"success": True, "msg": "inv_set_success"}
    reply = api.update_ac_inverter_setting("SPA3C3D004", "pf_sys_year", ["2026-06-21 13:00:00"])
    assert reply["success"] is True


def test_update_inverter_setting(oracle):
    _, api, _ = oracle
    defaults = {"op": "tlxSet", "serialNum": "MIN4B2C002", "type": "charge_stop_soc"}
    reply = api.update_inverter_setting("MIN4B2C002", "charge_stop_soc", defaults, ["95"])
    assert reply == {"success": True, "msg": "inv_set_success"}
    reply = api.update_inverter_setting("MIN4B2C002", "charge_stop_soc", defaults, {"param1": "5"})
    assert reply == {"success": False, "msg": "inv_set_failure"}


def test_other_accounts_devices_are_invisible(oracle):
    _, api, _ = oracle
    assert api.inverter_data("SPH5E5F006") == {"msg": "501", "success": False}
    assert api.mix_info("SPH5E5F006") is None
    assert api.storage_energy_overview("1002001", "SPH5E5F006") is None


def test_history_sixty_days_back(oracle):
    _, api, _ = oracle
    day = datetime(2026, 6, 21) - timedelta(days=60)
    for sn in MIX_FAMILY:
        detail = api.mix_detail(sn, DEMO_DEVICES[sn][1], Timespan.hour, day)
        assert len(detail["chartData"]) == 288
    month = api.plant_detail("1001001", Timespan.month, day)
    assert sum(float(v) for v in month["data"].values()) > 0
