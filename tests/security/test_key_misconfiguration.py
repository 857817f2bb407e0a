"""A server whose FIELD_ENCRYPTION_KEYS cannot open the stored secrets (a key removed before
``rotate_encryption_keys`` ran, a wrong secret store) keeps working for people and says what is
wrong, and the sync records the problem instead of crashing every minute; nothing is sent to Growatt."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plants.models import GrowattAccount
from plants.sync import sync_account
from plants.tests.factories import make_plant

pytestmark = pytest.mark.django_db

EXPLANATION = "encryption keys are misconfigured"


@pytest.fixture
def unreadable(owner, settings, growatt_sim):
    plant = make_plant(owner, devices=1, days=1)
    account = plant.account
    GrowattAccount.objects.filter(pk=account.pk).update(server_url=growatt_sim.url)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # not the key the secrets were written with
    return plant, account


def test_pages_still_work_and_the_account_page_says_what_is_wrong(unreadable, owner):
    plant, account = unreadable
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    for url in (reverse("home"), reverse("account_list"), reverse("account_detail", args=[account.pk]),
                reverse("plant_detail", args=[plant.pk]), reverse("account_delete", args=[account.pk])):
        assert client.get(url).status_code == 200, url
    tested = client.post(reverse("account_test", args=[account.pk]), follow=True)
    assert tested.status_code == 200
    assert EXPLANATION in tested.content.decode()


def test_the_sync_records_the_problem_and_backs_off_without_calling_growatt(unreadable, growatt_sim):
    _, account = unreadable
    before = growatt_sim.stats()["requests"]
    run = sync_account(account.pk, force=True)
    assert run is not None and run.outcome == "error"
    account.refresh_from_db(fields=["state", "last_error", "next_sync_at", "lease_until"])
    assert account.state == GrowattAccount.State.ERROR
    assert EXPLANATION in account.last_error
    assert account.next_sync_at > timezone.now()
    assert account.lease_until is None
    assert growatt_sim.stats()["requests"] == before


def test_entering_the_password_again_repairs_the_account(unreadable, owner, growatt_sim):
    _, account = unreadable
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.post(reverse("account_credentials", args=[account.pk]), {"username": "demo", "password": "demo"})
    assert response.status_code == 302
    account = GrowattAccount.objects.get(pk=account.pk)
    assert account.password == "demo"  # readable again, with the current key
    assert account.state == GrowattAccount.State.OK, account.last_error


def test_the_admin_still_lists_and_edits_the_account(unreadable, django_user_model):
    _, account = unreadable
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-for-tests-123")
    client = Client(raise_request_exception=False)
    client.force_login(boss)
    for url in (reverse("admin:plants_growattaccount_changelist"),
                reverse("admin:plants_growattaccount_change", args=[account.pk])):
        assert client.get(url).status_code == 200, url
