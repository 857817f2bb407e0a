"""Browser test of sharing a plant with family, against the Growatt simulator.

The owner invites a family member, who signs up through the link and sees the dashboard
without any edit control; a POST to a schedule URL is refused (403). The owner makes them an
editor and they change a battery schedule; the owner removes them and the plant is gone (404).
Screenshots of each page at 1280 px and 360 px land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from plants.models import Device, Plant, PlantMembership, Role
from tests.browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

def csrf_post(page, url: str):
    """POST from the browser's own session with a valid CSRF token, as a hand-made request would."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    return page.request.post(url, form={"csrfmiddlewaretoken": token}, headers={"X-CSRFToken": token},
                             max_redirects=0)


@pytest.fixture
def hybrid_plant(synced_account) -> Plant:
    """A plant of the demo account with a hybrid (mix) inverter, whose schedules can be edited."""
    device = Device.objects.filter(plant__account=synced_account, kind=Device.Kind.MIX).select_related("plant").first()
    assert device is not None, "the simulator's demo scenario has a mix inverter"
    return device.plant


def test_family_member_is_invited_signs_up_is_promoted_then_removed(live_server, page, browser,
                                                                    browser_context_args, login_as, owner,
                                                                    hybrid_plant):
    plant = hybrid_plant
    mix = plant.devices.get(kind=Device.Kind.MIX)
    base = live_server.url

    # The owner invites a family member as a viewer and copies the link.
    login_as(page, owner)
    page.goto(base + reverse("plant_share", args=[plant.pk]))
    shot(page, "sharing-share-empty-desktop")
    page.fill("#id_who", "sam@example.com")
    page.select_option("#id_role", "viewer")
    page.get_by_role("button", name="Create invitation").click()
    expect(page.locator(".message-success")).to_contain_text("Invitation for sam@example.com created and emailed")
    link = page.locator("#new-link-url").input_value()
    assert re.fullmatch(re.escape(base) + r"/invite/[A-Za-z0-9_-]{40,}/", link)
    expect(page.locator("[data-invitation='sam@example.com']")).to_be_visible()
    shot(page, "sharing-share-invited-desktop")

    # The family member opens the link in their own browser and signs up.
    member_context = browser.new_context(**browser_context_args)
    member = member_context.new_page()
    member.goto(link)
    expect(member.locator("h1")).to_have_text("You're invited")
    expect(member.locator("#id_email")).to_have_value("sam@example.com")
    shot(member, "sharing-invitation-signup-desktop")
    member.fill("#id_username", "sam")
    member.fill("#id_password1", "sunflower-tea-42")
    member.fill("#id_password2", "sunflower-tea-42")
    member.get_by_role("button", name="Create account and accept").click()

    # They land on the plant's dashboard, as a viewer: no edit control anywhere.
    expect(member.locator("h1")).to_have_text(plant.name)
    expect(member.locator(".message-success")).to_contain_text("as viewer")
    tabs = member.locator("nav.tabs")
    expect(tabs.get_by_role("link", name="Plant settings")).to_have_count(0)
    expect(tabs.get_by_role("link", name="Sharing")).to_have_count(0)
    expect(member.locator("main form[method=post]")).to_have_count(0)  # no timezone form, no write forms
    shot(member, "sharing-member-dashboard-desktop")
    tabs.get_by_role("link", name="Your access").click()
    expect(member.locator("main")).to_contain_text(f"{owner.username} shares this plant with you as viewer")
    shot(member, "sharing-member-access-desktop")
    member.goto(base + reverse("settings_ui:schedules", args=[plant.pk]))
    expect(member.locator("main a[href*='/charge/']")).to_have_count(0)
    expect(member.locator("main form[method=post]")).to_have_count(0)
    shot(member, "sharing-member-schedules-desktop")

    # A hand-made POST to a schedule URL is refused, CSRF token and all.
    schedule_preview = base + reverse("settings_ui:schedule_preview", args=[plant.pk, mix.pk, "charge"])
    refused = csrf_post(member, schedule_preview)
    assert refused.status == 403, refused.status
    assert "CSRF" not in refused.text()
    edit_page = member.goto(base + reverse("settings_ui:schedule_edit", args=[plant.pk, mix.pk, "charge"]))
    assert edit_page.status == 403

    # The owner makes them an editor.
    page.reload()
    row = page.locator("[data-member='sam']")
    row.locator("select[name=role]").select_option("editor")
    row.get_by_role("button", name="Change").click()
    expect(page.locator(".message-success")).to_contain_text("sam is now editor")
    assert PlantMembership.objects.get(plant=plant, user__username="sam").role == Role.EDITOR

    # Now they can change the battery's charge schedule: edit, acknowledge, preview, confirm.
    member.goto(base + reverse("settings_ui:schedules", args=[plant.pk]))
    member.locator(f"a[href='{reverse('settings_ui:schedule_edit', args=[plant.pk, mix.pk, 'charge'])}']").click()
    member.fill("#id_stop_soc", "90")
    acknowledge = member.locator("input[name=acknowledge]")
    if acknowledge.count():
        acknowledge.check()
    member.get_by_role("button", name="Preview the change").click()
    expect(member.locator("form.st-confirm")).to_be_visible()
    shot(member, "sharing-editor-preview-desktop")
    member.get_by_role("button", name="Send to the inverter").click()
    expect(member.locator(".message-success, .notice-ok").first).to_be_visible()
    from settings_ui.models import SettingChange

    change = SettingChange.objects.get(plant=plant)
    assert change.user.username == "sam" and change.new_value["stop_soc"] == 90

    # The owner removes them; the plant disappears from their world.
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-member='sam']").get_by_role("button", name="Remove").click()
    expect(page.locator(".message-success")).to_contain_text("sam no longer has access")
    gone = member.goto(base + reverse("plant_detail", args=[plant.pk]))
    assert gone.status == 404
    member.goto(base + "/")
    expect(member.locator("main")).not_to_contain_text(plant.name)
    member_context.close()


def test_share_and_invitation_pages_on_a_phone(live_server, phone_page, login_as, owner, viewer, hybrid_plant):
    from plants import sharing

    plant = hybrid_plant
    PlantMembership.objects.create(plant=plant, user=viewer, role=Role.VIEWER)
    sharing.invite(plant, created_by=owner, role=Role.EDITOR, email="grandpa@example.com")
    sharing.create_kiosk_link(plant, label="Kitchen tablet", created_by=owner)
    _, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="aunt@example.com")
    phone_page.goto(live_server.url + reverse("invitation_accept", args=[token]))
    expect(phone_page.locator("#id_email")).to_have_value("aunt@example.com")
    shot(phone_page, "sharing-invitation-signup-phone")
    login_as(phone_page, owner)
    phone_page.goto(live_server.url + reverse("plant_share", args=[plant.pk]))
    expect(phone_page.locator("[data-member='victor']")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the share page scrolls sideways on a phone ({width} px)"
    shot(phone_page, "sharing-share-phone")


def test_kiosk_link_shows_the_dashboard_without_login(live_server, page, phone_page, owner, hybrid_plant):
    from plants import sharing

    plant = hybrid_plant
    _, token = sharing.create_kiosk_link(plant, label="Kitchen tablet", created_by=owner)
    page.goto(live_server.url + reverse("kiosk", args=[token]))
    expect(page.locator("h1")).to_have_text(plant.name)
    expect(page.locator("[data-chart-url]")).to_have_attribute("data-chart-state", re.compile("ready|empty"))
    body = page.locator("body").inner_text()
    for serial in plant.devices.values_list("serial", flat=True):
        assert serial not in body
    shot(page, "sharing-kiosk-desktop")
    phone_page.goto(live_server.url + reverse("kiosk", args=[token]))
    expect(phone_page.locator("h1")).to_have_text(plant.name)
    shot(phone_page, "sharing-kiosk-phone")
