"""Hostile Growatt replies fed to the sync at the client seam: never a crash, never corrupted rows.

The simulator serves the demo world; an adapter in front of it (``seam.py``) replaces the reply of
one endpoint by something hostile: a real reply with parts swapped for wrong types, nulls, NaN,
huge numbers, chart keys outside the day (hypothesis picks which parts and what), or a raw body
that is huge, deeply nested, HTML, empty or binary. After each cycle:

* nothing escaped ``sync_account`` (a task that raises is retried by nobody and loops forever);
* a failed cycle left a clear ``last_error`` and pushed the next sync into the future;
* every stored number is finite and no larger than what the replies said (kW → W at most);
* every stored 5-minute sample lies inside a synced plant-local day and not in the future;
* the account page renders and shows the error.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import math
import random
import re
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plants.models import DailyEnergy, Device, DeviceSample, GrowattAccount, Plant, PowerSample
from plants.sync import sync_account
from tests.reliability.seam import HostileAdapter, Reply, install

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 21, 12, 2, tzinfo=dt.UTC)

DISCOVERY_ROUTES = [
    "PlantListAPI.do",
    "newPlantAPI.do?op=getPlant",
    "newTwoPlantAPI.do?op=getAllDeviceList",
]
CYCLE_ROUTES = [
    "newMixApi.do?op=getSystemStatus_KW",
    "newMixApi.do?op=getEnergyProdAndCons_KW",
    "newTlxApi.do?op=getTlxDetailData",
    "newTlxApi.do?op=getTlxData",
    "newInverterAPI.do?op=getInverterDetailData",
    "newPlantAPI.do?action=getEnergyStorageData",
    "newStorageAPI.do?op=getStorageParams_sacolar",
]
ROUTES = DISCOVERY_ROUTES + CYCLE_ROUTES

FIELDS = ["ppv", "sysOut", "pacToUser", "pacToGrid", "pdisCharge", "pcharge", "soc", "SOC", "chartData",
          "invPacData", "obj", "data", "back", "deviceList", "plantId", "plantName", "deviceSn", "deviceType",
          "timezone", "country", "plant_lat", "plant_lng", "status", "eacToday", "eacTotal", "storageDetailBean",
          "capacity", "00:00", "12:00", "23:55", "24:00"]
SPECIAL = [None, "", " ", "NaN", "nan", "Infinity", "-Infinity", "1e400", "-1e400", 1e308, -1e308, 1.7e308, 10**30,
           -(10**30), 0, -1, "99:99", "24:00", "23:60", "-1:30", "12:00", "2099-12-31 23:55", "2026-06-20 12:00",
           "1.2.3", "0x10", "\u0000", "null", "<html><body>login</body></html>", "9" * 300, "x" * 5000, [], {},
           [1, 2, 3], {"a": None}, True, False, "Europe/Berlin", "../../etc/passwd", "\ud7ff\ufeff"]

scalars = st.one_of(
    st.sampled_from(SPECIAL),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
hostile_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=5),
    max_leaves=12,
)


def mutate(tree, rng: random.Random, value):
    """Replace one randomly chosen node of a JSON tree (the root too, now and then) by ``value``."""
    if not isinstance(tree, dict | list) or not tree or rng.random() < 0.08:
        return value
    node = tree
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = rng.choice(keys)
        child = node[key]
        if isinstance(child, dict | list) and child and rng.random() < 0.75:
            node = child
            continue
        node[key] = value
        return tree


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _numbers(tree):
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
            stack.extend(node.keys())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, bool):
            continue
        elif isinstance(node, int | float):
            yield node
        elif isinstance(node, str):
            yield from (m for m in NUMBER.findall(node[:1000]))


def largest_number(bodies: list[bytes]) -> float:
    """The largest finite number anywhere in what was sent (JSON numbers and numbers inside strings)."""
    biggest = 0.0
    for body in bodies:
        try:
            found = list(_numbers(json.loads(body)))
        except (ValueError, RecursionError):
            found = NUMBER.findall(body[:100_000].decode("utf-8", "replace"))
        for item in found:
            try:
                value = abs(float(item))
            except (ValueError, OverflowError):
                continue
            if math.isfinite(value):
                biggest = max(biggest, value)
    return biggest


class Hostility:
    """The rule the adapter applies: which route, what to do with its real reply, and what was sent."""

    def __init__(self, route: str, make):
        self.route = route
        self.make = make
        self.sent: list[bytes] = []

    def __call__(self, route: str, real: Reply) -> Reply | None:
        if route != self.route:
            return None
        reply = self.make(real)
        self.sent.append(reply.body)
        return reply


@pytest.fixture
def growatt_sim_options():
    return {"start": NOW.isoformat(), "speed": 0, "login_allowance": 10**6}


@pytest.fixture
def world(time_machine, growatt_sim, owner, settings, monkeypatch):
    time_machine.move_to(NOW, tick=False)
    settings.GROWATT_BACKFILL_DAYS = 1
    settings.GROWATT_MAX_LOGINS_PER_DAY = 10**6
    adapter = HostileAdapter()
    install(monkeypatch, adapter)
    account = GrowattAccount.objects.create(owner=owner, label="Home", server_url=growatt_sim.url,
                                            username="demo", password="demo")
    run = sync_account(account.pk)
    assert run.outcome == "ok", run.message
    assert Plant.objects.filter(account=account).count() == 4
    return account, adapter


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Each example starts from the same synced world."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def check_cycle(account: GrowattAccount, run, hostility: Hostility, client) -> None:
    assert run is not None
    assert run.outcome in ("ok", "partial", "error"), (run.outcome, run.message)
    account.refresh_from_db()
    now = timezone.now()
    if run.outcome in ("partial", "error"):
        assert account.last_error.strip(), run.outcome
        assert "Traceback" not in account.last_error
    if run.outcome == "error":
        assert account.next_sync_at > now, "a failed cycle must push the account back, not loop"
    bound = max(1e7, 1000 * 10 * largest_number(hostility.sent))
    plants = list(Plant.objects.filter(account=account))
    for plant in plants:
        first = plant.local_today() - dt.timedelta(days=1)
        lo, _ = plant.day_bounds(first)
        values = PowerSample.objects.filter(plant=plant).values_list(
            "ts", "pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w", "battery_discharge_w",
            "soc")
        for ts, *numbers in values:
            assert lo <= ts <= now, (plant.name, ts)
            for number in numbers:
                assert number is None or (math.isfinite(number) and abs(number) <= bound), (plant.name, ts, numbers)
        for ts, power, soc in DeviceSample.objects.filter(device__plant=plant).values_list("ts", "power_w", "soc"):
            assert lo <= ts <= now, (plant.name, ts)
            for number in (power, soc):
                assert number is None or (math.isfinite(number) and abs(number) <= bound), (plant.name, ts)
        for row in DailyEnergy.objects.filter(plant=plant).values():
            assert first <= row["date"] <= plant.local_today(), row
            for name in ("pv_kwh", "load_kwh", "import_kwh", "export_kwh", "charge_kwh", "discharge_kwh"):
                assert row[name] is None or (math.isfinite(row[name]) and abs(row[name]) <= bound), row
        plant.refresh_from_db()
        for name in ("live_pv_w", "live_load_w", "live_grid_import_w", "live_grid_export_w", "live_battery_charge_w",
                     "live_battery_discharge_w", "live_soc", "today_pv_kwh", "total_pv_kwh", "latitude", "longitude",
                     "nominal_power_w", "money_per_kwh", "co2_kg_per_kwh"):
            value = getattr(plant, name)
            assert value is None or math.isfinite(value), (plant.name, name, value)
        assert plant.tz.key == plant.timezone, plant.timezone
        json.dumps(plant.settings_reply, allow_nan=False)
    for device in Device.objects.filter(plant__account=account):
        for name in ("pv_power_w", "ac_power_w", "soc", "battery_voltage", "grid_voltage", "grid_frequency",
                     "temperature", "energy_today_kwh", "energy_total_kwh"):
            value = getattr(device, name)
            assert value is None or math.isfinite(value), (device.serial, name, value)
        json.dumps(device.detail, allow_nan=False)  # storable as JSON anywhere (PostgreSQL rejects NaN)
    page = client.get(reverse("account_detail", args=[account.pk]))
    assert page.status_code == 200
    if run.outcome == "error":
        assert "Last error" in page.content.decode()


HYPOTHESIS = settings(max_examples=50, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                             HealthCheck.data_too_large, HealthCheck.filter_too_much])


@HYPOTHESIS
@given(route=st.sampled_from(ROUTES), value=hostile_values, seed=st.integers(0, 2**16), backfill=st.booleans())
def test_mutated_replies_never_crash_the_sync_nor_corrupt_rows(world, client, route, value, seed, backfill):
    account, adapter = world
    client.force_login(account.owner)

    def make(real: Reply) -> Reply:
        try:
            tree = json.loads(real.body)
        except ValueError:
            return real
        return Reply.json(mutate(tree, random.Random(seed), value), status=real.status)

    hostility = Hostility(route, make)
    with rolled_back():
        adapter.rule = hostility
        if route in DISCOVERY_ROUTES:
            GrowattAccount.objects.filter(pk=account.pk).update(discovered_at=None)
        if backfill:
            DailyEnergy.objects.filter(plant__account=account).update(complete=False)
        try:
            run = sync_account(account.pk, force=True, backfill=backfill)
        finally:
            adapter.rule = None
        check_cycle(account, run, hostility, client)


@functools.cache
def huge_chart() -> Reply:
    """Every minute of the day (not every 5), 3 MB of padding and 50 000 extra keys."""
    return Reply.json({"result": 1, "msg": "", "obj": {
        "chartData": {f"{h:02d}:{m:02d}": {"ppv": "1.5", "sysOut": "2"} for h in range(24) for m in range(60)},
        "padding": "x" * 3_000_000}, "chartData": {str(n): n for n in range(50_000)}})


def deeply_nested(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


RAW = {
    "huge chart": lambda real: huge_chart(),
    "deeply nested": lambda real: Reply(200, deeply_nested()),
    "deeply nested object": lambda real: Reply(200, b'{"obj":' * 50_000 + b"1" + b"}" * 50_000),
    "html page": lambda real: Reply.html("<html><head><title>Maintenance</title></head><body>Back soon</body></html>"),
    "empty body": lambda real: Reply(200, b""),
    "json null": lambda real: Reply(200, b"null"),
    "json list": lambda real: Reply(200, b"[1, 2, 3]"),
    "json string": lambda real: Reply(200, b'"ok"'),
    "binary": lambda real: Reply(200, bytes(range(256)) * 64, "application/octet-stream"),
    "nan everywhere": lambda real: Reply(200, re.sub(rb'(?<=:)\s*("?-?\d+(\.\d+)?"?)', b"NaN", real.body)),
    "huge numbers": lambda real: Reply(200, re.sub(rb'(?<=:)\s*("?-?\d+(\.\d+)?"?)', b"1.7e308", real.body)),
    "numbers as lists": lambda real: Reply(200, re.sub(rb'(?<=:)\s*("?-?\d+(\.\d+)?"?)', b"[1]", real.body)),
    "null values": lambda real: Reply(200, re.sub(rb'(?<=:)\s*("[^"]*"|-?\d+(\.\d+)?)', b"null", real.body)),
    "http 200 with 5 MB of spaces": lambda real: Reply(200, b" " * 5_000_000 + real.body),
}


CHART_ROUTES = {"newMixApi.do?op=getEnergyProdAndCons_KW", "newPlantAPI.do?action=getEnergyStorageData",
                "newTlxApi.do?op=getTlxData"}


@pytest.mark.parametrize(("kind", "routes"), [
    # Half the endpoints per kind, alternating, so every endpoint meets every second kind (time budget).
    pytest.param(kind, ROUTES[n % 2::2], id=f"{kind}-{'odd' if n % 2 else 'even'}")
    for n, kind in enumerate(sorted(RAW))
] + [pytest.param(kind, ROUTES[1::2], id=f"{kind}-odd") for kind in ("deeply nested", "html page")])
def test_raw_hostile_bodies_never_crash_the_sync(world, client, kind, routes):
    account, adapter = world
    client.force_login(account.owner)
    for route in routes:
        hostility = Hostility(route, RAW[kind])
        with rolled_back():
            adapter.rule = hostility
            if route in DISCOVERY_ROUTES:
                GrowattAccount.objects.filter(pk=account.pk).update(discovered_at=None)
            backfill = route in CHART_ROUTES  # past days come from the chart calls
            if backfill:
                DailyEnergy.objects.filter(plant__account=account).update(complete=False)
            try:
                run = sync_account(account.pk, force=True, backfill=backfill)
            finally:
                adapter.rule = None
            assert hostility.sent, f"{route} was never called"
            check_cycle(account, run, hostility, client)
            if route in CHART_ROUTES and kind != "huge chart":
                # An unreadable past day is not "a day without data": it stays due for the next cycle.
                assert DailyEnergy.objects.filter(plant__account=account, complete=False).exists(), route


def test_a_reply_that_always_breaks_the_sync_backs_off_instead_of_looping(world, client):
    """The same poisonous reply on every plant's live call: the account is pushed further back each time."""
    account, adapter = world
    adapter.rule = lambda route, real: Reply(200, deeply_nested()) if route != "PlantListAPI.do" else None
    delays = []
    for _ in range(3):
        run = sync_account(account.pk, force=True, backfill=False)
        account.refresh_from_db()
        assert run.outcome == "error", run.message
        delays.append((account.next_sync_at - timezone.now()).total_seconds())
    assert delays[0] > 0 and delays[2] > delays[0] * 2, delays
    assert "could not" in account.last_error.lower() or "unexpected" in account.last_error.lower(), \
        account.last_error
    client.force_login(account.owner)
    page = client.get(reverse("account_detail", args=[account.pk]))
    assert page.status_code == 200
    assert html.escape(account.last_error[:40]) in page.content.decode()
