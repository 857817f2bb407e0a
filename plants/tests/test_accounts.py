"""Growatt account pages: add + test connection, fix credentials, lock display, delete."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from plants.models import GrowattAccount, GrowattLogin, Plant
from plants.sync import sync_account

pytestmark = pytest.mark.django_db(transaction=True)


def add_form(sim_url, **extra):
    data = {"label": "Home", "server": "custom", "custom_server_url": sim_url, "username": "demo",
            "password": "demo"}
    data.update(extra)
    return data


def test_add_account_tests_the_connection_and_reuses_that_session(client, owner, growatt_sim, settings):
    settings.GROWATT_BACKFILL_DAYS = 1
    client.force_login(owner)
    response = client.post(reverse("account_add"), add_form(growatt_sim.url), follow=True)
    assert response.status_code == 200
    account = GrowattAccount.objects.get(owner=owner)
    content = response.content.decode()
    assert "Connected" in content and "Berlin Hybrid" in content  # plants found are listed
    assert "value=\"demo\"" not in content.split("Growatt password")[1][:300]  # never rendered back
    assert growatt_sim.stats()["loginsPerAccount"]["demo"] == 1
    # The first sync reuses the session of the connection test: still one login.
    run = sync_account(account.pk)
    assert run.outcome == "ok" and run.logins == 0
    assert growatt_sim.stats()["loginsPerAccount"]["demo"] == 1


def test_add_account_with_wrong_password_says_so_and_keeps_the_form_data(client, owner, growatt_sim):
    client.force_login(owner)
    response = client.post(reverse("account_add"), add_form(growatt_sim.url, password="nope"), follow=True)
    content = response.content.decode()
    assert "refused the username or password" in content
    account = GrowattAccount.objects.get(owner=owner)
    assert account.state == GrowattAccount.State.BAD_CREDENTIALS
    assert "Fix the credentials" in content


def test_invalid_add_form_shows_errors_and_saves_nothing(client, owner):
    client.force_login(owner)
    response = client.post(reverse("account_add"), {"label": "", "server": "custom", "custom_server_url": "ftp://x",
                                                    "username": "", "password": ""})
    assert response.status_code == 200
    assert GrowattAccount.objects.count() == 0
    content = response.content.decode()
    assert "This field is required." in content
    assert "Enter a full http:// or https:// address." in content


def test_fixing_credentials_resumes_syncing(client, owner, growatt_sim):
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url=growatt_sim.url,
                                            username="demo", password="wrong")
    sync_account(account.pk)
    account.refresh_from_db()
    assert account.state == GrowattAccount.State.BAD_CREDENTIALS
    client.force_login(owner)
    response = client.post(reverse("account_credentials", args=[account.pk]),
                           {"username": "demo", "password": "demo"}, follow=True)
    assert "Connected" in response.content.decode()
    account.refresh_from_db()
    assert account.state == GrowattAccount.State.OK
    assert account.password == "demo"
    assert GrowattAccount.objects.due().filter(pk=account.pk).exists()


def test_locked_account_page_says_until_when_and_sends_nothing(client, owner, growatt_sim):
    until = timezone.now() + dt.timedelta(hours=20)
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url=growatt_sim.url,
                                            username="demo", password="demo",
                                            state=GrowattAccount.State.LOCKED, locked_until=until)
    client.force_login(owner)
    page = client.get(reverse("account_detail", args=[account.pk])).content.decode()
    assert "Locked until" in page and timezone.localtime(until).strftime("%Y-%m-%d %H:%M") in page
    client.post(reverse("account_test", args=[account.pk]))
    client.post(reverse("account_sync_now", args=[account.pk]))
    assert growatt_sim.stats()["requests"] == 0
    home = client.get(reverse("home")).content.decode()
    assert "Locked by Growatt" in home


def test_delete_asks_first_then_removes_plants_and_data(client, owner, growatt_sim, settings):
    settings.GROWATT_BACKFILL_DAYS = 1
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url=growatt_sim.url,
                                            username="demo", password="demo")
    sync_account(account.pk)
    assert Plant.objects.filter(account=account).exists()
    client.force_login(owner)
    confirm = client.get(reverse("account_delete", args=[account.pk]))
    assert "Delete account and data" in confirm.content.decode()
    assert GrowattAccount.objects.filter(pk=account.pk).exists()
    client.post(reverse("account_delete", args=[account.pk]))
    assert not GrowattAccount.objects.filter(pk=account.pk).exists()
    assert not Plant.objects.exists()
    assert not GrowattLogin.objects.exists()


def test_other_peoples_accounts_are_not_found(client, owner, stranger):
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url="https://openapi.growatt.com/",
                                            username="u", password="p")
    client.force_login(stranger)
    for name in ("account_detail", "account_delete"):
        assert client.get(reverse(name, args=[account.pk])).status_code == 404
    for name in ("account_test", "account_credentials", "account_sync_now", "account_delete"):
        assert client.post(reverse(name, args=[account.pk])).status_code == 404
    assert "Home" not in client.get(reverse("account_list")).content.decode()


def test_growatt_outage_on_test_connection_is_a_message_not_a_500(client, owner):
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url="http://127.0.0.1:9/",
                                            username="u", password="p")
    client.force_login(owner)
    response = client.post(reverse("account_test", args=[account.pk]), follow=True)
    assert response.status_code == 200
    assert "did not answer" in response.content.decode()
