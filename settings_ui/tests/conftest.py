"""Fixtures for the settings pages: a plant with a hybrid (mix) and an AC-coupled (spa) inverter,
and Growatt faked at the one seam the app uses (``AccountLink.call`` / ``AccountLink.write``).

The fake starts from real-shaped replies (``growatt/tests/fixtures``) and stores writes the way
the server does (``growatt.schedules.params_to_bean_fields``), so a write is visible in the next
read-back. It rejects what the simulator and the inverter reject (``inv_set_failure``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from growatt import DeviceNotFound, SettingRejected
from growatt.schedules import ScheduleError, params_to_bean_fields, schedule_from_params
from plants.growatt_link import AccountLink
from plants.models import Device, GrowattAccount, Plant, PlantMembership, Role

FIXTURES = Path(__file__).resolve().parents[2] / "growatt" / "tests" / "fixtures"

PLANT_KEYS = {  # updatePlant multipart field -> getPlant key
    "plantCoal": "formulaCoal", "plantSo2": "formulaSo2", "plantCountry": "country", "plantType": "plantType",
    "plantIncome": "formulaMoneyStr", "plantAddress": "plantAddress", "plantTimezone": "timezone",
    "plantLng": "plant_lng", "plantCity": "city", "plantCo2": "formulaCo2", "plantMoney": "formulaMoneyUnitId",
    "plantPower": "nominalPower", "plantLat": "plant_lat", "plantDate": "createDateText", "plantName": "plantName",
}


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


class FakeGrowatt:
    """Growatt as seen through AccountLink: reads answer from state, writes change it."""

    def __init__(self):
        bean = load("mix_set_params.json")["obj"]["mixBean"]
        self.beans: dict[str, dict] = {"SPH0000001": copy.deepcopy(bean), "SPA0000002": copy.deepcopy(bean)}
        self.plant_settings: dict[str, dict] = {}
        self.calls: list[tuple] = []
        self.writes: list[tuple] = []
        self.no_readback: set[str] = set()  # serials whose settings Growatt cannot show (the spa case)
        self.read_error: Exception | None = None  # raised by every read while set
        self.next_write_error: Exception | None = None  # raised once by the next write
        self.apply_writes = True  # False: accept but do not store (inverter not applied yet)

    # --- reads ----------------------------------------------------------------------
    def call(self, method, *args, **kwargs):
        self.calls.append((method, args))
        if self.read_error is not None:
            raise self.read_error
        if method == "get_mix_inverter_settings":
            serial = args[0]
            if serial in self.no_readback or serial not in self.beans:
                raise DeviceNotFound("no settings for this serial", msg="501")
            return {"mixBean": copy.deepcopy(self.beans[serial])}
        if method == "get_plant_settings":
            return copy.deepcopy(self.plant_settings[str(args[0])])
        raise AssertionError(f"unexpected read {method}")

    # --- writes ---------------------------------------------------------------------
    def write(self, method, *args, **kwargs):
        self.writes.append((method, args))
        if self.next_write_error is not None:
            error, self.next_write_error = self.next_write_error, None
            raise error
        if method in ("update_mix_inverter_setting", "update_ac_inverter_setting"):
            serial, setting_type, params = args
            assert all(isinstance(p, str) for p in params), params
            if setting_type != "pf_sys_year":
                try:
                    schedule_from_params(setting_type, params).validate()
                except ScheduleError:
                    raise SettingRejected("rejected", msg="inv_set_failure") from None
            try:
                fields = params_to_bean_fields(setting_type, params)
            except ScheduleError:
                raise SettingRejected("rejected", msg="inv_set_time_format") from None
            if self.apply_writes:
                self.beans.setdefault(serial, {}).update(fields)
            return {"success": True, "msg": "inv_set_success"}
        if method == "update_plant_settings":
            plant_id, changed, current = args
            assert isinstance(current, dict)
            if self.apply_writes:
                for field, value in changed.items():
                    self.plant_settings[str(plant_id)][PLANT_KEYS[field]] = value
            return {"success": True, "msg": ""}
        raise AssertionError(f"unexpected write {method}")

    def sent_params(self) -> list[list[str]]:
        return [args[2] for method, args in self.writes if method != "update_plant_settings"]


@pytest.fixture
def fake_growatt(monkeypatch):
    fake = FakeGrowatt()
    monkeypatch.setattr(AccountLink, "call", lambda self, method, *a, **k: fake.call(method, *a, **k))
    monkeypatch.setattr(AccountLink, "write", lambda self, method, *a, **k: fake.write(method, *a, **k))
    return fake


@pytest.fixture
def plant(db, owner, fake_growatt):
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url="http://growatt.invalid/",
                                            username="olivia-growatt", password="secret")
    plant = Plant.objects.create(account=account, growatt_id="2016929", name="Home", timezone="Europe/Berlin")
    settings = load("plant_settings.json")
    fake_growatt.plant_settings[plant.growatt_id] = settings
    Device.objects.create(plant=plant, serial="SPH0000001", alias="SPH garage", kind=Device.Kind.MIX)
    Device.objects.create(plant=plant, serial="SPA0000002", alias="SPA cellar", kind=Device.Kind.SPA)
    Device.objects.create(plant=plant, serial="MIC0000003", alias="Roof", kind=Device.Kind.INVERTER)
    return plant


@pytest.fixture
def mix(plant):
    return plant.devices.get(kind=Device.Kind.MIX)


@pytest.fixture
def spa(plant):
    return plant.devices.get(kind=Device.Kind.SPA)


@pytest.fixture
def shared(plant, viewer, editor):
    PlantMembership.objects.create(plant=plant, user=viewer, role=Role.VIEWER)
    PlantMembership.objects.create(plant=plant, user=editor, role=Role.EDITOR)
    return plant


@pytest.fixture
def acknowledged(owner):
    from settings_ui.models import Acknowledgement

    Acknowledgement.accept(owner)
    return owner


@pytest.fixture
def owner_client(client, owner, acknowledged):
    client.force_login(owner)
    return client


def slot_data(n, start="", end="", on=False) -> dict:
    data = {f"slot{n}_start": start, f"slot{n}_end": end}
    if on:
        data[f"slot{n}_enabled"] = "on"
    return data


def charge_data(power="80", soc="90", ac=True, slots=(("23:30", "05:30", True),), **extra) -> dict:
    data = {"power": power, "stop_soc": soc}
    if ac:
        data["ac_charge"] = "on"
    for n in (1, 2, 3):
        start, end, on = slots[n - 1] if n <= len(slots) else ("", "", False)
        data.update(slot_data(n, start, end, on))
    data.update(extra)
    return data
