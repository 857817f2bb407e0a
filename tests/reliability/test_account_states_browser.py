"""What a person sees when Growatt misbehaves: a lockout with its end, and an unreadable reply.

Both states are produced for real (a 507 from the simulator; a hostile reply at the client
seam), then the account page and the home page are opened in the browser at desktop and phone
width. Screenshots: test-artifacts/screenshots/reliability-*.png.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plants.models import GrowattAccount
from plants.sync import sync_account
from tests.browser import page_width, shot
from tests.reliability.seam import HostileAdapter, Reply, install

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_locked_account_says_until_when_and_that_nothing_is_sent(live_server, page, phone_page, login_as,
                                                                    demo_account, growatt_sim):
    growatt_sim.lock_account("demo")
    run = sync_account(demo_account.pk)
    assert run.outcome == "locked"
    demo_account.refresh_from_db()
    until = f"{timezone.localtime(demo_account.locked_until):%Y-%m-%d %H:%M}"
    for view, name in ((page, "desktop"), (phone_page, "phone")):
        login_as(view, demo_account.owner)
        view.goto(f"{live_server.url}/accounts/growatt/{demo_account.pk}/")
        expect(view.get_by_text("Locked by Growatt").first).to_be_visible()
        expect(view.get_by_text("Locked until")).to_be_visible()
        expect(view.get_by_text(until).first).to_be_visible()
        expect(view.get_by_text("growattweb sends nothing to Growatt until then")).to_be_visible()
        assert page_width(view) <= view.viewport_size["width"], "the page scrolls sideways"
        shot(view, f"reliability-account-locked-{name}")
        view.goto(f"{live_server.url}/")
        shot(view, f"reliability-home-locked-{name}")


def test_an_unreadable_reply_shows_a_plain_error_on_the_account_page(live_server, page, phone_page, login_as,
                                                                      demo_account, growatt_sim, monkeypatch):
    adapter = HostileAdapter(lambda route, real: Reply(200, b"[" * 100_000 + b"]" * 100_000)
                             if route != "PlantListAPI.do" else None)
    install(monkeypatch, adapter)
    run = sync_account(demo_account.pk)
    assert run.outcome == "error", run.message
    demo_account.refresh_from_db()
    assert demo_account.state == GrowattAccount.State.ERROR
    for view, name in ((page, "desktop"), (phone_page, "phone")):
        login_as(view, demo_account.owner)
        view.goto(f"{live_server.url}/accounts/growatt/{demo_account.pk}/")
        expect(view.get_by_text("Last sync failed").first).to_be_visible()
        expect(view.get_by_text("Last error")).to_be_visible()
        expect(view.get_by_text("could not understand", exact=False).first).to_be_visible()
        assert "Traceback" not in view.content()
        assert page_width(view) <= view.viewport_size["width"], "the page scrolls sideways"
        shot(view, f"reliability-account-error-{name}")
