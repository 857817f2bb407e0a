"""Browser tests of the dashboards: home cards, plant page (day/month/year), device page, CSV, refresh.

Data comes from plants.tests.factories (fast and deterministic), and one test syncs the
simulator's demo account for real. Screenshots of every page at desktop (1280 px) and phone
(360 px) width land in test-artifacts/screenshots/dashboard-*.png.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from plants.models import GrowattAccount, Plant, PowerSample
from plants.tests.factories import make_account, make_plant, share
from tests.browser import page_width, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plants(owner, viewer, make_user):
    """The owner's hybrid plant with 3 devices and 60 days, a PV-only plant, a plant shared by nora."""
    home = make_plant(owner, name="Sunny Roof", devices=3, days=60, device_days=3)
    garage = make_plant(account=home.account, name="Garage PV", devices=1, days=3, kinds=["inverter"],
                        live={"live_soc": None, "live_battery_charge_w": None, "live_battery_discharge_w": None,
                              "live_pv_w": 820.0, "live_load_w": 310.0, "live_grid_export_w": 510.0})
    shared = make_plant(make_user("nora"), name="Nora's Barn", devices=2, days=5)
    share(shared, owner)
    share(home, viewer)
    return {"home": home, "garage": garage, "shared": shared}


def read_csv(path: str) -> list[list[str]]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_owner_sees_cards_opens_plant_switches_views_device_and_csv(live_server, page, login_as, owner, plants):
    home = plants["home"]
    login_as(page, owner)
    page.goto(live_server.url + "/")
    expect(page.locator(".plant-card")).to_have_count(3)
    card = page.locator(f"#plant-{home.pk}")
    expect(card.locator("[data-live=pv]")).to_have_text("3.42 kW")
    expect(card.locator("[data-live=soc]")).to_have_text("54 %")
    expect(card.locator("[data-live=updated]")).to_have_text("updated just now")
    expect(page.locator(f"#plant-{plants['garage'].pk} .no-battery")).to_have_text("none")
    expect(page.locator(f"#plant-{plants['shared'].pk}")).to_contain_text("shared by nora")
    shot(page, "dashboard-home-desktop")

    card.locator(".plant-name a").click()
    expect(page.locator("h1")).to_have_text("Sunny Roof")
    expect(page.locator(".flow [data-live=pv]")).to_have_text("3.42 kW")
    expect(page.locator(".flow [data-flow=grid]")).to_have_attribute("data-state", "export")
    expect(page.locator(".flow [data-flow=battery]")).to_have_attribute("data-state", "charge")
    chart = page.locator("[data-chart-url]")
    expect(chart).to_have_attribute("data-chart-state", "ready")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator(".u-legend")).to_contain_text("Solar")
    expect(page.locator(".devices tbody tr")).to_have_count(3)
    shot(page, "dashboard-plant-day-desktop")

    page.get_by_role("link", name="Previous day").click()
    expect(page.locator("#chart-title")).to_have_text("Power · Yesterday")
    expect(chart).to_have_attribute("data-chart-state", "ready")
    assert 276 <= int(chart.get_attribute("data-chart-points")) <= 300  # a whole day of 5-minute samples

    page.locator(".segmented").get_by_role("link", name="Month").click()
    expect(page.locator("#chart-title")).to_contain_text("Energy · ")
    expect(chart).to_have_attribute("data-chart-state", "ready")
    page.locator(".period-table summary").click()
    expect(page.locator(".period-table tbody tr").first).to_be_visible()
    shot(page, "dashboard-plant-month-desktop")

    page.locator(".segmented").get_by_role("link", name="Year").click()
    yesterday = home.local_today() - dt.timedelta(days=1)  # the date carried over from "Previous day"
    expect(page.locator("#chart-title")).to_have_text(f"Energy · {yesterday.year}")
    expect(chart).to_have_attribute("data-chart-state", "ready")
    assert int(chart.get_attribute("data-chart-points")) == 12
    shot(page, "dashboard-plant-year-desktop")

    page.locator(".segmented").get_by_role("link", name="Day").click()
    page.locator(".devices tbody tr a", has_text="SPH hybrid").click()
    expect(page.locator("h1")).to_have_text("SPH hybrid (mix) 1")
    expect(page.locator(".figures").first).to_contain_text("Battery voltage")
    expect(page.locator("[data-chart-url]")).to_have_attribute("data-chart-state", "ready")
    expect(page.locator(".reply-table")).to_be_hidden()
    page.locator(".reply summary").click()
    expect(page.locator(".reply-table")).to_contain_text("vpv1")
    shot(page, "dashboard-device-desktop")

    page.locator(".breadcrumb a").click()
    expect(page.locator("h1")).to_have_text("Sunny Roof")
    today = home.local_today()
    start, end = today - dt.timedelta(days=2), today - dt.timedelta(days=1)
    page.fill("#export-start", start.isoformat())
    page.fill("#export-end", end.isoformat())
    page.select_option("#export-kind", "samples")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"sunny-roof-samples-{start.isoformat()}_{end.isoformat()}.csv"
    rows = read_csv(download.path())
    assert rows[0] == ["timestamp", "pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w",
                       "battery_discharge_w", "soc_percent"]
    first, last = (home.day_bounds(start)[0], home.day_bounds(end)[1])
    assert len(rows) - 1 == PowerSample.objects.filter(plant=home, ts__gte=first, ts__lt=last).count()
    assert rows[1][0].startswith(f"{start.isoformat()}T00:00:00+0")

    page.select_option("#export-kind", "daily")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    rows = read_csv(download_info.value.path())
    assert rows[0][0] == "date" and [row[0] for row in rows[1:]] == [start.isoformat(), end.isoformat()]


def test_live_values_refresh_while_visible_and_never_in_a_hidden_tab(live_server, page, login_as, owner, plants):
    home = plants["home"]
    login_as(page, owner)
    page.clock.install()  # the page's timers run on Playwright's clock: no waiting, nothing timed
    live_requests = []
    page.on("request", lambda request: live_requests.append(request.url) if "live.json" in request.url else None)
    page.goto(f"{live_server.url}/plants/{home.pk}/")
    expect(page.locator(".flow [data-live=pv]")).to_have_text("3.42 kW")

    Plant.objects.filter(pk=home.pk).update(live_pv_w=0.0, live_load_w=950.0, live_grid_import_w=350.0,
                                            live_grid_export_w=0.0, live_battery_charge_w=0.0,
                                            live_battery_discharge_w=600.0, live_soc=41.0)
    page.clock.fast_forward("01:01")
    expect(page.locator(".flow [data-live=load]")).to_have_text("950 W")
    expect(page.locator(".flow [data-live=pv]")).to_have_text("0 W")
    expect(page.locator(".flow [data-live=soc]")).to_have_text("41 %")
    expect(page.locator(".flow [data-flow=grid]")).to_have_attribute("data-state", "import")
    expect(page.locator(".flow [data-flow=battery]")).to_have_attribute("data-state", "discharge")
    assert len(live_requests) == 1

    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.clock.fast_forward("10:00")
    page.evaluate("() => new Promise(requestAnimationFrame)")
    assert len(live_requests) == 1, "a hidden tab must not refresh"

    Plant.objects.filter(pk=home.pk).update(live_load_w=1234.0)
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    expect(page.locator(".flow [data-live=load]")).to_have_text("1.23 kW")  # refreshed on return at once
    assert len(live_requests) == 2


def test_stale_values_warn_on_the_card_and_the_plant(live_server, page, login_as, owner, plants):
    home = plants["home"]
    login_as(page, owner)
    page.clock.install()
    page.goto(live_server.url + "/")
    card = page.locator(f"#plant-{home.pk}")
    expect(card.locator(".stale-note")).to_be_hidden()
    Plant.objects.filter(pk=home.pk).update(live_at=home.live_at - dt.timedelta(minutes=20))
    page.clock.fast_forward("01:01")
    expect(card.locator(".stale-note")).to_be_visible()
    expect(card.locator("[data-live=updated]")).to_have_text("updated 20 min ago")
    expect(card).to_have_class("card plant-card is-stale")


def test_problems_and_empty_states(live_server, page, login_as, owner):
    broken = make_account(owner, label="Cottage", state=GrowattAccount.State.BAD_CREDENTIALS)
    plant = make_plant(account=broken, name="Cottage", devices=0, live=False)
    login_as(page, owner)
    page.goto(live_server.url + "/")
    expect(page.locator(".notice").first).to_contain_text("Cottage: Wrong username or password")
    expect(page.locator(f"#plant-{plant.pk}")).to_contain_text("Growatt refused the account’s password")
    page.goto(f"{live_server.url}/plants/{plant.pk}/")
    problem = page.locator("[data-problem]")
    expect(problem).to_contain_text("Growatt refused the username or password of your Growatt account")
    expect(page.locator(".first-sync")).to_contain_text("cannot fetch data until the problem above is solved")
    expect(page.locator("[data-chart-url]")).to_have_attribute("data-chart-state", "empty")
    expect(page.locator("[data-chart-status]")).to_have_text("No values recorded for this day yet.")
    shot(page, "dashboard-plant-problem-desktop")
    problem.get_by_role("link", name="Fix the credentials").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/growatt/{broken.pk}/")


def test_phone_screens(live_server, phone_page, login_as, owner, plants):
    page = phone_page
    home = plants["home"]
    login_as(page, owner)
    page.goto(live_server.url + "/")
    expect(page.locator(".plant-card")).to_have_count(3)
    assert page_width(page) <= 360
    shot(page, "dashboard-home-phone")
    for view in ("day", "month", "year"):
        page.goto(f"{live_server.url}/plants/{home.pk}/?view={view}")
        expect(page.locator("[data-chart-url]")).to_have_attribute("data-chart-state", "ready")
        width = page_width(page)
        assert width <= 360, f"the {view} view scrolls sideways ({width}px)"
        shot(page, f"dashboard-plant-{view}-phone")
    device = home.devices.get(kind="mix")
    page.goto(f"{live_server.url}/plants/{home.pk}/devices/{device.pk}/")
    expect(page.locator("[data-chart-url]")).to_have_attribute("data-chart-state", "ready")
    assert page_width(page) <= 360
    shot(page, "dashboard-device-phone")


def test_pages_work_on_data_synced_from_the_simulator(live_server, page, login_as, owner, synced_account):
    """A real sync against the simulator's demo account, then the same walk through the pages."""
    plants = list(Plant.objects.filter(account=synced_account).order_by("name"))
    assert len(plants) >= 3
    login_as(page, owner)
    page.goto(live_server.url + "/")
    expect(page.locator(".plant-card")).to_have_count(len(plants))
    shot(page, "dashboard-sim-home-desktop")
    for plant in plants:
        page.goto(f"{live_server.url}/plants/{plant.pk}/")
        expect(page.locator("h1")).to_have_text(plant.name)
        chart = page.locator("[data-chart-url]")
        expect(chart).to_have_attribute("data-chart-state", "ready")
        assert int(chart.get_attribute("data-chart-points")) == PowerSample.objects.for_day(
            plant, plant.local_today()).count()
        for device in plant.devices.all():
            page.goto(f"{live_server.url}/plants/{plant.pk}/devices/{device.pk}/")
            expect(page.locator("h1")).to_have_text(str(device))
            expect(page.locator("[data-chart-url]")).not_to_have_attribute("data-chart-state", "error")
    hybrid = next(p for p in plants if p.devices.filter(kind="mix").exists())
    page.goto(f"{live_server.url}/plants/{hybrid.pk}/")
    expect(page.locator(".flow [data-flow=battery]")).not_to_have_attribute("data-state", "none")
    shot(page, "dashboard-sim-plant-day-desktop")
    page.goto(f"{live_server.url}/plants/{hybrid.pk}/?view=month")
    expect(page.locator("[data-chart-url]")).to_have_attribute("data-chart-state", "ready")
    today = hybrid.local_today()
    with page.expect_download() as download_info:
        page.goto(f"{live_server.url}/plants/{hybrid.pk}/")
        page.fill("#export-start", today.isoformat())
        page.fill("#export-end", today.isoformat())
        page.get_by_role("button", name="Download CSV").click()
    rows = read_csv(download_info.value.path())
    assert len(rows) - 1 == PowerSample.objects.for_day(hybrid, today).count() > 0


def test_pages_work_without_javascript_except_the_charts(live_server, nojs_page, login_as, owner, plants):
    page = nojs_page
    home = plants["home"]
    login_as(page, owner)
    page.goto(live_server.url + "/")
    expect(page.locator(f"#plant-{home.pk} [data-live=pv]")).to_have_text("3.42 kW")
    page.goto(f"{live_server.url}/plants/{home.pk}/")
    expect(page.locator(".flow [data-live=pv]")).to_have_text("3.42 kW")
    shown = "el => getComputedStyle(el).display"  # CSS draws the direction from data-state
    assert page.locator(".flow .link-grid .arrow-export").evaluate(shown) != "none"
    assert page.locator(".flow .link-grid .arrow-import").evaluate(shown) == "none"
    assert page.locator(".flow .link-battery .arrow-charge").evaluate(shown) != "none"
    expect(page.locator("[data-chart-status]")).to_be_hidden()  # no "Loading…" that never ends
    page.locator(".segmented").get_by_role("link", name="Month").click()
    page.locator(".period-table summary").click()
    expect(page.locator(".period-table tbody tr").first).to_be_visible()
    page.get_by_role("link", name="Previous month").click()
    expect(page.locator("#chart-title")).to_contain_text("Energy · ")
    page.fill("#datenav-date", (home.local_today() - dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server.url}/plants/{home.pk}/?view=month&date="
                             f"{(home.local_today() - dt.timedelta(days=3)).isoformat()}")
    shot(page, "dashboard-plant-month-nojs-desktop")
