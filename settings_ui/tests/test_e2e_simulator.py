"""A browser against the live server and the simulator: the demo's Berlin hybrid, end to end."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from plants.models import Plant
from settings_ui.models import Acknowledgement
from tests.browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def growatt_sim_options():
    return {"speed": 0, "start": "2026-11-25T00:00:00Z"}


def test_demo_charge_schedule_end_to_end(live_server, page, phone_page, login_as, owner, synced_account,
                                         growatt_sim):
    Acknowledgement.accept(owner)
    plant = Plant.objects.get(account=synced_account, growatt_id="1001001")
    login_as(page, owner)
    page.goto(f"{live_server.url}/settings/plants/{plant.pk}/schedules/")
    expect(page.get_by_text("SPH 6000 garage")).to_be_visible()
    shot(page, "settings-demo-schedules-desktop")

    page.get_by_role("link", name="Edit AC charge schedule").click()
    page.fill("#id_stop_soc", "85")
    page.check("#id_slot1_enabled")
    page.fill("#id_slot1_start", "01:30")
    page.fill("#id_slot1_end", "05:00")
    page.check("#id_slot2_enabled")
    page.fill("#id_slot2_start", "23:00")
    page.fill("#id_slot2_end", "00:30")
    shot(page, "settings-demo-charge-edit-desktop")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_text("Window 2 runs over midnight")).to_be_visible()
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    shot(page, "settings-demo-charge-result-desktop")
    bean = growatt_sim.world.beans["SPH6A1B001"]
    assert (bean["forcedChargeTimeStart2"], bean["forcedChargeTimeStop2"], bean["wchargeSOCLowLimit2"]) == (
        "23:0", "0:30", "85")

    login_as(phone_page, owner)
    phone_page.goto(f"{live_server.url}/settings/plants/{plant.pk}/schedules/")
    expect(phone_page.locator(".st-sched").first).to_contain_text("23:00")
    shot(phone_page, "settings-demo-schedules-phone")
