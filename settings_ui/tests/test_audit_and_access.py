"""The change log, revert, check-again, who may do what, and the query cost of the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from settings_ui.models import Acknowledgement, SettingChange
from settings_ui.tests.conftest import charge_data
from settings_ui.tests.test_plant_settings import form_data as plant_form_data
from settings_ui.tests.test_schedule_flow import hidden_fields, preview_and_confirm

pytestmark = pytest.mark.django_db


def url(name, plant, *args):
    return reverse(f"settings_ui:{name}", args=[plant.pk, *args])


@pytest.fixture
def two_changes(owner_client, plant, mix, fake_growatt):
    """The charge schedule changed twice: 100/100 (read from the fixture) → A → B."""
    preview_and_confirm(owner_client, plant, mix, "charge",
                        charge_data(power="70", soc="80", slots=(("01:00", "04:00", True),)))
    preview_and_confirm(owner_client, plant, mix, "charge",
                        charge_data(power="50", soc="60", slots=(("02:00", "05:00", True),)))
    return list(SettingChange.objects.order_by("pk"))


def test_log_lists_who_when_what_old_new_params_reply_and_read_back(owner_client, plant, two_changes):
    page = owner_client.get(url("audit_log", plant))
    html = page.content.decode()
    assert page.status_code == 200 and html.count("Read back ✓") == 2
    assert "olivia" in html
    assert "<s>80 %</s> → <strong>60 %</strong>" in html  # stop SOC of the second change, old → new
    assert "<s>01:00–04:00</s> → <strong>02:00–05:00</strong>" in html
    assert "50, 60, 1, 02, 00, 05, 00, 1" in html  # the exact params column
    detail = owner_client.get(url("audit_entry", plant, two_changes[1].pk)).content.decode()
    assert "inv_set_success" in detail and "param18" in detail and "Stop charging at SOC %" in detail


def test_revert_goes_through_the_same_preview_and_confirm(owner_client, plant, mix, two_changes, fake_growatt):
    second = two_changes[1]
    preview = owner_client.get(url("audit_revert", plant, second.pk))
    assert preview.status_code == 200 and b"Exactly what will be sent" in preview.content
    assert preview.context["reverts"] == second
    assert len(fake_growatt.writes) == 2  # the preview sent nothing

    owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), hidden_fields(preview.content.decode()))
    revert = SettingChange.objects.order_by("pk").last()
    assert revert.reverts == second and revert.new_value == second.old_value
    assert fake_growatt.writes[-1][1][2][:2] == ["70", "80"]
    assert revert.readback == "matched"
    assert b"revert" in owner_client.get(url("audit_log", plant)).content


def test_revert_of_plant_settings(owner_client, plant, fake_growatt):
    preview = owner_client.post(url("plant_settings_preview", plant), plant_form_data(city="Ely", name="Cottage"))
    owner_client.post(url("plant_settings_confirm", plant), hidden_fields(preview.content.decode()))
    change = SettingChange.objects.get()
    revert_preview = owner_client.get(url("audit_revert", plant, change.pk))
    rows = {row["field"]: (row["old"], row["new"]) for row in revert_preview.context["rows"]}
    assert rows == {"plantName": ("Cottage", "Home"), "plantCity": ("Ely", "Cambridge")}
    owner_client.post(url("plant_settings_confirm", plant), hidden_fields(revert_preview.content.decode()))
    assert fake_growatt.plant_settings["2016929"]["city"] == "Cambridge"
    assert SettingChange.objects.order_by("pk").last().reverts == change


def test_a_change_with_unknown_old_value_offers_no_revert(owner_client, plant, spa, fake_growatt):
    fake_growatt.no_readback.add(spa.serial)
    preview_and_confirm(owner_client, plant, spa, "spa-charge", charge_data(ac=False))
    entry = SettingChange.objects.get()
    assert not entry.can_revert
    response = owner_client.get(url("audit_revert", plant, entry.pk))
    assert response.status_code == 302 and fake_growatt.writes[1:] == []


def test_check_again_updates_the_read_back(owner_client, plant, mix, fake_growatt):
    fake_growatt.apply_writes = False  # accepted, but the inverter has not applied it yet
    preview_and_confirm(owner_client, plant, mix, "charge", charge_data())
    entry = SettingChange.objects.get()
    assert entry.readback == "differs"
    assert b"not visible yet" in owner_client.get(url("audit_entry", plant, entry.pk)).content

    fake_growatt.apply_writes = True
    method, args = fake_growatt.writes[0]
    fake_growatt.write(method, *args)  # ...now it has
    response = owner_client.post(url("audit_recheck", plant, entry.pk))
    entry.refresh_from_db()
    assert response.status_code == 302 and entry.readback == "matched"


def test_the_first_preview_needs_the_warning_also_for_revert(client, editor, shared, mix, two_changes,
                                                             fake_growatt):
    client.force_login(editor)
    page = client.get(url("audit_revert", shared, two_changes[1].pk))
    assert b"Before your first change" in page.content and b"Exactly what will be sent" not in page.content
    assert page.context["form"]["power"].value() == "70"


# --------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------


def change_urls(plant, mix, entry_pk):
    return [
        url("plant_settings_preview", plant), url("plant_settings_confirm", plant),
        url("schedule_preview", plant, mix.pk, "charge"), url("schedule_confirm", plant, mix.pk, "charge"),
        url("schedule_confirm", plant, mix.pk, "discharge"), url("clock_preview", plant, mix.pk),
        url("clock_confirm", plant, mix.pk), url("audit_recheck", plant, entry_pk),
    ]


def edit_pages(plant, mix, entry_pk):
    return [url("plant_settings", plant), url("schedule_edit", plant, mix.pk, "charge"),
            url("clock", plant, mix.pk), url("audit_revert", plant, entry_pk)]


def test_viewer_sees_schedules_and_log_read_only_and_every_change_is_403(client, viewer, shared, mix,
                                                                        two_changes, fake_growatt):
    Acknowledgement.accept(viewer)
    client.force_login(viewer)
    overview = client.get(url("schedules", shared))
    assert overview.status_code == 200
    html = overview.content.decode()
    assert "Window" in html and "Inverter clock" in html  # the schedules themselves are shown
    assert "Edit AC charge schedule" not in html and "Set the inverter clock" not in html
    assert "only the owner and editors can change them" in html
    assert "Plant settings" not in html  # the tab is hidden too

    log = client.get(url("audit_log", shared)).content.decode()
    assert "Revert" not in log and "50, 60, 1" not in log  # no params column for viewers
    detail = client.get(url("audit_entry", shared, two_changes[0].pk)).content.decode()
    assert "param1" not in detail and "Check again" not in detail and "Revert" not in detail

    writes = len(fake_growatt.writes)
    for address in change_urls(shared, mix, two_changes[0].pk):
        assert client.post(address, {**charge_data(), "token": "b" * 32}).status_code == 403, address
    for address in edit_pages(shared, mix, two_changes[0].pk):
        assert client.get(address).status_code == 403, address
    assert len(fake_growatt.writes) == writes


def test_editor_may_change_schedules(client, editor, shared, mix, fake_growatt):
    Acknowledgement.accept(editor)
    client.force_login(editor)
    preview_and_confirm(client, shared, mix, "charge", charge_data())
    assert SettingChange.objects.get().user == editor


def test_stranger_gets_404_everywhere(client, stranger, plant, mix, two_changes, fake_growatt):
    client.force_login(stranger)
    entry = two_changes[0].pk
    for address in [url("schedules", plant), url("audit_log", plant), url("audit_entry", plant, entry),
                    *edit_pages(plant, mix, entry)]:
        assert client.get(address).status_code == 404, address
    for address in change_urls(plant, mix, entry):
        assert client.post(address, charge_data()).status_code == 404, address


def test_changes_are_post_only_and_csrf_protected(owner, plant, mix, two_changes, fake_growatt):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    for address in change_urls(plant, mix, two_changes[0].pk):
        assert browser.get(address).status_code == 405, address
        assert browser.post(address, charge_data()).status_code == 403, address
    assert len(fake_growatt.writes) == 2


def test_anonymous_visitors_are_sent_to_the_login(client, plant, mix):
    response = client.get(url("schedules", plant))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_audit_entry_of_another_plant_is_404(owner_client, plant, two_changes, owner):
    from plants.models import Plant

    other = Plant.objects.create(account=plant.account, growatt_id="999", name="Other")
    assert owner_client.get(url("audit_entry", other, two_changes[0].pk)).status_code == 404


# --------------------------------------------------------------------------------------
# Query counts of the page-shaped views (Growatt faked, so only the database is counted)
# --------------------------------------------------------------------------------------


def test_change_log_query_count_does_not_grow_with_entries(owner_client, plant, two_changes,
                                                           django_assert_num_queries, session_queries):
    # (session,) user, plant (+account, owner), count for the paginator, entries (+user, device)
    with django_assert_num_queries(session_queries + 4):
        owner_client.get(url("audit_log", plant))
    SettingChange.objects.bulk_create([
        SettingChange(plant=plant, device=two_changes[0].device, user=two_changes[0].user,
                      setting_type=two_changes[0].setting_type, token=f"{i:032x}", outcome="success")
        for i in range(30)
    ])
    with django_assert_num_queries(session_queries + 4):
        owner_client.get(url("audit_log", plant))


def test_schedules_overview_query_count(owner_client, plant, django_assert_num_queries, session_queries):
    # (session,) user, plant (+account, owner), devices, latest change per device (read-back cache key),
    # the account's stored Growatt session (secrets are not loaded with the plant)
    with django_assert_num_queries(session_queries + 5):
        owner_client.get(url("schedules", plant))


def test_schedules_overview_query_count_for_a_viewer(client, viewer, shared, django_assert_num_queries,
                                                     session_queries):
    client.force_login(viewer)
    # the same as the owner's: the viewer's role comes with the plant in one query
    with django_assert_num_queries(session_queries + 5):
        client.get(url("schedules", shared))
