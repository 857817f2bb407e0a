"""Project-wide test fixtures: personas, fast settings, the simulator, the browser harness."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["simulator.testing", "tests.browser"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GROWATT_RETRY_BASE_SECONDS = 0
    settings.GROWATT_REQUEST_TIMEOUT = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def session_queries(settings) -> int:
    """Queries a logged-in request spends reading its session: one from the database, none when
    sessions are read from the shared cache (``cached_db``, the setting with Redis)."""
    return 0 if settings.SESSION_ENGINE.endswith(".cached_db") else 1


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, password: str = "pw-for-tests-123", **extra):
        return django_user_model.objects.create_user(
            username=username, password=password, email=f"{username}@example.com", **extra
        )

    return make


@pytest.fixture
def owner(make_user):
    return make_user("olivia")


@pytest.fixture
def viewer(make_user):
    return make_user("victor")


@pytest.fixture
def editor(make_user):
    return make_user("edith")


@pytest.fixture
def stranger(make_user):
    return make_user("stan")


@pytest.fixture
def demo_account(db, owner, growatt_sim):
    """A Growatt account of the owner on the simulator's demo login."""
    from plants.models import GrowattAccount

    return GrowattAccount.objects.create(
        owner=owner, label="Home", server_url=growatt_sim.url, username="demo", password="demo"
    )


@pytest.fixture
def synced_account(demo_account, settings):
    """The demo account after one full sync (plants, devices, today and a few days of history)."""
    from plants.sync import sync_account

    settings.GROWATT_BACKFILL_DAYS = 3
    run = sync_account(demo_account.pk)
    assert run is not None and run.outcome == "ok", run and run.message
    demo_account.refresh_from_db()
    return demo_account
