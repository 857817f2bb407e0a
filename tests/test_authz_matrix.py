"""Who may open what: every URL of the project × every persona → the expected status.

The list of URLs is not written here: it is read from the URL configuration, so a
new URL without a rule in ``RULES`` fails ``test_every_url_has_a_rule`` with
"no rule for URL name X". Add the rule next to the others (one line, usually one of
the role shorthands below) when you add a URL.

Expectations:
    200, 403, 404, 405, 410  that status;
    302                      a redirect somewhere *other* than the login page (POST/redirect/GET);
    LOGIN                    a redirect to the login page (anonymous people);
    ADMIN_LOGIN              a redirect to the admin's login page (anyone who is not staff).

Personas: anonymous, stranger (logged in, nothing shared), viewer, editor, owner (whose
Growatt account it is) and "kiosk": a browser that holds only a kiosk link and has opened it.

POSTs carry no form data: the matrix is about who gets in, the feature tests are about
what a valid form does. Every case runs in a transaction that is rolled back, so a
POST that deletes something does not change the next case.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plants import sharing
from plants.models import Role
from plants.tests.factories import add_history, make_account, make_plant, share

PERSONAS = ("anonymous", "stranger", "viewer", "editor", "owner", "kiosk")
METHODS = ("GET", "POST")
LOGIN = "login"
ADMIN_LOGIN = "admin-login"


def roles(anonymous, stranger, viewer, editor, owner, kiosk=None) -> dict:
    """Expected result per persona; the kiosk holder is an anonymous visitor unless said otherwise."""
    return {"anonymous": anonymous, "stranger": stranger, "viewer": viewer, "editor": editor, "owner": owner,
            "kiosk": anonymous if kiosk is None else kiosk}


def everyone(expected) -> dict:
    return roles(expected, expected, expected, expected, expected)


# Shorthands for the usual shapes.
LOGGED_IN = roles(LOGIN, 200, 200, 200, 200)            # any signed-in person, about their own things
MEMBERS = roles(LOGIN, 404, 200, 200, 200)               # the plant's people; strangers don't learn it exists
EDITORS = roles(LOGIN, 404, 403, 200, 200)               # owner and editors; viewers are refused
EDITORS_302 = roles(LOGIN, 404, 403, 302, 302)           # ... a POST that redirects after doing (or refusing) it
OWNER = roles(LOGIN, 404, 403, 403, 200)                 # the owner only; members learn it exists but are refused
OWNER_302 = roles(LOGIN, 404, 403, 403, 302)
OWN_ACCOUNT = roles(LOGIN, 404, 404, 404, 200)           # a Growatt account: members never see the owner's
OWN_ACCOUNT_302 = roles(LOGIN, 404, 404, 404, 302)
WRONG_METHOD = roles(LOGIN, 405, 405, 405, 405)          # login first, then 405
NOT_ALLOWED = everyone(405)
PUBLIC = everyone(200)
ADMIN = everyone(ADMIN_LOGIN)


@dataclass
class Rule:
    kwargs: object = None  # a function of the World returning the URL kwargs
    query: object = None  # a function of the World returning query parameters
    GET: dict = field(default_factory=lambda: NOT_ALLOWED)
    POST: dict = field(default_factory=lambda: NOT_ALLOWED)


def plant_kw(w):
    return {"pk": w.plant.pk}


def account_kw(w):
    return {"pk": w.account.pk}


def device_kw(w):
    return {"pk": w.plant.pk, "device_pk": w.device.pk}


def schedule_kw(w):
    return {"pk": w.plant.pk, "device_pk": w.device.pk, "slug": "charge"}


def entry_kw(w):
    return {"pk": w.plant.pk, "entry_pk": w.audit_entry.pk}


RULES: dict[str, Rule] = {
    # --- Django's auth views ------------------------------------------------------------------
    "login": Rule(GET=PUBLIC, POST=PUBLIC),  # an empty POST shows the form again
    "logout": Rule(GET=NOT_ALLOWED, POST=everyone(LOGIN)),  # LOGOUT_REDIRECT_URL is the login page
    "password_change": Rule(GET=LOGGED_IN, POST=LOGGED_IN),
    "password_change_done": Rule(GET=LOGGED_IN, POST=roles(LOGIN, 405, 405, 405, 405)),
    "password_reset": Rule(GET=PUBLIC, POST=PUBLIC),
    "password_reset_done": Rule(GET=PUBLIC, POST=NOT_ALLOWED),
    "password_reset_confirm": Rule(lambda w: {"uidb64": "MQ", "token": "not-a-token"}, GET=PUBLIC, POST=PUBLIC),
    "password_reset_complete": Rule(GET=PUBLIC, POST=NOT_ALLOWED),
    # --- home and Growatt accounts (plants/urls.py) ----------------------------------------------
    # Open sign-up is off by default: the page says so with a 404 (invitations have their own sign-up).
    "signup": Rule(GET=everyone(404), POST=everyone(404)),
    "home": Rule(GET=LOGGED_IN, POST=roles(LOGIN, 405, 405, 405, 405)),
    "account_list": Rule(GET=LOGGED_IN, POST=roles(LOGIN, 405, 405, 405, 405)),
    "account_add": Rule(GET=LOGGED_IN, POST=LOGGED_IN),
    "account_detail": Rule(account_kw, GET=OWN_ACCOUNT, POST=roles(LOGIN, 405, 405, 405, 405)),
    "account_test": Rule(account_kw, GET=WRONG_METHOD, POST=OWN_ACCOUNT_302),
    "account_credentials": Rule(account_kw, GET=WRONG_METHOD, POST=OWN_ACCOUNT_302),
    "account_sync_now": Rule(account_kw, GET=WRONG_METHOD, POST=OWN_ACCOUNT_302),
    "account_delete": Rule(account_kw, GET=OWN_ACCOUNT, POST=OWN_ACCOUNT_302),
    # --- dashboards (plants/dashboard_urls.py) ---------------------------------------------------------
    "plant_detail": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "plant_live": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "plant_chart_day": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "plant_chart_month": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "plant_chart_year": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "plant_export_csv": Rule(plant_kw, lambda w: {"start": w.today, "end": w.today, "kind": "daily"},
                             GET=MEMBERS, POST=WRONG_METHOD),
    # An empty form is shown again with a 400.
    "plant_timezone": Rule(plant_kw, GET=WRONG_METHOD, POST=roles(LOGIN, 404, 403, 400, 400)),
    "device_detail": Rule(device_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "device_chart_day": Rule(device_kw, GET=MEMBERS, POST=WRONG_METHOD),
    # --- sharing (plants/sharing_urls.py) ---------------------------------------------------------------
    "plant_share": Rule(plant_kw, GET=OWNER, POST=OWNER),  # an empty invitation form is shown again
    "plant_member_role": Rule(lambda w: {"pk": w.plant.pk, "member_pk": w.viewer_membership.pk},
                              GET=WRONG_METHOD, POST=OWNER_302),
    "plant_member_remove": Rule(lambda w: {"pk": w.plant.pk, "member_pk": w.viewer_membership.pk},
                                GET=WRONG_METHOD, POST=OWNER_302),
    "plant_invitation_revoke": Rule(lambda w: {"pk": w.plant.pk, "invitation_pk": w.invitation.pk},
                                    GET=WRONG_METHOD, POST=OWNER_302),
    "plant_kiosk_create": Rule(plant_kw, GET=WRONG_METHOD, POST=OWNER),  # empty form: shown again with errors
    "plant_kiosk_revoke": Rule(lambda w: {"pk": w.plant.pk, "link_pk": w.kiosk_link.pk},
                               GET=WRONG_METHOD, POST=OWNER_302),
    "plant_leave": Rule(plant_kw, GET=roles(LOGIN, 404, 200, 200, 403), POST=roles(LOGIN, 404, 302, 302, 403)),
    # The link is the credential: anyone holding it may sign up or accept. Signed-in members accept
    # (their role becomes the invitation's); the owner is told it is their plant; an empty sign-up
    # form is shown again.
    "invitation_accept": Rule(lambda w: {"token": w.invitation_token}, GET=PUBLIC,
                              POST=roles(200, 302, 302, 302, 200)),
    "kiosk": Rule(lambda w: {"token": w.kiosk_token}, GET=PUBLIC),
    "kiosk_live": Rule(lambda w: {"token": w.kiosk_token}, GET=PUBLIC),
    "kiosk_day": Rule(lambda w: {"token": w.kiosk_token}, GET=PUBLIC),
    # --- settings_ui (mounted at /settings/) ------------------------------------------------------------
    "settings_ui:plant_settings": Rule(plant_kw, GET=EDITORS, POST=EDITORS),
    "settings_ui:plant_settings_preview": Rule(plant_kw, GET=WRONG_METHOD, POST=EDITORS),
    "settings_ui:plant_settings_confirm": Rule(plant_kw, GET=WRONG_METHOD, POST=EDITORS_302),
    "settings_ui:schedules": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "settings_ui:clock": Rule(device_kw, GET=EDITORS, POST=WRONG_METHOD),
    "settings_ui:clock_preview": Rule(device_kw, GET=WRONG_METHOD, POST=EDITORS),
    "settings_ui:clock_confirm": Rule(device_kw, GET=WRONG_METHOD, POST=EDITORS_302),
    "settings_ui:schedule_edit": Rule(schedule_kw, GET=EDITORS, POST=EDITORS),
    "settings_ui:schedule_preview": Rule(schedule_kw, GET=WRONG_METHOD, POST=EDITORS),
    "settings_ui:schedule_confirm": Rule(schedule_kw, GET=WRONG_METHOD, POST=EDITORS_302),
    "settings_ui:audit_log": Rule(plant_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "settings_ui:audit_entry": Rule(entry_kw, GET=MEMBERS, POST=WRONG_METHOD),
    "settings_ui:audit_recheck": Rule(entry_kw, GET=WRONG_METHOD, POST=EDITORS_302),
    # The world's entry has no "before" value, so editors are sent back to the entry.
    "settings_ui:audit_revert": Rule(entry_kw, GET=EDITORS_302, POST=WRONG_METHOD),
}

# Pattern rules: whole families of URLs that behave alike.
ADMIN_RULES = {
    # Nobody here is staff: every admin page sends them to the admin's login page ...
    "*": Rule(GET=ADMIN, POST=ADMIN),
    # ... which itself answers everyone (an empty POST shows it again).
    "admin:login": Rule(GET=PUBLIC, POST=PUBLIC),
    "admin:logout": Rule(GET=everyone(302), POST=everyone(302)),  # back to the admin index, which asks to log in
}
ADMIN_KWARGS = {"object_id": "1", "id": "1", "content_type_id": "1", "app_label": "plants"}


# --------------------------------------------------------------------------------------
# The URL configuration, walked
# --------------------------------------------------------------------------------------


def walk(patterns, prefix: str = "", namespace: str | None = None):
    """(name or None, route) of every URL pattern, namespaces joined with ':'."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if pattern.name and namespace else pattern.name
            yield name, prefix + str(pattern.pattern)


ALL_URLS = list(walk(get_resolver().url_patterns))
NAMED = sorted({name for name, _ in ALL_URLS if name})


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def rule_for(name: str) -> Rule | None:
    if is_admin(name):
        return ADMIN_RULES.get(name, ADMIN_RULES["*"])
    return RULES.get(name)


@pytest.mark.parametrize("name", NAMED)
def test_every_url_has_a_rule(name):
    assert rule_for(name) is not None, (
        f"no rule for URL name {name}: add it to RULES in tests/test_authz_matrix.py with the statuses "
        "each persona must get")


def test_every_url_has_a_name():
    unnamed = [route for name, route in ALL_URLS if not name and not route.startswith("admin/")]
    assert not unnamed, f"URL patterns without a name cannot have a rule: {unnamed}"


def test_no_rule_for_a_url_that_does_not_exist():
    stale = sorted(set(RULES) - set(NAMED))
    assert not stale, f"rules for URL names that no longer exist: {stale}"


def test_the_matrix_covers_every_persona_and_method():
    for name in NAMED:
        rule = rule_for(name)
        if rule is None:
            continue
        for method in METHODS:
            assert set(getattr(rule, method)) == set(PERSONAS), f"{name} {method}"


# --------------------------------------------------------------------------------------
# The world every URL parameter is filled from
# --------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    account: object
    plant: object
    other_plant: object
    device: object
    viewer_membership: object
    invitation: object
    invitation_token: str
    kiosk_link: object
    kiosk_token: str
    audit_entry: object = None
    today: str = ""


def build_world() -> World:
    User = get_user_model()
    users = {name: User.objects.create_user(username=f"matrix-{name}", email=f"{name}@matrix.example",
                                            password="pw-for-tests-123")
             for name in ("owner", "viewer", "editor", "stranger")}
    owner = users["owner"]
    account = make_account(owner, label="Matrix home")
    plant = make_plant(account=account, name="Matrix Roof", devices=2)  # the first device is a mix (hybrid)
    add_history(plant, days=1)
    other_plant = make_plant(users["stranger"], name="Stranger's Shed")
    device = plant.devices.get(kind="mix")
    viewer_membership = share(plant, users["viewer"], Role.VIEWER)
    share(plant, users["editor"], Role.EDITOR)
    invitation, invitation_token = sharing.invite(plant, created_by=owner, role=Role.VIEWER,
                                                  email="invitee@matrix.example")
    kiosk_link, kiosk_token = sharing.create_kiosk_link(plant, label="Matrix wall", created_by=owner)
    world = World(users=users, account=account, plant=plant, other_plant=other_plant, device=device,
                  viewer_membership=viewer_membership, invitation=invitation, invitation_token=invitation_token,
                  kiosk_link=kiosk_link, kiosk_token=kiosk_token, today=plant.local_today().isoformat())
    try:
        from settings_ui.models import SettingChange
    except ImportError:  # the settings app has no audit log yet
        return world
    world.audit_entry = SettingChange.objects.create(
        plant=plant, device=device, user=owner, setting_type="mix_ac_charge_time_period",
        old_value=None, new_value={"charge_power": 80}, params=["80", "100", "1"], outcome="success",
    )
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module (committed), torn down at its end; each case rolls back its own changes."""
    with django_db_blocker.unblock():
        w = build_world()
        yield w
        for user in w.users.values():
            user.delete()  # cascades to accounts, plants, memberships, invitations, kiosk links, audit rows
        get_user_model().objects.filter(username__startswith="matrix-").delete()


def client_for(persona: str, w: World) -> Client:
    client = Client()
    if persona == "kiosk":
        opened = client.get(reverse("kiosk", args=[w.kiosk_token]))
        assert opened.status_code == 200
    elif persona != "anonymous":
        client.force_login(w.users[persona])
    return client


def url_for(name: str, rule: Rule, w: World) -> str:
    if rule.kwargs is not None:
        query = f"?{urlencode(rule.query(w))}" if rule.query else ""
        return reverse(name, kwargs=rule.kwargs(w)) + query
    if is_admin(name):
        route = next(route for n, route in ALL_URLS if n == name)
        params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
        names = [a or b for a, b in params]
        return reverse(name, kwargs={p: ADMIN_KWARGS[p] for p in names})
    return reverse(name)


CASES = [
    pytest.param(name, method, persona, id=f"{name}-{method}-{persona}")
    for name in NAMED if rule_for(name) is not None
    for method in METHODS
    for persona in PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona"), CASES)
def test_authorization_matrix(world, name, method, persona):
    rule = rule_for(name)
    expected = getattr(rule, method)[persona]
    url = url_for(name, rule, world)
    client = client_for(persona, world)
    response = client.get(url) if method == "GET" else client.post(url)
    got = response.status_code
    where = response.get("Location", "")
    described = f"{method} {url} as {persona}: got {got}{' → ' + where if where else ''}, expected {expected}"
    if expected == LOGIN:
        assert got == 302 and where.startswith(reverse("login")), described
    elif expected == ADMIN_LOGIN:
        assert got == 302 and where.startswith(reverse("admin:login")), described
    elif expected == 302:
        assert got == 302 and not where.startswith((reverse("login"), reverse("admin:login"))), described
    else:
        assert got == expected, described


@pytest.mark.django_db
def test_viewer_stays_a_viewer_after_the_matrix(world):
    """The matrix must not leave traces: every case ran in its own rolled-back transaction."""
    assert world.plant.role_for(world.users["viewer"]) == Role.VIEWER
    assert sharing.find_kiosk_link(world.kiosk_token) is not None
    assert world.invitation.__class__.objects.get(pk=world.invitation.pk).status == "pending"
    assert world.plant.invitations.filter(expires_at__gt=dt.datetime.now(dt.UTC)).exists()
