"""Dashboard pages and endpoints: access, content, empty and error states, pinned query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from plants import charts
from plants.models import Device, GrowattAccount, Plant, Role
from plants.tests.factories import add_devices, make_account, make_plant, share

pytestmark = pytest.mark.django_db


@pytest.fixture
def plant(owner):
    return make_plant(owner, devices=2, days=3)


def endpoint_urls(plant: Plant, device: Device) -> dict[str, str]:
    pk = plant.pk
    return {
        "page": reverse("plant_detail", args=[pk]),
        "page_month": reverse("plant_detail", args=[pk]) + "?view=month",
        "page_year": reverse("plant_detail", args=[pk]) + "?view=year",
        "live": reverse("plant_live", args=[pk]),
        "day": reverse("plant_chart_day", args=[pk]),
        "month": reverse("plant_chart_month", args=[pk]),
        "year": reverse("plant_chart_year", args=[pk]),
        "device": reverse("device_detail", args=[pk, device.pk]),
        "device_day": reverse("device_chart_day", args=[pk, device.pk]),
        "csv": reverse("plant_export_csv", args=[pk]) + "?start=2026-11-01&end=2026-11-02",
    }


# --- URLs other engineers rely on -------------------------------------------------------------


def test_url_names_and_paths_are_stable():
    assert reverse("plant_detail", args=[7]) == "/plants/7/"
    assert reverse("device_detail", args=[7, 3]) == "/plants/7/devices/3/"
    assert reverse("plant_chart_day", args=[7]) == "/plants/7/chart/day.json"
    assert reverse("plant_chart_month", args=[7]) == "/plants/7/chart/month.json"
    assert reverse("plant_chart_year", args=[7]) == "/plants/7/chart/year.json"
    assert reverse("plant_live", args=[7]) == "/plants/7/live.json"
    assert reverse("device_chart_day", args=[7, 3]) == "/plants/7/devices/3/chart/day.json"
    assert reverse("plant_export_csv", args=[7]) == "/plants/7/export.csv"
    assert reverse("plant_timezone", args=[7]) == "/plants/7/timezone/"


# --- access ---------------------------------------------------------------------------------------


def test_stranger_gets_404_everywhere(client, plant, stranger):
    client.force_login(stranger)
    for name, url in endpoint_urls(plant, plant.devices.first()).items():
        assert client.get(url).status_code == 404, name
    assert client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": "UTC"}).status_code == 404


def test_anonymous_is_sent_to_login(client, plant):
    for name, url in endpoint_urls(plant, plant.devices.first()).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/")


def test_viewer_sees_everything_but_cannot_change_the_timezone(client, plant, viewer):
    share(plant, viewer, Role.VIEWER)
    client.force_login(viewer)
    for name, url in endpoint_urls(plant, plant.devices.first()).items():
        assert client.get(url).status_code == 200, name
    page = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert "Shared with you by olivia" in page
    assert reverse("plant_timezone", args=[plant.pk]) not in page
    response = client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": "Asia/Tokyo"})
    assert response.status_code == 403
    plant.refresh_from_db()
    assert plant.timezone == "Europe/Berlin"


def test_device_of_another_plant_is_404(client, owner, plant, make_user):
    other = make_plant(make_user("nora"), devices=1)
    client.force_login(owner)
    foreign = other.devices.get()
    assert client.get(reverse("device_detail", args=[plant.pk, foreign.pk])).status_code == 404
    assert client.get(reverse("device_chart_day", args=[plant.pk, foreign.pk])).status_code == 404


def test_charts_answer_json_only_to_get(client, owner, plant):
    client.force_login(owner)
    assert client.post(reverse("plant_chart_day", args=[plant.pk])).status_code == 405
    assert client.get(reverse("plant_timezone", args=[plant.pk])).status_code == 405


# --- plant page -----------------------------------------------------------------------------------


def test_plant_page_shows_flow_charts_summary_and_devices(client, owner, plant):
    client.force_login(owner)
    response = client.get(reverse("plant_detail", args=[plant.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-current="page">Overview<' in page  # the plant tabs, on "overview"
    assert 'data-flow="grid" data-state="export"' in page
    assert 'data-flow="battery" data-state="charge"' in page
    assert 'data-live="pv">3.42 kW<' in page
    assert f'data-chart-url="/plants/{plant.pk}/chart/day.json?date={plant.local_today().isoformat()}"' in page
    assert f'data-live-url="/plants/{plant.pk}/live.json"' in page
    assert "Self-consumption" in page and "Self-sufficiency" in page
    assert "Money saved = solar energy used at home" in page  # the formula is stated
    for device in plant.devices.all():
        assert device.serial in page
        assert reverse("device_detail", args=[plant.pk, device.pk]) in page
    assert "Times in Europe/Berlin" in page


@pytest.mark.parametrize(("view", "endpoint", "query"), [
    ("day", "plant_chart_day", "date=2026-06-15"),
    ("month", "plant_chart_month", "month=2026-06"),
    ("year", "plant_chart_year", "year=2026"),
])
def test_plant_page_points_the_chart_at_the_chosen_period(client, owner, plant, view, endpoint, query):
    client.force_login(owner)
    page = client.get(reverse("plant_detail", args=[plant.pk]), {"view": view, "date": "2026-06-15"}).content.decode()
    assert f'data-chart-url="{reverse(endpoint, args=[plant.pk])}?{query}"' in page
    assert f'data-chart-kind="{view}"' in page


def test_day_navigation_links_previous_and_next_but_not_the_future(client, owner, plant):
    client.force_login(owner)
    today = plant.local_today()
    page = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert f"?view=day&amp;date={yesterday}" in page
    assert 'rel="next"' not in page
    page = client.get(reverse("plant_detail", args=[plant.pk]), {"date": yesterday}).content.decode()
    assert f"?view=day&amp;date={today.isoformat()}" in page
    assert 'rel="next"' in page
    assert "Yesterday" in page


def test_month_view_lists_daily_figures_that_work_without_javascript(client, owner):
    plant = make_plant(owner, devices=0, days=3, end=dt.date(2026, 6, 3))
    client.force_login(owner)
    url = reverse("plant_detail", args=[plant.pk])
    page = client.get(url, {"view": "month", "date": "2026-06-10"}).content.decode()
    assert "June 2026" in page
    assert page.count('<a href="?view=day&amp;date=2026-06-0') == 3
    page = client.get(url, {"view": "year", "date": "2026-06-10"}).content.decode()
    assert '<a href="?view=month&amp;date=2026-06-01">June</a>' in page


def test_a_bad_date_on_the_page_falls_back_to_today_with_a_notice(client, owner, plant):
    client.force_login(owner)
    response = client.get(reverse("plant_detail", args=[plant.pk]), {"date": "25.11.2026", "view": "nonsense"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "“25.11.2026” is not a date; use YYYY-MM-DD" in page
    assert f"chart/day.json?date={plant.local_today().isoformat()}" in page
    response = client.get(reverse("plant_detail", args=[plant.pk]), {"date": "2999-01-01"})
    assert response.status_code == 200
    assert "outside the years growattweb keeps" in response.content.decode()
    future = (plant.local_today() + dt.timedelta(days=2)).isoformat()
    page = client.get(reverse("plant_detail", args=[plant.pk]), {"date": future}).content.decode()
    assert "has not happened yet" in page


def test_plant_without_data_explains_the_first_sync(client, owner):
    plant = make_plant(owner, devices=0, live=False)
    client.force_login(owner)
    page = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert "Waiting for the first data" in page
    assert "The first sync with Growatt is running" in page
    assert "No devices known yet" in page
    data = client.get(reverse("plant_chart_day", args=[plant.pk])).json()
    assert data["empty"] is True


@pytest.mark.parametrize(("state", "owner_text", "link_text"), [
    (GrowattAccount.State.BAD_CREDENTIALS, "Growatt refused the username or password of your Growatt account",
     "Fix the credentials"),
    (GrowattAccount.State.LOCKED, "Growatt has locked your Growatt account until", "Details"),
    (GrowattAccount.State.ERROR, "The last sync of your Growatt account failed (Growatt's server timed out)",
     "Details"),
    (GrowattAccount.State.LOGIN_CAP, "daily limit of Growatt logins", "Details"),
])
def test_account_problems_are_explained_with_a_fix_link_for_the_owner(client, owner, viewer, state, owner_text,
                                                                      link_text):
    account = make_account(owner, state=state, last_error="Growatt's server timed out",
                           locked_until=timezone.now() + dt.timedelta(hours=3)
                           if state == GrowattAccount.State.LOCKED else None)
    plant = make_plant(account=account, devices=1)
    share(plant, viewer)
    client.force_login(owner)
    page = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert owner_text in page.replace("&#x27;", "'")
    assert f'<a href="{reverse("account_detail", args=[account.pk])}">{link_text}</a>' in page
    client.force_login(viewer)
    page = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert "olivia’s Growatt account" in page
    assert reverse("account_detail", args=[account.pk]) not in page
    assert "timed out" not in page  # the error text is the owner's business


def test_timezone_correction_by_the_owner(client, owner, plant):
    client.force_login(owner)
    response = client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": " Asia/Tokyo "})
    assert response.status_code == 302
    assert response["Location"] == reverse("plant_detail", args=[plant.pk])
    plant.refresh_from_db()
    assert plant.timezone == "Asia/Tokyo"
    assert plant.timezone_from_user is True
    page = client.get(response["Location"]).content.decode()
    assert "Timezone changed from Europe/Berlin to Asia/Tokyo" in page


def test_timezone_correction_by_an_editor(client, plant, editor):
    share(plant, editor, Role.EDITOR)
    client.force_login(editor)
    assert client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": "Europe/London"}).status_code == 302
    plant.refresh_from_db()
    assert plant.timezone == "Europe/London"


def test_a_wrong_timezone_is_explained_and_the_typed_value_kept(client, owner, plant):
    client.force_login(owner)
    response = client.post(reverse("plant_timezone", args=[plant.pk]), {"timezone": "Europe/Berln"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a known IANA timezone" in page
    assert 'value="Europe/Berln"' in page
    assert "use <strong>Europe/Berlin</strong>" in page  # the page still describes the plant as it is
    plant.refresh_from_db()
    assert plant.timezone == "Europe/Berlin" and plant.timezone_from_user is False


def test_pages_follow_the_content_security_policy(client, owner, plant):
    """No inline styles, no inline scripts: the CSP would block them."""
    client.force_login(owner)
    for url in (reverse("plant_detail", args=[plant.pk]), reverse("plant_detail", args=[plant.pk]) + "?view=month",
                reverse("device_detail", args=[plant.pk, plant.devices.first().pk]), reverse("home")):
        page = client.get(url).content.decode()
        assert "style=" not in page, url
        assert "<style" not in page, url
        for tag in re.findall(r"<script[^>]*>", page):
            assert "src=" in tag or "nonce=" in tag, (url, tag)


# --- partials for the kiosk --------------------------------------------------------------------------


def test_partials_render_without_devices_settings_or_account(owner):
    account = make_account(owner, label="Holiday cottage account", username="secret-growatt-login")
    plant = make_plant(account=account, devices=2, days=2)
    context = {
        "live": charts.live_summary(plant),
        "live_url": "/kiosk/abc/live.json",
        "chart": {"url": "/kiosk/abc/day.json", "kind": "day", "timezone": plant.timezone, "title": "Today"},
        "summary": charts.energy_summary(plant, plant.local_today(), plant.local_today(), label="Today"),
        "kiosk": True,
    }
    html = "".join(render_to_string(f"plants/{name}.html", context)
                   for name in ("_power_flow", "_day_chart", "_energy_summary"))
    assert 'data-live-url="/kiosk/abc/live.json"' in html
    assert 'data-chart-url="/kiosk/abc/day.json"' in html
    for device in plant.devices.all():
        assert device.serial not in html and device.alias not in html
    assert plant.account.username not in html and plant.account.label not in html
    assert "/plants/" not in html and "/accounts/" not in html


# --- device page ------------------------------------------------------------------------------------


def test_device_page_shows_key_values_strings_and_full_reply(client, owner, plant):
    device = plant.devices.get(kind=Device.Kind.MIX)
    client.force_login(owner)
    page = client.get(reverse("device_detail", args=[plant.pk, device.pk])).content.decode()
    assert "Battery voltage" in page and "51.8 V" in page
    assert "Grid frequency" in page and "50.01 Hz" in page
    assert "PV strings" in page and "312.4 V" in page and "3.9 A" in page
    assert "Full latest reply from Growatt" in page and ">ipmTemperature<" in page
    assert f"devices/{device.pk}/chart/day.json?date={plant.local_today().isoformat()}" in page


def test_device_unknown_to_growatt_is_explained(client, owner, plant):
    device = plant.devices.first()
    Device.objects.filter(pk=device.pk).update(status="unknown to Growatt", lost=True)
    client.force_login(owner)
    page = client.get(reverse("device_detail", args=[plant.pk, device.pk])).content.decode()
    assert "Growatt no longer knows this device" in page
    page = client.get(reverse("plant_detail", args=[plant.pk])).content.decode()
    assert "Unknown to Growatt" in page


def test_lost_device_without_any_reply(client, owner):
    plant = make_plant(owner, devices=0)
    device = Device.objects.create(plant=plant, serial="XYZ123", kind=Device.Kind.OTHER, lost=True, status="-1")
    client.force_login(owner)
    response = client.get(reverse("device_detail", args=[plant.pk, device.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "reports this device as offline" in page
    assert "has not received live values for this device yet" in page
    assert "No reply stored yet" in page
    assert client.get(reverse("device_chart_day", args=[plant.pk, device.pk])).json()["empty"] is True


# --- JSON endpoints -----------------------------------------------------------------------------------


def test_live_json(client, owner, plant):
    client.force_login(owner)
    response = client.get(reverse("plant_live", args=[plant.pk]))
    data = response.json()
    assert response["Cache-Control"] == "private, no-cache"
    assert data["text"]["pv"] == "3.42 kW"
    assert data["flow"]["grid"] == "export"
    assert data["text"]["updated"] == "updated just now"
    assert data["stale"] is False


def test_chart_json_of_a_day(client, owner, plant):
    client.force_login(owner)
    yesterday = plant.local_today() - dt.timedelta(days=1)
    response = client.get(reverse("plant_chart_day", args=[plant.pk]), {"date": yesterday.isoformat()})
    data = response.json()
    assert data["date"] == yesterday.isoformat()
    assert data["timezone"] == "Europe/Berlin"
    assert len(data["x"]) in (276, 288, 300)
    assert response["Cache-Control"] == "private, max-age=600"  # a past day


def test_chart_json_of_a_month_and_a_year(client, owner, plant):
    client.force_login(owner)
    today = plant.local_today()
    month = client.get(reverse("plant_chart_month", args=[plant.pk]), {"month": f"{today:%Y-%m}"}).json()
    assert month["month"] == f"{today:%Y-%m}"
    year = client.get(reverse("plant_chart_year", args=[plant.pk])).json()
    assert year["year"] == today.year and len(year["x"]) == 12


@pytest.mark.parametrize(("endpoint", "params", "message"), [
    ("plant_chart_day", {"date": "2026-13-01"}, "is not a date; use YYYY-MM-DD"),
    ("plant_chart_day", {"date": "1999-12-31"}, "outside the years"),
    ("plant_chart_month", {"month": "2026-13"}, "is not a month; use YYYY-MM"),
    ("plant_chart_month", {"month": "9999-01"}, "outside the years"),
    ("plant_chart_year", {"year": "abc"}, "is not a year; use YYYY"),
    ("plant_chart_year", {"year": "1800"}, "outside the years"),
])
def test_bad_chart_parameters_get_a_400_with_a_message(client, owner, plant, endpoint, params, message):
    client.force_login(owner)
    response = client.get(reverse(endpoint, args=[plant.pk]), params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_bad_device_chart_date_gets_a_400(client, owner, plant):
    client.force_login(owner)
    device = plant.devices.first()
    response = client.get(reverse("device_chart_day", args=[plant.pk, device.pk]), {"date": "yesterday"})
    assert response.status_code == 400
    assert "is not a date" in response.json()["error"]


# --- home page ---------------------------------------------------------------------------------------------


def test_home_cards_show_live_values_and_problems(client, owner, viewer, make_user):
    mine = make_plant(owner, name="Sunny Roof", devices=1)
    broken = make_account(make_user("nora"), state=GrowattAccount.State.BAD_CREDENTIALS)
    theirs = make_plant(account=broken, name="Nora's Barn", devices=1)
    share(theirs, owner)
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    assert f'id="plant-{mine.pk}"' in page and f'id="plant-{theirs.pk}"' in page
    assert 'data-live="pv">3.42 kW<' in page
    assert 'data-live="soc">54 %<' in page
    assert "shared by nora" in page
    assert "Growatt refused the account’s password" in page
    assert reverse("account_detail", args=[broken.pk]) not in page  # only nora can fix nora's account
    assert f'data-live-url="{reverse("plant_live", args=[mine.pk])}"' in page


def test_home_card_warns_about_stale_values(client, owner):
    plant = make_plant(owner, devices=1)
    Plant.objects.filter(pk=plant.pk).update(live_at=timezone.now() - dt.timedelta(minutes=40))
    client.force_login(owner)
    page = client.get(reverse("home")).content.decode()
    assert "updated 40 min ago" in page
    stale_note = re.search(r'<p class="notice notice-warn small stale-note"[^>]*>', page).group(0)
    assert "hidden" not in stale_note


# --- query counts: fixed whatever the number of devices and the length of the history --------------------

# user + plant with the person's role (one query for owners and members alike) + what the page needs;
# the session's query comes on top (fixture session_queries: none when sessions come from Redis)
OWNER_QUERIES = {
    "page": 4,         # + devices + energy summary (the page's data part, cached afterwards)
    "page_month": 5,   # + month rows
    "page_year": 5,    # + year sums
    "live": 2,
    "day": 3,
    "month": 3,
    "year": 3,
    "device": 3,       # + the device
    "device_day": 4,   # + the device + its samples
    "csv": 3,          # + the rows, streamed
}


@pytest.fixture(params=[(1, 2), (5, 60)], ids=["1-device-2-days", "5-devices-60-days"])
def sized_plant(request, owner):
    devices, days = request.param
    return make_plant(owner, devices=devices, days=days, device_days=2)


@pytest.mark.parametrize("name", list(OWNER_QUERIES))
def test_query_counts_are_pinned_for_the_owner(client, owner, sized_plant, name, django_assert_num_queries,
                                               session_queries):
    client.force_login(owner)
    url = endpoint_urls(sized_plant, sized_plant.devices.order_by("pk").first())[name]
    with django_assert_num_queries(session_queries + OWNER_QUERIES[name]):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["page", "page_month", "day", "device"])
def test_query_counts_are_pinned_for_a_viewer(client, viewer, sized_plant, name, django_assert_num_queries,
                                              session_queries):
    share(sized_plant, viewer)
    client.force_login(viewer)
    url = endpoint_urls(sized_plant, sized_plant.devices.order_by("pk").first())[name]
    # the role comes with the plant, no extra query
    with django_assert_num_queries(session_queries + OWNER_QUERIES[name]):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("plants", [1, 4])
def test_home_query_count_does_not_grow_with_plants(client, owner, plants, django_assert_num_queries,
                                                    session_queries):
    account = make_account(owner)
    for n in range(plants):
        plant = make_plant(account=account, name=f"Plant {n}", devices=0)
        add_devices(plant, 2)
    client.force_login(owner)
    with django_assert_num_queries(session_queries + 3):  # user, plants with accounts and owners, own accounts
        page = client.get(reverse("home")).content.decode()
    assert page.count('class="card plant-card') == plants
