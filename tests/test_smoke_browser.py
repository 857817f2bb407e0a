import pytest

from tests.browser import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_page_renders_and_logs_in(live_server, page, login_as, owner):
    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    login_as(page, owner)
    assert page.locator("h1").first.inner_text() == "Your plants"
    shot(page, "home-empty")


def test_wrong_password_shows_a_clear_message(live_server, page, owner):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "didn't match" in page.locator(".notice-error").inner_text()
