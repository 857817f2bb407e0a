"""Login throttling through the real login view with django-axes on: 5 failures per user and IP lock
that pair out for the cool-off, with a clear page; other people and other addresses are unaffected."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # conftest.make_user's


def attempt(client: Client, username: str, password: str, url: str = "/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def fail_five_times(client: Client, username: str, url: str = "/accounts/login/") -> None:
    for n in range(5):
        response = attempt(client, username, f"wrong-{n}", url)
        if n < 4:
            assert response.status_code == 200, response.status_code  # the form again, with its error
        else:  # the fifth failure already answers with the lockout page
            assert response.status_code == 429, response.status_code
            assert "Too many failed logins" in response.content.decode()


def test_five_failures_lock_the_user_on_that_address_with_a_clear_message(owner, settings):
    assert settings.AXES_ENABLED and settings.AXES_FAILURE_LIMIT == 5
    client = Client(REMOTE_ADDR="203.0.113.7")
    first = attempt(client, owner.username, "wrong")
    assert "didn't match" in first.content.decode()
    for n in range(4):
        attempt(client, owner.username, f"wrong-{n}")
    # The sixth attempt, even with the right password, is refused.
    locked = attempt(client, owner.username, PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert "5 failed login attempts" in page and "15 minutes" in page
    assert reverse("password_reset") in page
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username=owner.username, ip_address="203.0.113.7").exists()


def test_the_lock_is_per_user_and_address(owner, viewer):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    fail_five_times(attacker, owner.username)
    assert attempt(attacker, owner.username, PASSWORD).status_code == 429
    # The owner at home, on another address, logs in as usual.
    home = Client(REMOTE_ADDR="198.51.100.20")
    assert attempt(home, owner.username, PASSWORD).status_code == 302
    # Another person behind the attacker's address is not locked out either.
    neighbour = Client(REMOTE_ADDR="203.0.113.7")
    assert attempt(neighbour, viewer.username, PASSWORD).status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_count(owner):
    """Only REMOTE_ADDR counts (set a trusted proxy's header explicitly when deploying behind one)."""
    for n in range(5):
        attempt(Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), owner.username, "wrong")
    fresh_disguise = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert attempt(fresh_disguise, owner.username, PASSWORD).status_code == 429


def test_the_lock_ends_after_the_cool_off(owner, time_machine):
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    client = Client(REMOTE_ADDR="203.0.113.7")
    fail_five_times(client, owner.username)
    time_machine.move_to(start + dt.timedelta(minutes=16), tick=False)
    assert attempt(client, owner.username, PASSWORD).status_code == 302


def test_trying_during_the_lock_starts_the_cool_off_again(owner, time_machine):
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    time_machine.move_to(start, tick=False)
    client = Client(REMOTE_ADDR="203.0.113.7")
    fail_five_times(client, owner.username)
    time_machine.move_to(start + dt.timedelta(minutes=14), tick=False)
    assert attempt(client, owner.username, PASSWORD).status_code == 429
    time_machine.move_to(start + dt.timedelta(minutes=16), tick=False)
    assert attempt(client, owner.username, PASSWORD).status_code == 429  # 2 minutes after the last try
    time_machine.move_to(start + dt.timedelta(minutes=32), tick=False)
    assert attempt(client, owner.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(owner):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(4):
        attempt(client, owner.username, f"wrong-{n}")
    assert attempt(client, owner.username, PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for n in range(4):
        attempt(client, owner.username, f"wrong-again-{n}")
    assert attempt(client, owner.username, PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(django_user_model):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    client = Client(REMOTE_ADDR="203.0.113.7")
    url = reverse("admin:login")
    for n in range(5):
        attempt(client, boss.username, f"wrong-{n}", url)
    assert attempt(client, boss.username, PASSWORD, url).status_code == 429
