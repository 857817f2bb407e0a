"""The Growatt password, its MD5-c hash and the session cookie never appear in clear anywhere.

One story runs against the simulator with a distinctive password: the owner adds the account
through the web form, a full sync (discovery, today, backfill), a session expiry and re-login,
a wrong password typed into the credentials form and then the right one again, and a battery
schedule written through the settings pages. Then every place a secret could leak is searched:

* every column of every table (raw SQL, so encrypted fields are seen as stored) and ``dumpdata``;
* every log line of the story, at DEBUG for every logger (SQL with parameters included);
* every page of the app as the owner and as a viewer, and the kiosk page;
* the 404, 403 and 500 pages with DEBUG off, and the error report Django mails to ADMINS (or an
  error tracker sees, local variables included) when a view fails in the middle of a Growatt login;
* the admin's list, change, delete and history pages of every registered model, as a superuser.
"""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.views.debug import ExceptionReporter

from growatt import GrowattApi, hash_password
from plants.models import Device, GrowattAccount, Plant, Role
from plants.sync import sync_account
from plants.tests.factories import share
from settings_ui.models import Acknowledgement, SettingChange
from settings_ui.tests.test_simulator import confirm_schedule, window

pytestmark = pytest.mark.django_db

PASSWORD = "Tr0ub4dor&3-growatt-Secret"  # noqa: S105 - the secret the test hunts for
WRONG = "Wr0ng-but-Still-Secret-42"  # noqa: S105


@pytest.fixture
def growatt_sim_options():
    return {"speed": 0, "start": "2026-11-25T10:00:00Z"}


@pytest.fixture
def sim(growatt_sim, time_machine):
    time_machine.move_to("2026-11-25T10:00:00Z", tick=False)
    growatt_sim.world.accounts["demo"].password_hash = hash_password(PASSWORD)
    return growatt_sim


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        text = self.format(record)  # includes the formatted traceback of exc_info
        for extra in ("request", "sql", "params"):
            if hasattr(record, extra):
                text += f" [{extra}={getattr(record, extra)!r}]"
        self.lines.append(text)


LOGGERS = ["", "django", "django.request", "django.db.backends", "django.security", "growatt", "plants",
           "settings_ui", "celery", "kombu", "urllib3", "requests", "axes"]


@pytest.fixture
def logs():
    """Every logger at DEBUG into one list, SQL statements with their parameters too."""
    capture = Capture()
    saved = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = (logger.level, logger.propagate)
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    root = logging.getLogger()
    root.addHandler(capture)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield capture
    finally:
        connection.force_debug_cursor = debug_cursor
        root.removeHandler(capture)
        for name, (level, propagate) in saved.items():
            logging.getLogger(name).setLevel(level)
            logging.getLogger(name).propagate = propagate


class Secrets:
    def __init__(self):
        self.values = {"password": PASSWORD, "password hash": hash_password(PASSWORD), "wrong password": WRONG,
                       "wrong password hash": hash_password(WRONG)}
        self.cookies: set[str] = set()

    def note_sessions(self, sim, account=None):
        with sim.app.sessions_lock:
            self.cookies.update(sim.app.sessions)
        if account is not None:
            account.refresh_from_db()
            for cookie in (account.session or {}).get("cookies", []):
                self.cookies.add(cookie["value"])

    def find(self, text: str) -> list[str]:
        found = [name for name, value in self.values.items() if value in text]
        found += [f"session cookie {c[:6]}…" for c in self.cookies if c and c in text]
        return found


@pytest.fixture
def story(sim, owner, viewer, client, logs, settings):
    """Everything a Growatt secret passes through, once."""
    settings.GROWATT_BACKFILL_DAYS = 2
    secrets = Secrets()
    client.force_login(owner)
    added = client.post(reverse("account_add"), {
        "label": "Home", "username": "demo", "password": PASSWORD, "server": "custom",
        "custom_server_url": sim.url,
    })
    assert added.status_code == 302, added.content.decode()[:2000]
    account = GrowattAccount.objects.get(owner=owner)
    secrets.note_sessions(sim, account)
    assert secrets.cookies, "the connection test stored no session"
    run = sync_account(account.pk)
    assert run.outcome == "ok", run.message
    sim.expire_sessions()
    run = sync_account(account.pk, force=True)
    assert run.outcome == "ok" and run.logins == 1, run.message
    secrets.note_sessions(sim, account)
    # A typo in the credentials form, then the right password again.
    client.post(reverse("account_credentials", args=[account.pk]), {"username": "demo", "password": WRONG})
    account.refresh_from_db()
    assert account.state == GrowattAccount.State.BAD_CREDENTIALS
    client.post(reverse("account_credentials", args=[account.pk]), {"username": "demo", "password": PASSWORD})
    account.refresh_from_db()
    assert account.state == GrowattAccount.State.OK, account.last_error
    secrets.note_sessions(sim, account)
    # A battery schedule written through the settings pages.
    Acknowledgement.accept(owner)
    plant = Plant.objects.get(account=account, growatt_id="1001001")
    device = Device.objects.get(plant=plant, kind="mix")
    change = confirm_schedule(client, plant, device, "charge", window("01:00", "04:00", 80))
    assert change.outcome == "success", change.outcome
    secrets.note_sessions(sim, account)
    share(plant, viewer, Role.VIEWER)
    return account, plant, device, secrets


def test_no_secret_in_any_database_column_nor_in_dumpdata(story):
    account, _, _, secrets = story
    leaks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            for row in cursor.fetchall():
                found = secrets.find(" ".join(str(v) for v in row))
                if found:
                    leaks.append(f"{table}: {found}")
    assert not leaks, leaks
    out = io.StringIO()
    call_command("dumpdata", "plants", "settings_ui", stdout=out)
    assert not secrets.find(out.getvalue())
    # The secrets are there, encrypted: the test would see them if they were stored in clear.
    account.refresh_from_db()
    assert account.password == PASSWORD
    assert account.session["cookies"]


def test_no_secret_in_any_log_line(story, logs):
    *_, secrets = story
    text = "\n".join(logs.lines)
    assert len(logs.lines) > 200, "the capture saw too little to mean anything"
    assert "INSERT" in text and "newMixApi.do" in text  # SQL and HTTP were logged
    leaking = [line[:300] for line in logs.lines if secrets.find(line)]
    assert not leaking, leaking


def page_urls(account, plant, device) -> list[str]:
    urls = [reverse("home"), reverse("account_list"), reverse("account_detail", args=[account.pk]),
            reverse("account_delete", args=[account.pk]), reverse("plant_detail", args=[plant.pk]),
            reverse("plant_live", args=[plant.pk]), reverse("plant_chart_day", args=[plant.pk]),
            reverse("plant_export_csv", args=[plant.pk]) + "?kind=samples",
            reverse("device_detail", args=[plant.pk, device.pk]), reverse("plant_share", args=[plant.pk]),
            reverse("settings_ui:plant_settings", args=[plant.pk]), reverse("settings_ui:schedules", args=[plant.pk]),
            reverse("settings_ui:schedule_edit", args=[plant.pk, device.pk, "charge"]),
            reverse("settings_ui:clock", args=[plant.pk, device.pk]),
            reverse("settings_ui:audit_log", args=[plant.pk])]
    for change in SettingChange.objects.filter(plant=plant):
        urls.append(reverse("settings_ui:audit_entry", args=[plant.pk, change.pk]))
    return urls


def test_no_secret_on_any_page(story, client, viewer):
    account, plant, device, secrets = story
    leaks = []
    for who in ("owner", "viewer"):
        web = client if who == "owner" else Client()
        if who == "viewer":
            web.force_login(viewer)
        for url in page_urls(account, plant, device):
            response = web.get(url)
            assert response.status_code < 500, url
            body = b"".join(response) if response.streaming else response.content
            found = secrets.find(body.decode("utf-8", "replace"))
            if found:
                leaks.append(f"{who} {url}: {found}")
    assert not leaks, leaks


def test_no_secret_on_error_pages_nor_in_the_error_report(story, settings, logs, monkeypatch):
    account, plant, _, secrets = story
    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.com")]
    web = Client(raise_request_exception=False)
    web.force_login(account.owner)
    missing = web.get("/no-such-page/")
    assert missing.status_code == 404
    assert not secrets.find(missing.content.decode())
    as_viewer = Client(raise_request_exception=False)
    as_viewer.force_login(plant.memberships.get().user)
    refused = as_viewer.get(reverse("settings_ui:plant_settings", args=[plant.pk]))
    assert refused.status_code == 403
    assert not secrets.find(refused.content.decode())

    # A bug in the middle of a Growatt login: the password is in the frames' local variables and
    # in the POST data of the request that failed.
    def broken(self, response, endpoint, **kwargs):
        raise RuntimeError("a bug while reading Growatt's reply")

    monkeypatch.setattr(GrowattApi, "_decode", broken)
    reports = []

    def report(sender, request, **kwargs):
        # What an error tracker hooked to this signal sends: the report with local variables.
        exc_type, exc_value, tb = sys.exc_info()
        reports.append(ExceptionReporter(request, exc_type, exc_value, tb, is_email=True).get_traceback_html())

    got_request_exception.connect(report)
    mail.outbox.clear()
    logs.lines.clear()
    try:
        failed = web.post(reverse("account_credentials", args=[account.pk]),
                          {"username": "demo", "password": PASSWORD})
        added = web.post(reverse("account_add"), {"label": "Again", "username": "demo", "password": PASSWORD,
                                                  "server": "custom", "custom_server_url": account.server_url})
    finally:
        got_request_exception.disconnect(report)
    assert failed.status_code == 500 and added.status_code == 500
    for page in (failed, added):
        assert not secrets.find(page.content.decode())
    assert len(mail.outbox) == 2, "Django mails the error report to ADMINS"
    for message in mail.outbox:
        assert "a bug while reading" in message.body
        assert not secrets.find(message.body), "the error report mailed to ADMINS holds a secret"
    assert not [line[:300] for line in logs.lines if secrets.find(line)]
    assert len(reports) == 2
    for html in reports:
        assert "a bug while reading" in html and "Local Vars" in html  # the frames' variables are in it
        assert "********************" in html  # ... cleansed where a secret lives
        assert not secrets.find(html), "an error report with local variables holds a secret"


def admin_urls() -> list[str]:
    urls = []
    for model, _ in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        for obj in model.objects.all()[:3]:
            for view in ("change", "delete", "history"):
                try:
                    urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk]))
                except NoReverseMatch:
                    pass
    return urls


def test_no_secret_on_any_admin_page(story):
    *_, secrets = story
    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-tests-123")
    web = Client()
    web.force_login(boss)
    urls = admin_urls()
    assert any("growattaccount" in u for u in urls) and any("syncrun" in u for u in urls)
    leaks = []
    for url in urls:
        response = web.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        found = secrets.find(response.content.decode())
        if found:
            leaks.append(f"{url}: {found}")
    assert not leaks, leaks
    # The account's change page shows neither a password nor a session field at all.
    account = GrowattAccount.objects.first()
    page = web.get(reverse("admin:plants_growattaccount_change", args=[account.pk])).content.decode()
    assert 'name="password"' not in page and 'name="session_data"' not in page
