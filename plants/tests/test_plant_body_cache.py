"""The plant page's data part is rendered once and shared (plants.views_dashboard.plant_body).

What must hold: everyone who may see the plant gets the same body without re-running its
queries, and whatever the sync (or a person) changes shows on the very next page load.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from plants.models import Device, GrowattAccount, Plant, Role, get_plant_for_user
from plants.sync import store_day, update_devices
from plants.tests.factories import day_points, make_plant, set_live, share

BODY = re.compile(r'(<div class="dash-top">.*?</section>\s*<section class="card devices-card".*?</section>)', re.S)


def body_of(response) -> str:
    assert response.status_code == 200
    return BODY.search(response.content.decode()).group(1)


def energy(page: str, kind: str) -> float:
    return float(re.search(rf'data-energy="{kind}">([0-9.]+)', page).group(1))


@pytest.fixture
def plant(owner):
    return make_plant(owner, devices=2, days=3)


def page(client, person, plant, **params):
    client.force_login(person)
    return client.get(reverse("plant_detail", args=[plant.pk]), params)


def test_everyone_gets_the_same_body_and_the_second_person_runs_none_of_its_queries(
        client, owner, viewer, make_user, plant, django_assert_num_queries, session_queries):
    editor = make_user("editor")
    share(plant, viewer)
    share(plant, editor, Role.EDITOR)
    url = reverse("plant_detail", args=[plant.pk])
    client.force_login(owner)
    with django_assert_num_queries(session_queries + 4):  # user, plant + role, devices, energy summary
        first = body_of(client.get(url))
    for person in (viewer, editor):
        client.force_login(person)
        with django_assert_num_queries(session_queries + 2):  # user, plant + role: the body is cached
            assert body_of(client.get(url)) == first


def test_no_cache_when_switched_off(client, owner, viewer, plant, settings, django_assert_num_queries,
                                    session_queries):
    settings.PLANT_PAGE_CACHE_SECONDS = 0
    share(plant, viewer)
    url = reverse("plant_detail", args=[plant.pk])
    for person in (owner, viewer, viewer):
        client.force_login(person)
        with django_assert_num_queries(session_queries + 4):  # user, plant + role, devices, energy summary
            assert client.get(url).status_code == 200


def test_the_body_does_not_depend_on_who_renders_it_first(client, owner, viewer, plant):
    from django.core.cache import cache

    share(plant, viewer)
    by_owner = body_of(page(client, owner, plant))
    cache.clear()
    by_viewer = body_of(page(client, viewer, plant))
    assert by_owner == by_viewer
    assert "csrfmiddlewaretoken" not in by_owner


def test_each_period_has_its_own_body(client, owner, plant):
    today = plant.local_today()
    day = body_of(page(client, owner, plant))
    month = body_of(page(client, owner, plant, view="month"))
    yesterday = body_of(page(client, owner, plant, date=(today - dt.timedelta(days=1)).isoformat()))
    assert len({day, month, yesterday}) == 3
    assert "Daily figures" in month and "Daily figures" not in day


def test_a_day_the_sync_writes_shows_on_the_next_load(client, owner, plant):
    """The cached body of a past day is replaced as soon as the sync stores that day anew."""
    day = plant.local_today() - dt.timedelta(days=1)
    before = body_of(page(client, owner, plant, date=day.isoformat()))
    points = {ts: {**values, "pv_w": values["pv_w"] * 2} for ts, values in day_points(day, plant.tz)}
    store_day(plant, day, points, {}, complete=True)
    after = body_of(page(client, owner, plant, date=day.isoformat()))
    assert energy(after, "pv") == pytest.approx(2 * energy(before, "pv"), rel=0.01)


def test_live_values_of_a_sync_show_on_the_next_load(client, owner, plant):
    set_live(plant, live_pv_w=1111.0)
    assert "1.11 kW" in body_of(page(client, owner, plant))
    set_live(Plant.objects.get(pk=plant.pk), live_pv_w=2222.0)
    body = body_of(page(client, owner, plant))
    assert "2.22 kW" in body and "1.11 kW" not in body


def test_a_device_growatt_reports_lost_shows_on_the_next_load(client, owner, plant):
    device = plant.devices.order_by("pk").first()
    assert "is-lost" not in body_of(page(client, owner, plant))
    others = [{"deviceSn": d.serial, "deviceType": d.growatt_type, "lost": d.pk == device.pk}
              for d in plant.devices.all()]
    update_devices(Plant.objects.get(pk=plant.pk), others)
    assert Device.objects.get(pk=device.pk).lost
    assert 'class="is-lost"' in body_of(page(client, owner, plant))


def test_a_device_discovery_finds_shows_on_the_next_load(client, owner, plant):
    assert body_of(page(client, owner, plant)).count("/devices/") == 2
    update_devices(Plant.objects.get(pk=plant.pk), [{"deviceSn": "NEW0000001", "deviceType": "tlx"}])
    body = body_of(page(client, owner, plant))
    assert body.count("/devices/") == 3 and "NEW0000001" in body


def test_an_account_problem_changes_the_first_sync_note(client, owner):
    empty = make_plant(owner, devices=0, live=False)
    assert "The first sync with Growatt is running" in page(client, owner, empty).content.decode()
    GrowattAccount.objects.filter(pk=empty.account_id).update(state=GrowattAccount.State.BAD_CREDENTIALS)
    assert "cannot fetch data until the problem above is solved" in page(client, owner, empty).content.decode()


def test_the_updated_text_moves_with_the_clock(client, owner, plant):
    now = timezone.now().replace(second=10, microsecond=0)
    set_live(plant, at=now - dt.timedelta(minutes=3))
    with time_machine.travel(now, tick=False):
        assert "updated 3 min ago" in body_of(page(client, owner, plant))
    with time_machine.travel(now + dt.timedelta(minutes=20), tick=False):
        body = body_of(page(client, owner, plant))
        assert "updated 23 min ago" in body
        assert 'class="card flow-card is-stale"' in body  # 15 minutes without news


def test_a_timezone_correction_shows_on_the_next_load(client, owner, plant):
    assert "Times in Europe/Berlin" in body_of(page(client, owner, plant))
    client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": "Asia/Tokyo"})
    assert "Times in Asia/Tokyo" in body_of(page(client, owner, plant))


# --- the lookup behind every plant page -------------------------------------------------------


class _Request:
    def __init__(self, user):
        self.user = user


def test_the_lookup_loads_what_the_orm_would_and_no_secret(owner, viewer, plant, django_assert_num_queries):
    plant.settings_reply = {"plantName": plant.name, "nested": {"a": [1, 2]}}
    set_live(plant)
    share(plant, viewer)
    expected = Plant.objects.select_related("account__owner").get(pk=plant.pk)
    with django_assert_num_queries(1):
        found, role = get_plant_for_user(_Request(viewer), plant.pk)
        assert found.account.owner.get_username() == owner.get_username()
        assert found.account.state == expected.account.state
    assert role == Role.VIEWER
    for field in Plant._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.settings_reply["nested"] == {"a": [1, 2]}
    assert timezone.is_aware(found.live_at) and timezone.is_aware(found.created_at)
    assert {"password", "session_data"} <= found.account.get_deferred_fields()
    assert "password" in found.account.owner.get_deferred_fields()
    # A deferred secret still loads when code asks for it (one more query), decrypted.
    with django_assert_num_queries(1):
        assert found.account.password == expected.account.password


@pytest.mark.parametrize("who, expected", [("owner", Role.OWNER), ("editor", Role.EDITOR),
                                           ("viewer", Role.VIEWER)])
def test_the_lookup_gives_each_person_their_role(owner, viewer, make_user, plant, who, expected):
    people = {"owner": owner, "viewer": viewer, "editor": make_user("editor")}
    share(plant, viewer)
    share(plant, people["editor"], Role.EDITOR)
    assert get_plant_for_user(_Request(people[who]), plant.pk)[1] == expected


@pytest.mark.parametrize("pk", ["stranger", "missing", "not-a-number"])
def test_the_lookup_gives_404_to_strangers_and_for_missing_plants(stranger, owner, plant, pk):
    from django.http import Http404

    person, key = (stranger, plant.pk) if pk == "stranger" else (owner, plant.pk + 1000 if pk == "missing" else pk)
    with pytest.raises(Http404):
        get_plant_for_user(_Request(person), key)


# --- the whole page, shared by everyone with the same role --------------------------------------


def csrf_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_a_shared_page_carries_each_persons_name_and_working_csrf_token(owner, make_user, plant):
    from django.test import Client

    editors = [make_user("erin"), make_user("frank")]
    for editor in editors:
        share(plant, editor, Role.EDITOR)
    url = reverse("plant_detail", args=[plant.pk])
    pages, browsers = {}, {}
    for person in editors:  # the second one gets the page rendered for the first
        browser = browsers[person.get_username()] = Client(enforce_csrf_checks=True)
        browser.force_login(person)
        page_html = browser.get(url).content.decode()
        assert "\x00" not in page_html
        assert f"<summary>{person.get_username()}</summary>" in page_html
        pages[person.get_username()] = page_html
    for name, browser in browsers.items():  # the token in each page is that browser's: the form posts with it
        answer = browser.post(reverse("plant_timezone", args=[plant.pk]),
                              {"timezone": "Europe/Berlin", "csrfmiddlewaretoken": csrf_of(pages[name])})
        assert answer.status_code == 302, answer.content.decode()[:300]
    assert "<summary>erin</summary>" not in pages["frank"]
    # apart from the name and the token the two pages are the same
    erin, frank = pages["erin"], pages["frank"]
    for name, page_html in (("erin", erin), ("frank", frank)):
        pages[name] = re.sub(r'value="[^"]+"(?=>)', "", page_html.replace(f"<summary>{name}</summary>", ""))
    assert pages["erin"] == pages["frank"]


def test_only_staff_see_the_admin_link_whoever_renders_first(client, owner, make_user, plant):
    staff, plain = make_user("staffer", is_staff=True), make_user("plain")
    share(plant, staff)
    share(plant, plain)
    assert "Admin</a>" in page(client, staff, plant).content.decode()
    assert "Admin</a>" not in page(client, plain, plant).content.decode()


def test_a_message_waiting_for_the_person_is_shown_once(client, owner, plant):
    assert "message-success" not in page(client, owner, plant).content.decode()  # cached now
    client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": "Europe/Paris"})
    shown = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert 'class="message message-success"' in shown
    again = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert 'class="message message-success"' not in again


def test_each_role_gets_its_own_page(client, owner, viewer, make_user, plant):
    editor = make_user("editor")
    share(plant, viewer)
    share(plant, editor, Role.EDITOR)
    as_owner = page(client, owner, plant).content.decode()
    as_viewer = page(client, viewer, plant).content.decode()
    as_editor = page(client, editor, plant).content.decode()
    assert "Correct the timezone" in as_owner and "Correct the timezone" in as_editor
    assert "Correct the timezone" not in as_viewer
    assert ">Sharing</a>" in as_owner and ">Sharing</a>" not in as_editor
    assert f"Shared with you by {owner.get_username()}" in as_viewer and "Shared with you" not in as_owner
