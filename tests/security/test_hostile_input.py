"""Hostile input to every form and every JSON endpoint: never a 500.

Hypothesis posts arbitrary values to every URL of the project that accepts a POST (the account,
credentials, timezone, sharing, invitation, sign-up and every settings form, the auth views) and
sends arbitrary query strings to every page and JSON endpoint. Field names come from the forms the
pages really render (plus invented ones); each example starts from the form's own values and
replaces some of them with hostile text: NUL bytes, unicode digits, huge numbers, 100 kB strings,
dates that do not exist, markup, several values for one field. Every example is rolled back.

Django's own admin is left out (its forms are Django's); Growatt is unreachable here (the world's
account points at a closed loopback port, and nothing may leave the machine), so the settings pages
meet a Growatt failure as well.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import client_as, every_url
from tests.test_authz_matrix import NAMED, is_admin, rule_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_internet")]

SPECIAL = ["", " ", "0", "-1", "1", "on", "off", "true", "None", "null", "NaN", "inf", "-inf", "1e309", "9" * 30,
           "9" * 5000, "²", "١٢٣", "１２:３０", "12:60", "24:00", "-1:00", "2026-02-30", "0000-00-00", "9999-12-31",
           "2026-13", "1969", "99999", "\x00", "a\x00b", "\u202e", "😀", "<script>alert(1)</script>", "' OR 1=1 --",
           "../../../etc/passwd", "%00", "\r\nSet-Cookie: x=y", "x" * 100_000, "Europe/Berlin", "Etc/GMT-99",
           "https://evil.example/", "//evil.example", "javascript:alert(1)", "viewer", "editor", "owner", "admin",
           "daily", "samples", "day", "month", "year", "charge", "discharge"]
text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
values = st.one_of(st.sampled_from(SPECIAL), text, st.integers(-(10**30), 10**30).map(str),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr))
field_values = st.one_of(values, st.lists(values, min_size=2, max_size=3))

FIELD = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*\bname=["']([^"']+)["']""", re.I)
INPUT = re.compile(r"<input\b[^>]*>", re.I)
ATTR = re.compile(r"""\b(name|value|type)=["']([^"']*)["']""", re.I)
QUERY = ["date", "month", "year", "view", "start", "end", "kind", "page", "next", "format", "device", "slug"]
# Read straight from request.POST/GET by some views, not only through forms.
RAW_PARAMS = ["reverts", "token", "fingerprint", "page", "next", "role", "kind", "date"]
# The deterministic sweep: each field of each form, one at a time, gets each of these.
NASTY = ["²", "9" * 5000, "99999999999999999999999", "\x00", "x" * 20_000, "1e309", ["a", "b"]]

_cache: dict = {}


SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.I | re.S)
OPTION = re.compile(r"<option\b([^>]*)>", re.I)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.I | re.S)


def defaults_of(html: str) -> dict[str, str]:
    """The values a browser would submit for the page's form fields (hidden ones included)."""
    out = {}
    for tag in INPUT.findall(html):
        attrs = {k.lower(): v for k, v in ATTR.findall(tag)}
        kind = attrs.get("type", "text").lower()
        if "name" not in attrs or kind in ("submit", "button", "file"):
            continue
        if kind in ("checkbox", "radio"):
            if re.search(r"\schecked\b", tag, re.I):
                out[attrs["name"]] = attrs.get("value", "on")
            continue
        out[attrs["name"]] = attrs.get("value", "")
    for attributes, body in SELECT.findall(html):
        name = {k.lower(): v for k, v in ATTR.findall(attributes)}.get("name")
        options = [{k.lower(): v for k, v in ATTR.findall(o)} | {"selected": "selected" in o}
                   for o in OPTION.findall(body)]
        chosen = next((o for o in options if o["selected"]), options[0] if options else None)
        if name and chosen is not None:
            out[name] = chosen.get("value", "")
    for attributes, body in TEXTAREA.findall(html):
        name = {k.lower(): v for k, v in ATTR.findall(attributes)}.get("name")
        if name:
            out[name] = body
    return out


def page_for_post(url: str) -> str:
    """The page whose form posts to ``url``: the URL itself, or the one above it (…/preview/ → …/)."""
    path = urlsplit(url).path
    return path.rsplit("/", 2)[0] + "/" if path.count("/") > 2 else path


def survey(world) -> tuple[list[str], dict[str, dict]]:
    """Every field name the app renders anywhere, and each POST URL's starting values."""
    if "survey" not in _cache:
        names: set[str] = set(QUERY)
        defaults: dict[str, dict] = {}
        owner = client_as("owner", world)
        for name, url in every_url(world, admin=False):
            for candidate in (url, page_for_post(url)):
                response = owner.get(candidate)
                if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                    html = response.content.decode("utf-8", "replace")
                    names.update(FIELD.findall(html))
                    defaults.setdefault(name, defaults_of(html))
        names.discard("csrfmiddlewaretoken")
        _cache["survey"] = (sorted(names), defaults)
    return _cache["survey"]


def persona_for(name: str, method: str) -> str:
    """Anonymous people for the public forms (login, password reset, invitation); the owner elsewhere."""
    expected = getattr(rule_for(name), method)
    return "anonymous" if expected["anonymous"] not in ("login", 405) else "owner"


def accepts(name: str, method: str) -> bool:
    expected = getattr(rule_for(name), method)
    return expected["owner"] != 405 or expected["anonymous"] not in (405, "login")


def urls_for(method: str, world) -> list[tuple[str, str]]:
    return [(name, url) for name, url in every_url(world, admin=False)
            if name != "logout" and accepts(name, method)]  # logout would end the examples' session


def sweep(send, url: str, start: dict, fields) -> int:
    """Every field, one at a time, set to every NASTY value on top of the form's own values."""
    sent = 0
    for field in sorted(set(fields) - {"csrfmiddlewaretoken"}):
        for value in NASTY:
            body = {**start, field: value}
            with rolled_back():
                response = send(url, body)
            sent += 1
            assert response.status_code < 500, f"{url} with {field}={value!r:.60}: {response.status_code}"
    return sent


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


HYPOTHESIS = settings(max_examples=12, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                             HealthCheck.data_too_large])


def names_strategy(world):
    vocabulary, _ = survey(world)
    return st.one_of(st.sampled_from(vocabulary), st.text(min_size=1, max_size=12))


def test_the_survey_found_the_forms(world):
    vocabulary, defaults = survey(world)
    for field in ("password", "username", "timezone", "email", "role", "label", "new_password1", "date"):
        assert field in vocabulary, field
    assert len(urls_for("POST", world)) > 25 and len(urls_for("GET", world)) > 30


FORMS = [name for name in NAMED if not is_admin(name) and name != "logout" and accepts(name, "POST")]
PAGES = [name for name in NAMED if not is_admin(name) and accepts(name, "GET")]


@pytest.mark.parametrize("name", FORMS)
def test_hostile_form_posts_never_cause_a_500(world, name):
    url = dict(every_url(world, admin=False))[name]
    persona = persona_for(name, "POST")
    client = client_as(persona, world)
    _, defaults = survey(world)
    start = defaults.get(name, {})

    @HYPOTHESIS
    @given(data=st.dictionaries(names_strategy(world), field_values, max_size=10), keep=st.booleans())
    def run(data, keep):
        body = {**(start if keep else {}), **data}
        with rolled_back():
            response = client.post(url, body)
        assert response.status_code < 500, f"POST {url} as {persona} with {body!r:.500}"

    run()
    sweep(client.post, url, start, [*start, *RAW_PARAMS])


@pytest.mark.parametrize("name", PAGES)
def test_hostile_query_strings_never_cause_a_500(world, name):
    url = dict(every_url(world, admin=False))[name].split("?")[0]
    persona = persona_for(name, "GET")
    client = client_as(persona, world)

    @HYPOTHESIS
    @given(query=st.dictionaries(st.one_of(st.sampled_from(QUERY), st.text(min_size=1, max_size=8)),
                                 field_values, max_size=5))
    def run(query):
        with rolled_back():
            response = client.get(url, query)
        assert response.status_code < 500, f"GET {url} as {persona} with {query!r:.500}"

    run()
    sweep(client.get, url, {}, QUERY)


def test_the_lists_cover_the_forms_and_the_json_endpoints():
    assert {"account_add", "account_credentials", "plant_timezone", "plant_share", "plant_kiosk_create",
            "invitation_accept", "login", "password_reset", "settings_ui:schedule_preview"} <= set(FORMS)
    assert {"plant_live", "plant_chart_day", "plant_chart_month", "plant_chart_year", "plant_export_csv",
            "device_chart_day", "kiosk_live", "kiosk_day"} <= set(PAGES)


def test_raw_hostile_requests_never_cause_a_500(world):
    owner = client_as("owner", world)
    plant_url = every_url_by_name(world)["plant_chart_day"]
    timezone_url = every_url_by_name(world)["plant_timezone"]
    for response in (
        owner.get(plant_url + "?date=%ff%fe%00"),
        owner.get(plant_url + "?" + "&".join(f"date={n}" for n in range(500))),
        owner.post(timezone_url, data=b"\xff\xfe\x00garbage", content_type="application/x-www-form-urlencoded"),
        owner.post(timezone_url, data=b"--x\r\nnot multipart", content_type="multipart/form-data; boundary=x"),
        owner.post(timezone_url, data='{"timezone": "UTC"}', content_type="application/json"),
        owner.post(timezone_url, {f"f{n}": "x" for n in range(1500)}),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
        owner.generic("PUT", timezone_url, b"timezone=UTC"),
        owner.generic("PATCH", plant_url),
        owner.generic("OPTIONS", plant_url),
    ):
        assert response.status_code < 500, response.status_code


def every_url_by_name(world) -> dict[str, str]:
    return dict(every_url(world, admin=False))


# --------------------------------------------------------------------------------------
# The settings forms against the simulator: their real forms, previews and confirm tokens
# --------------------------------------------------------------------------------------

SETTINGS = {
    # POST URL: (the page whose form posts there, whether its values come from a preview)
    "settings_ui:plant_settings_preview": ("settings_ui:plant_settings", False),
    "settings_ui:plant_settings_confirm": ("settings_ui:plant_settings_preview", True),
    "settings_ui:schedule_preview": ("settings_ui:schedule_edit", False),
    "settings_ui:schedule_confirm": ("settings_ui:schedule_preview", True),
    "settings_ui:clock_preview": ("settings_ui:clock", False),
    "settings_ui:clock_confirm": ("settings_ui:clock_preview", True),
}


@pytest.fixture
def growatt_sim_options():
    return {"login_allowance": 10**6}


@pytest.fixture
def settings_web(synced_account, client, owner, settings):
    from plants.models import Device, Plant
    from settings_ui.models import Acknowledgement

    settings.GROWATT_MAX_LOGINS_PER_DAY = 10**6
    Acknowledgement.accept(owner)
    client.raise_request_exception = False
    client.force_login(owner)
    plant = Plant.objects.get(account=synced_account, growatt_id="1001001")
    device = Device.objects.get(plant=plant, kind="mix")
    return client, plant, device


def settings_url(name: str, plant, device) -> str:
    from django.urls import reverse

    if name.startswith("settings_ui:plant_settings"):
        return reverse(name, args=[plant.pk])
    if name.startswith("settings_ui:clock"):
        return reverse(name, args=[plant.pk, device.pk])
    return reverse(name, args=[plant.pk, device.pk, "charge"])


def confirm_form(html: str) -> dict[str, str]:
    start = html.find('class="card st-confirm"')
    assert start >= 0, re.sub(r"\s+", " ", html[html.find("<h1>"):])[:3000]
    return defaults_of(html[start:html.index("</form>", start)])


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_hostile_settings_posts_against_the_simulator_never_cause_a_500(settings_web, name):
    client, plant, device = settings_web
    source, from_preview = SETTINGS[name]
    if from_preview:
        edit, _ = SETTINGS[source]
        page = client.get(settings_url(edit, plant, device)).content.decode()
        change = {"settings_ui:plant_settings": {"city": "Potsdam"}, "settings_ui:schedule_edit": {"power": "55"}}
        preview = client.post(settings_url(source, plant, device), {**defaults_of(page), **change.get(edit, {})})
        start = confirm_form(preview.content.decode())
    else:
        page = client.get(settings_url(source, plant, device))
        assert page.status_code == 200
        start = defaults_of(page.content.decode())
    assert start, f"no form values found for {name}"
    url = settings_url(name, plant, device)
    vocabulary = sorted(start) + QUERY

    @HYPOTHESIS
    @given(data=st.dictionaries(st.one_of(st.sampled_from(vocabulary), st.text(min_size=1, max_size=12)),
                                field_values, max_size=6))
    def run(data):
        body = {**start, **data}
        with rolled_back():
            response = client.post(url, body)
        assert response.status_code < 500, f"POST {url} with {body!r:.500}"

    run()
    sweep(client.post, url, start, [*start, *RAW_PARAMS])
