"""The shared Playwright harness: Debian's Chromium, a logged-in page, screenshots.

Use in any test module::

    pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

    def test_something(live_server, page, login_as, owner):
        login_as(page, owner)               # real login through the form
        page.goto(live_server.url + "/")
        shot(page, "home-desktop")          # saved under test-artifacts/screenshots/

Screenshots of failing tests land in ``test-artifacts/`` (pytest-playwright's
``--screenshot only-on-failure``, set in pyproject.toml). Browser tests are
skipped, with a reason, when ``/usr/bin/chromium`` is missing; ``make test``
installs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "pw-for-tests-123"  # what conftest.make_user gives every persona
PHONE = {"width": 360, "height": 780}


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"browser tests need Chromium at {CHROMIUM} (make test installs it)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "accept_downloads": True,
            "timezone_id": "Europe/Berlin", "locale": "en-GB"}


@pytest.fixture
def login_as(live_server):
    """Log a persona in through the real login form."""

    def login(page, user, password: str = PASSWORD):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"login failed for {user.get_username()}"
        return page

    return login


def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/screenshots/ for people to look at."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _screenshot_if_failed(request, page, suffix: str) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        name = "".join(c if c.isalnum() or c in "-_." else "-" for c in request.node.nodeid)
        path = ARTIFACTS / "failures" / f"{name}-{suffix}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception:  # a crashed page must not hide the test's own failure
            pass


@pytest.fixture
def phone_page(browser, browser_context_args, request):
    """A page 360 px wide, like a small phone (screenshot saved on failure, like ``page``)."""
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE, "is_mobile": True,
                                     "has_touch": True})
    page = context.new_page()
    yield page
    _screenshot_if_failed(request, page, "phone")
    context.close()


@pytest.fixture
def nojs_page(browser, browser_context_args, request):
    """A desktop page with JavaScript switched off: what works without scripts."""
    context = browser.new_context(**{**browser_context_args, "java_script_enabled": False})
    page = context.new_page()
    yield page
    _screenshot_if_failed(request, page, "nojs")
    context.close()


def page_width(page) -> int:
    """The document's scroll width: more than the viewport means the page scrolls sideways."""
    return page.evaluate("document.documentElement.scrollWidth")
