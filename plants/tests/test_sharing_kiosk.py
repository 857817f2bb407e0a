"""Kiosk links: one plant's dashboard without a login, and nothing else."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from plants import sharing
from plants.models import KioskLink
from plants.tests.factories import make_account, make_plant

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(owner):
    return make_plant(account=make_account(owner, label="Olivia's Growatt login"), name="Sunny Roof", devices=3,
                      days=2)


@pytest.fixture
def kiosk(owner, plant):
    link, token = sharing.create_kiosk_link(plant, label="Kitchen tablet", created_by=owner)
    return link, token


def all_kiosk_responses(client, token):
    return [client.get(f"/kiosk/{token}/"), client.get(f"/kiosk/{token}/live.json"),
            client.get(f"/kiosk/{token}/day.json")]


def test_kiosk_shows_the_plant_without_login(client, plant, kiosk):
    _, token = kiosk
    page, live, day = all_kiosk_responses(client, token)
    assert page.status_code == live.status_code == day.status_code == 200
    html = page.content.decode()
    assert "Sunny Roof" in html
    assert f'data-live-url="/kiosk/{token}/live.json"' in html
    assert live.json()["values"]["pv_w"] == plant.live_pv_w
    chart = day.json()
    assert chart["x"] and all(len(series["values"]) == len(chart["x"]) for series in chart["series"])
    assert chart["date"] == plant.local_today().isoformat()
    assert page["Cache-Control"] == "no-store" and "noindex" in page["X-Robots-Tag"]


def test_kiosk_shows_no_serials_settings_account_or_other_plants(client, owner, plant, kiosk):
    _, token = kiosk
    make_plant(account=plant.account, name="Holiday Flat", devices=1)
    secrets_of_the_owner = [
        *plant.devices.values_list("serial", flat=True),
        *plant.devices.values_list("datalogger_serial", flat=True),
        *plant.devices.values_list("alias", flat=True),
        plant.account.username, plant.account.label, plant.account.server_url, owner.username, owner.email,
        plant.growatt_id, "Holiday Flat", "/settings/", "/accounts/growatt/",
    ]
    for response in all_kiosk_responses(client, token):
        body = response.content.decode()
        for secret in secrets_of_the_owner:
            assert secret not in body, f"{secret!r} leaked into {response.request['PATH_INFO']}"


def test_kiosk_json_has_only_what_the_page_shows(client, kiosk):
    _, token = kiosk
    live = client.get(f"/kiosk/{token}/live.json").json()
    assert set(live) == {"updated_at", "updated_text", "updated_time", "stale", "has_data", "has_battery",
                         "values", "text", "flow"}
    assert set(live["values"]) <= {"pv_w", "load_w", "grid_import_w", "grid_export_w", "grid_w", "battery_charge_w",
                                   "battery_discharge_w", "battery_w", "soc", "today_pv_kwh", "total_pv_kwh"}
    day = client.get(f"/kiosk/{token}/day.json").json()
    assert set(day) == {"kind", "title", "date", "timezone", "start", "end", "x", "series", "empty"}
    for series in day["series"]:
        assert set(series) <= {"key", "label", "unit", "values", "axis", "hidden"}


def test_kiosk_payloads_drop_whatever_else_the_dashboard_builders_return(monkeypatch, plant):
    from plants import charts, kiosk

    real_live, real_day = charts.live_summary, charts.day_series
    monkeypatch.setattr(charts, "live_summary", lambda p: {**real_live(p), "devices": ["SERIAL-1"]})
    monkeypatch.setattr(charts, "day_series", lambda p, d: {
        **real_day(p, d), "account": "olivia-growatt",
        "series": [{**s, "serial": "SERIAL-1"} for s in real_day(p, d)["series"]]})
    assert "SERIAL-1" not in json.dumps(kiosk.live(plant)) + json.dumps(kiosk.day(plant))
    assert "olivia-growatt" not in json.dumps(kiosk.day(plant))


def test_kiosk_token_is_stored_hashed(kiosk):
    link, token = kiosk
    assert token not in json.dumps(list(KioskLink.objects.values()), default=str)
    assert sharing.find_kiosk_link(token) == link


@pytest.mark.parametrize("how", ["revoked", "expired", "unknown"])
def test_revoked_expired_and_unknown_kiosk_links_show_nothing(client, owner, plant, kiosk, how):
    link, token = kiosk
    if how == "revoked":
        client.force_login(owner)
        assert client.post(reverse("plant_kiosk_revoke", args=[plant.pk, link.pk])).status_code == 302
        client.logout()
    elif how == "expired":
        KioskLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page, live, day = all_kiosk_responses(client, token)
    assert page.status_code == live.status_code == day.status_code == 404
    assert "This kiosk link is not valid" in page.content.decode()
    assert "Sunny Roof" not in page.content.decode()
    assert "Sunny Roof" not in live.content.decode() + day.content.decode()


def test_a_kiosk_visit_logs_nobody_in(client, kiosk, plant):
    _, token = kiosk
    client.get(f"/kiosk/{token}/")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(reverse("plant_share", args=[plant.pk])).status_code == 302


def test_owner_creates_a_kiosk_link_with_an_expiry_and_sees_it_once(client, owner, plant):
    client.force_login(owner)
    response = client.post(reverse("plant_kiosk_create", args=[plant.pk]), {"label": "Hall", "expires": "30"})
    assert response.status_code == 302
    link = KioskLink.objects.get()
    assert dt.timedelta(days=29) < link.expires_at - timezone.now() <= dt.timedelta(days=30)
    page = client.get(reverse("plant_share", args=[plant.pk])).content.decode()
    assert 'id="new-link-url"' in page and "/kiosk/" in page
    assert 'id="new-link-url"' not in client.get(reverse("plant_share", args=[plant.pk])).content.decode()


def test_kiosk_form_errors_are_shown(client, owner, plant):
    client.force_login(owner)
    response = client.post(reverse("plant_kiosk_create", args=[plant.pk]), {"label": "", "expires": "12"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not KioskLink.objects.exists()


def test_kiosk_usage_is_recorded_without_a_write_per_poll(client, kiosk, django_assert_num_queries):
    link, token = kiosk
    client.get(f"/kiosk/{token}/live.json")
    link.refresh_from_db()
    assert link.last_used_at is not None
    first = link.last_used_at
    client.get(f"/kiosk/{token}/live.json")
    link.refresh_from_db()
    assert link.last_used_at == first


def test_kiosk_pages_need_few_queries(client, kiosk, django_assert_num_queries):
    _, token = kiosk
    # link + plant, usage update, today's samples
    with django_assert_num_queries(3):
        client.get(f"/kiosk/{token}/day.json")
    # link + plant, usage update (live values are on the plant row)
    with django_assert_num_queries(2):
        client.get(f"/kiosk/{token}/live.json")
    # link + plant, usage update, the energy summary's one aggregate
    with django_assert_num_queries(3):
        client.get(f"/kiosk/{token}/")
