"""Browser tests of the settings pages: fill, see inline errors, preview, confirm, see success.

Growatt is faked at the AccountLink seam (the live server runs in this process), so every
request the pages would send is captured in ``fake_growatt.writes``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from settings_ui.models import SettingChange
from tests.browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def schedules_url(live_server, plant):
    return f"{live_server.url}/settings/plants/{plant.pk}/schedules/"


def test_charge_schedule_fill_errors_preview_confirm_success(live_server, page, login_as, owner, plant, mix,
                                                             fake_growatt):
    login_as(page, owner)
    page.goto(schedules_url(live_server, plant))
    expect(page.get_by_role("heading", name="Battery schedules")).to_be_visible()
    shot(page, "settings-schedules-desktop")
    page.locator(f"#device-{mix.pk}").get_by_role("link", name="Edit AC charge schedule").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("AC charge schedule")

    # Wrong first: too much power, overlapping windows, no acknowledgement.
    page.fill("#id_power", "120")
    page.fill("#id_stop_soc", "90")
    page.check("#id_slot1_enabled")
    page.fill("#id_slot1_start", "23:30")
    page.fill("#id_slot1_end", "05:30")
    page.check("#id_slot2_enabled")
    page.fill("#id_slot2_start", "04:00")
    page.fill("#id_slot2_end", "06:00")
    # the live timeline draws window 1 over midnight as two bars, plus window 2
    expect(page.locator(".timeline-live .tl-bars rect")).to_have_count(3)
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_text("Ensure this value is less than or equal to 100.")).to_be_visible()
    expect(page.get_by_text(re.compile("Window 2 .* overlaps window 1"))).to_be_visible()
    expect(page.get_by_text("Tick the box to confirm you have read this.")).to_be_visible()
    expect(page.locator("#id_slot1_start")).to_have_value("23:30")  # nothing typed is lost
    shot(page, "settings-charge-errors-desktop")

    page.fill("#id_power", "80")
    page.uncheck("#id_slot2_enabled")
    page.check("#id_acknowledge")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_role("heading", name="Exactly what will be sent")).to_be_visible()
    expect(page.get_by_text("Window 1 runs over midnight")).to_be_visible()
    expect(page.locator(".st-request")).to_contain_text(
        "type=mix_ac_charge_time_period&param1=80&param2=90&param3=1&param4=23&param5=30&param6=05&param7=30&param8=1")
    shot(page, "settings-charge-preview-desktop")
    assert fake_growatt.writes == []

    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    expect(page.get_by_text("Growatt accepted the change and now shows the new values.")).to_be_visible()
    shot(page, "settings-charge-result-desktop")
    assert len(fake_growatt.writes) == 1
    assert SettingChange.objects.get().readback == "matched"

    page.get_by_role("link", name="Battery schedules").last.click()
    expect(page.locator(".st-sched").first).to_contain_text("23:30")
    expect(page.locator(".st-sched").first).to_contain_text("80")


def test_discharge_schedule_in_the_browser(live_server, page, login_as, acknowledged, plant, mix, fake_growatt):
    login_as(page, acknowledged)
    page.goto(f"{live_server.url}/settings/plants/{plant.pk}/devices/{mix.pk}/discharge/")
    page.fill("#id_power", "60")
    page.fill("#id_stop_soc", "")
    page.check("#id_slot1_enabled")
    page.fill("#id_slot1_start", "17:00")
    page.fill("#id_slot1_end", "17:00")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_text(re.compile("Window 1 would start and end at 17:00"))).to_be_visible()
    page.fill("#id_stop_soc", "20")
    page.fill("#id_slot1_end", "20:00")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator(".st-request")).to_contain_text("type=mix_ac_discharge_time_period&param1=60&param2=20")
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    assert fake_growatt.beans["SPH0000001"]["forcedDischargeTimeStop1"] == "20:0"


def test_spa_schedule_in_the_browser(live_server, page, login_as, acknowledged, plant, spa, fake_growatt):
    fake_growatt.no_readback.add(spa.serial)
    login_as(page, acknowledged)
    page.goto(schedules_url(live_server, plant))
    expect(page.get_by_text("Growatt gives no read-back of this inverter's schedule.")).to_be_visible()
    page.goto(f"{live_server.url}/settings/plants/{plant.pk}/devices/{spa.pk}/spa-charge/")
    expect(page.locator("#id_ac_charge")).to_have_count(0)
    page.fill("#id_stop_soc", "-5")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_text("Ensure this value is greater than or equal to 0.")).to_be_visible()
    page.fill("#id_stop_soc", "85")
    page.check("#id_slot1_enabled")
    page.fill("#id_slot1_start", "01:00")
    page.fill("#id_slot1_end", "04:00")
    page.get_by_role("button", name="Preview the change").click()
    expect(page.locator(".st-request")).to_contain_text("op=spaSetApi")
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Accepted.")).to_be_visible()  # accepted; Growatt cannot show it back
    page.goto(schedules_url(live_server, plant))
    expect(page.get_by_text("the values last applied through growattweb")).to_be_visible()


def test_plant_settings_in_the_browser(live_server, page, login_as, acknowledged, plant, fake_growatt):
    login_as(page, acknowledged)
    page.goto(f"{live_server.url}/settings/plants/{plant.pk}/")
    expect(page.locator("#id_name")).to_have_value("Home")
    shot(page, "settings-plant-form-desktop")
    page.fill("#id_name", "Sunny Cottage")
    page.fill("#id_latitude", "95")
    page.fill("#id_installed_on", "2031-01-01")
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.get_by_text("Ensure this value is less than or equal to 90.")).to_be_visible()
    expect(page.get_by_text("The installation date cannot be in the future.")).to_be_visible()
    expect(page.locator("#id_name")).to_have_value("Sunny Cottage")
    page.fill("#id_latitude", "52.205")
    page.fill("#id_installed_on", "2021-05-03")
    page.get_by_role("button", name="Preview the changes").click()
    rows = page.locator(".st-compare tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sunny Cottage")
    shot(page, "settings-plant-preview-desktop")
    page.get_by_role("button", name="Save on Growatt").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    assert fake_growatt.plant_settings["2016929"]["plantName"] == "Sunny Cottage"


def test_inverter_clock_in_the_browser(live_server, page, login_as, acknowledged, plant, mix, fake_growatt):
    login_as(page, acknowledged)
    page.goto(schedules_url(live_server, plant))
    page.get_by_role("link", name="Set the inverter clock").first.click()
    expect(page.get_by_text("ahead of plant time").or_(page.get_by_text("behind plant time"))).to_be_visible()
    shot(page, "settings-clock-desktop")
    page.get_by_role("button", name="Set the inverter to plant time…").click()
    expect(page.locator(".st-request")).to_contain_text("type=pf_sys_year&param1=")
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    method, (serial, setting, params) = fake_growatt.writes[0]
    assert setting == "pf_sys_year" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", params[0])


def test_rejection_and_revert_in_the_browser(live_server, page, login_as, acknowledged, plant, mix, fake_growatt):
    from growatt import SettingRejected

    login_as(page, acknowledged)
    edit = f"{live_server.url}/settings/plants/{plant.pk}/devices/{mix.pk}/charge/"
    page.goto(edit)
    page.fill("#id_stop_soc", "70")
    page.get_by_role("button", name="Preview the change").click()
    fake_growatt.next_write_error = SettingRejected("rejected", msg="inv_set_failure")
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Rejected.")).to_be_visible()
    expect(page.get_by_text(re.compile("The inverter refused these values"))).to_be_visible()
    shot(page, "settings-rejected-desktop")

    page.goto(edit)
    page.fill("#id_stop_soc", "75")
    page.get_by_role("button", name="Preview the change").click()
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Done.")).to_be_visible()

    page.goto(f"{live_server.url}/settings/plants/{plant.pk}/audit/")
    expect(page.locator(".st-log tbody tr")).to_have_count(2)
    shot(page, "settings-audit-log-desktop")
    page.get_by_role("link", name="Revert…").first.click()
    expect(page.get_by_text("This puts back the values from before the change")).to_be_visible()
    page.get_by_role("button", name="Send to the inverter").click()
    expect(page.get_by_text("Done.")).to_be_visible()
    assert fake_growatt.beans["SPH0000001"]["wchargeSOCLowLimit2"] == "100"


def test_viewer_sees_no_edit_controls(live_server, page, login_as, viewer, shared, mix, fake_growatt):
    login_as(page, viewer)
    page.goto(schedules_url(live_server, shared))
    expect(page.locator(".st-sched").first).to_be_visible()
    expect(page.get_by_text("only the owner and editors can change them")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Edit "))).to_have_count(0)
    expect(page.get_by_role("link", name="Set the inverter clock")).to_have_count(0)
    expect(page.get_by_role("link", name="Plant settings")).to_have_count(0)
    shot(page, "settings-schedules-viewer-desktop")
    page.goto(f"{live_server.url}/settings/plants/{shared.pk}/audit/")
    expect(page.get_by_role("link", name="Revert…")).to_have_count(0)
    response = page.goto(f"{live_server.url}/settings/plants/{shared.pk}/devices/{mix.pk}/charge/")
    assert response.status == 403


def test_phone_layouts(live_server, phone_page, login_as, owner, plant, mix, fake_growatt):
    login_as(phone_page, owner)
    phone_page.goto(schedules_url(live_server, plant))
    shot(phone_page, "settings-schedules-phone")
    phone_page.goto(f"{live_server.url}/settings/plants/{plant.pk}/devices/{mix.pk}/charge/")
    phone_page.check("#id_slot1_enabled")
    phone_page.fill("#id_slot1_start", "22:00")
    phone_page.fill("#id_slot1_end", "22:00")
    phone_page.get_by_role("button", name="Preview the change").click()
    expect(phone_page.get_by_text(re.compile("would start and end at 22:00"))).to_be_visible()
    shot(phone_page, "settings-charge-errors-phone")
    phone_page.fill("#id_slot1_end", "04:00")
    phone_page.check("#id_acknowledge")
    phone_page.get_by_role("button", name="Preview the change").click()
    expect(phone_page.get_by_role("heading", name="Exactly what will be sent")).to_be_visible()
    shot(phone_page, "settings-charge-preview-phone")
    phone_page.get_by_role("button", name="Send to the inverter").click()
    expect(phone_page.get_by_text("Done.")).to_be_visible()
    shot(phone_page, "settings-charge-result-phone")
    phone_page.goto(f"{live_server.url}/settings/plants/{plant.pk}/audit/")
    shot(phone_page, "settings-audit-log-phone")
    phone_page.goto(f"{live_server.url}/settings/plants/{plant.pk}/")
    shot(phone_page, "settings-plant-form-phone")
    # nothing wider than the screen
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width
