"""The settings pages against the simulator: real HTTP through our growatt client and AccountLink.

Each form's write must change the simulator's state, the read-back shown in the UI must show it,
and in simulated time the battery must follow the new schedule.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from growatt import GrowattApi
from plants.models import Plant
from settings_ui.models import Acknowledgement, SettingChange
from settings_ui.tests.test_schedule_flow import hidden_fields

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture
def growatt_sim_options():
    # A frozen clock at 00:00 UTC: 01:00 on a November night in Berlin, 11:00 in Sydney.
    return {"speed": 0, "start": "2026-11-25T00:00:00Z"}


@pytest.fixture
def web(client, owner, synced_account):
    Acknowledgement.accept(owner)
    client.force_login(owner)
    return client


@pytest.fixture
def api(growatt_sim):
    """Our own client on the simulator, to watch the battery (not the app's session)."""
    client = GrowattApi(server_url=growatt_sim.url, timeout=10)
    client.login("demo", "demo")
    return client


def plant_of(account, growatt_id) -> Plant:
    return Plant.objects.get(account=account, growatt_id=growatt_id)


def confirm_schedule(web, plant, device, slug, data) -> SettingChange:
    edit = web.get(reverse("settings_ui:schedule_edit", args=[plant.pk, device.pk, slug]))
    assert edit.context["current"].source == "growatt"
    data = {**data, "fingerprint": edit.context["form"].initial["fingerprint"]}
    preview = web.post(reverse("settings_ui:schedule_preview", args=[plant.pk, device.pk, slug]), data)
    assert b"Exactly what will be sent" in preview.content, preview.content.decode()[:2000]
    confirm = web.post(reverse("settings_ui:schedule_confirm", args=[plant.pk, device.pk, slug]),
                       hidden_fields(preview.content.decode()))
    assert confirm.status_code == 302
    return SettingChange.objects.order_by("pk").last()


def window(start: str, end: str, soc: int, power: int = 100, ac: bool = True) -> dict:
    data = {"power": str(power), "stop_soc": str(soc), "slot1_enabled": "on", "slot1_start": start,
            "slot1_end": end, "slot2_start": "", "slot2_end": "", "slot3_start": "", "slot3_end": ""}
    if ac:
        data["ac_charge"] = "on"
    return data


def watch(growatt_sim, api, read, tz, until_local: dt.datetime, step: int = 300) -> list[dict]:
    """Step simulated time 5 minutes at a time and read the battery after each step."""
    seen = []
    while growatt_sim.clock.now().astimezone(tz) < until_local:
        growatt_sim.clock.advance(step)
        local = growatt_sim.clock.now().astimezone(tz)
        seen.append({"at": local.replace(tzinfo=None), **read(api)})
    return seen


def mix_status(plant_id, serial):
    def read(api):
        status = api.mix_system_status(serial, plant_id)
        return {"soc": float(status["SOC"]), "charge": float(status["chargePower"]),
                "discharge": float(status["pdisCharge1"])}

    return read


def test_mix_charge_schedule_changes_the_simulator_and_the_battery_charges_in_the_window(
        web, synced_account, growatt_sim, api):
    plant = plant_of(synced_account, "1001001")
    mix = plant.devices.get(serial="SPH6A1B001")
    read = mix_status("1001001", "SPH6A1B001")
    soc_before = read(api)["soc"]
    stop = int(min(95, soc_before + 25))

    entry = confirm_schedule(web, plant, mix, "charge", window("02:00", "05:00", stop))
    assert (entry.outcome, entry.readback) == ("success", "matched"), entry.message
    bean = growatt_sim.world.beans["SPH6A1B001"]
    assert (bean["forcedChargeTimeStart1"], bean["forcedChargeTimeStop1"], bean["forcedChargeStopSwitch1"]) == (
        "2:0", "5:0", "1")
    assert (bean["wchargeSOCLowLimit2"], bean["acChargeEnable"], bean["chargePowerCommand"]) == (
        str(stop), "1", "100")

    # The overview reads the schedule back from the simulator and shows it.
    overview = web.get(reverse("settings_ui:schedules", args=[plant.pk]))
    charge = overview.context["cards"][0]["currents"][0]
    assert charge.source == "growatt" and charge.value["stop_soc"] == stop
    assert charge.value["slots"][0] == {"start": "02:00", "end": "05:00", "enabled": True}
    assert "02:00" in overview.content.decode()

    seen = watch(growatt_sim, api, read, BERLIN, dt.datetime(2026, 11, 25, 6, 30, tzinfo=BERLIN))
    before = [s for s in seen if s["at"].time() < dt.time(2, 0)]
    inside = [s for s in seen if dt.time(2, 5) <= s["at"].time() < dt.time(5, 0)]
    after = [s for s in seen if s["at"].time() >= dt.time(5, 5)]
    assert all(s["charge"] == 0 for s in before), before  # a winter night: nothing charges before 02:00
    assert inside[0]["charge"] > 0 and inside[0]["soc"] > soc_before - 1  # charging from the grid
    assert max(s["soc"] for s in seen) <= stop + 1  # never beyond the stop SOC
    assert any(abs(s["soc"] - stop) <= 1 and s["charge"] == 0 for s in inside)  # reached it, then stopped
    assert all(s["charge"] == 0 for s in after)  # the window is over


def test_mix_discharge_schedule_discharges_in_the_window_down_to_the_floor(
        web, synced_account, growatt_sim, api):
    plant = plant_of(synced_account, "1001001")
    mix = plant.devices.get(serial="SPH6A1B001")
    read = mix_status("1001001", "SPH6A1B001")
    # First fill the battery a bit (02:00–04:00), then discharge 04:00–06:00 down to a floor.
    soc_before = read(api)["soc"]
    confirm_schedule(web, plant, mix, "charge", window("02:00", "04:00", int(min(90, soc_before + 30))))
    floor = int(max(10, soc_before + 5))
    entry = confirm_schedule(web, plant, mix, "discharge", window("04:00", "06:00", floor, ac=False))
    assert (entry.outcome, entry.readback) == ("success", "matched")
    bean = growatt_sim.world.beans["SPH6A1B001"]
    assert (bean["forcedDischargeTimeStart1"], bean["wdisChargeSOCLowLimit2"]) == ("4:0", str(floor))

    seen = watch(growatt_sim, api, read, BERLIN, dt.datetime(2026, 11, 25, 6, 30, tzinfo=BERLIN))
    inside = [s for s in seen if dt.time(4, 5) <= s["at"].time() < dt.time(6, 0)]
    assert inside[0]["discharge"] > 0
    assert min(s["soc"] for s in inside) >= floor - 1
    assert any(abs(s["soc"] - floor) <= 1 and s["discharge"] == 0 for s in inside)


def test_spa_charge_schedule_changes_the_simulator_and_the_battery_charges_in_the_window(
        web, synced_account, growatt_sim, api):
    plant = plant_of(synced_account, "1001003")
    spa = plant.devices.get(serial="SPA3C3D004")

    def read(api):
        status = api.mix_system_status("SPA3C3D004", "1001003")
        return {"soc": float(status["SOC"]), "charge": float(status["chargePower"])}

    # Evening in Sydney (no sun left to fill the battery): charge 20:00–23:00 at half power.
    growatt_sim.clock.set("2026-11-25T08:00:00Z")  # 19:00 AEDT
    soc_before = read(api)["soc"]
    stop = int(min(95, soc_before + 20))
    entry = confirm_schedule(web, plant, spa, "spa-charge", window("20:00", "23:00", stop, power=50, ac=False))
    assert (entry.outcome, entry.readback) == ("success", "matched"), entry.message
    assert len(entry.params) == 17
    bean = growatt_sim.world.beans["SPA3C3D004"]
    assert (bean["forcedChargeTimeStart1"], bean["chargePowerCommand"], bean["wchargeSOCLowLimit2"]) == (
        "20:0", "50", str(stop))
    overview = web.get(reverse("settings_ui:schedules", args=[plant.pk]))
    current = overview.context["cards"][0]["currents"][0]
    assert current.source == "growatt" and current.value["power"] == 50 and current.value["stop_soc"] == stop

    seen = watch(growatt_sim, api, read, SYDNEY, dt.datetime(2026, 11, 25, 23, 30, tzinfo=SYDNEY))
    before = [s for s in seen if s["at"].time() < dt.time(20, 0)]
    inside = [s for s in seen if dt.time(20, 5) <= s["at"].time() < dt.time(23, 0)]
    assert all(s["charge"] == 0 for s in before)
    assert inside[0]["charge"] > 0
    assert max(s["soc"] for s in seen) <= stop + 1
    assert any(abs(s["soc"] - stop) <= 1 and s["charge"] == 0 for s in inside)


def test_clock_is_set_on_the_simulated_inverter(web, synced_account, growatt_sim):
    plant = plant_of(synced_account, "1001001")
    mix = plant.devices.get(serial="SPH6A1B001")
    preview = web.post(reverse("settings_ui:clock_preview", args=[plant.pk, mix.pk]))
    web.post(reverse("settings_ui:clock_confirm", args=[plant.pk, mix.pk]), hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.get()
    assert (entry.outcome, entry.readback) == ("success", "matched")
    assert growatt_sim.world.beans["SPH6A1B001"]["pf_sys_year"] == entry.params[0]
    page = web.get(reverse("settings_ui:clock", args=[plant.pk, mix.pk]))
    assert page.context["clock"]["inverter"] == dt.datetime.strptime(entry.params[0], "%Y-%m-%d %H:%M:%S")


def test_plant_settings_change_the_simulator_and_the_local_plant(web, synced_account, growatt_sim):
    plant = plant_of(synced_account, "1001001")
    page = web.get(reverse("settings_ui:plant_settings", args=[plant.pk]))
    form = page.context["form"]
    data = {name: "" if form[name].value() is None else str(form[name].value()) for name in form.fields}
    data.update({"name": "Berlin Hybrid (garage)", "income_per_kwh": "0.31", "city": "Berlin-Mitte"})
    preview = web.post(reverse("settings_ui:plant_settings_preview", args=[plant.pk]), data)
    assert {row["field"] for row in preview.context["rows"]} == {"plantName", "plantIncome", "plantCity"}
    web.post(reverse("settings_ui:plant_settings_confirm", args=[plant.pk]), hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.get()
    assert (entry.outcome, entry.readback) == ("success", "matched"), entry.message
    sim_plant = growatt_sim.world.plants["1001001"]
    assert sim_plant.setting("plantName") == "Berlin Hybrid (garage)" and sim_plant.setting("city") == "Berlin-Mitte"
    plant.refresh_from_db()
    assert plant.name == "Berlin Hybrid (garage)" and plant.money_per_kwh == pytest.approx(0.31)


def test_a_serial_growatt_refuses_is_rejected_with_inv_set_failure(web, synced_account, growatt_sim):
    """The neighbour's inverter: the simulator refuses the write as the real server does."""
    plant = plant_of(synced_account, "1001001")
    mix = plant.devices.get(serial="SPH6A1B001")
    mix.serial = "SPH5E5F006"  # a mix inverter of another Growatt account
    mix.save()
    edit = web.get(reverse("settings_ui:schedule_edit", args=[plant.pk, mix.pk, "charge"]))
    assert b"Could not read the current schedule from Growatt" in edit.content
    preview = web.post(reverse("settings_ui:schedule_preview", args=[plant.pk, mix.pk, "charge"]),
                       window("02:00", "05:00", 80))
    response = web.post(reverse("settings_ui:schedule_confirm", args=[plant.pk, mix.pk, "charge"]),
                        hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.get()
    assert entry.outcome == "rejected" and entry.reply == {"success": False, "msg": "inv_set_failure"}
    assert "inv_set_failure" in web.get(response.url).content.decode()
    assert growatt_sim.world.beans.get("SPH5E5F006", {}).get("wchargeSOCLowLimit2") != "80"


def test_a_write_that_times_out_is_unknown_then_read_back_and_checked_again(
        web, synced_account, growatt_sim, settings):
    plant = plant_of(synced_account, "1001001")
    mix = plant.devices.get(serial="SPH6A1B001")
    edit = web.get(reverse("settings_ui:schedule_edit", args=[plant.pk, mix.pk, "charge"]))
    data = {**window("03:00", "04:00", 77), "fingerprint": edit.context["form"].initial["fingerprint"]}
    preview = web.post(reverse("settings_ui:schedule_preview", args=[plant.pk, mix.pk, "charge"]), data)
    # The next settings write answers only after 3 s; growattweb waits 0.5 s.
    settings.GROWATT_REQUEST_TIMEOUT = 0.5
    growatt_sim.faults["latency"] = {"seconds": 3, "paths": ["newTcpsetAPI.do"]}
    response = web.post(reverse("settings_ui:schedule_confirm", args=[plant.pk, mix.pk, "charge"]),
                        hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.get()
    assert entry.outcome == "unknown" and entry.reply["error"] == "timeout"
    assert entry.readback in ("differs", "matched")  # it was read back right away, not skipped
    page = web.get(response.url).content.decode()
    assert "Outcome unknown." in page and "did not send it again" in page
    assert growatt_sim.stats()["requestsPerEndpoint"].get("newTcpsetAPI.do?op=mixSetApiNew") == 1  # once

    # The server did act on it (late): "Check again" now finds the new values.
    deadline = time.monotonic() + 15
    while growatt_sim.world.beans["SPH6A1B001"].get("wchargeSOCLowLimit2") != "77":
        assert time.monotonic() < deadline, "the delayed write never reached the simulator"
        time.sleep(0.1)
    growatt_sim.faults.clear()
    settings.GROWATT_REQUEST_TIMEOUT = 5
    web.post(reverse("settings_ui:audit_recheck", args=[plant.pk, entry.pk]))
    entry.refresh_from_db()
    assert entry.readback == "matched"
    assert "the read-back shows the new values" in web.get(response.url).content.decode().lower()


def test_a_locked_account_sends_nothing_and_says_so(web, synced_account, growatt_sim):
    plant = plant_of(synced_account, "1001001")
    mix = plant.devices.get(serial="SPH6A1B001")
    growatt_sim.lock_account("demo")
    growatt_sim.expire_sessions("demo")
    edit = web.get(reverse("settings_ui:schedule_edit", args=[plant.pk, mix.pk, "charge"]))
    assert edit.status_code == 200 and "locked this account" in edit.content.decode()
    preview = web.post(reverse("settings_ui:schedule_preview", args=[plant.pk, mix.pk, "charge"]),
                       window("02:00", "05:00", 80))
    assert preview.status_code == 200
    response = web.post(reverse("settings_ui:schedule_confirm", args=[plant.pk, mix.pk, "charge"]),
                        hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.get()
    assert entry.outcome == "error" and "locked this account" in entry.message
    assert "Not sent." in web.get(response.url).content.decode()
    assert not any(key.startswith("newTcpsetAPI.do") for key in growatt_sim.stats()["requestsPerEndpoint"])
