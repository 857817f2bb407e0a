"""User-Agent, servers, session export/import, logging hygiene and the calls beyond 1.5.0."""

from __future__ import annotations

import datetime
import json
import logging
import re
from urllib.parse import parse_qsl, urlsplit

import growattServer
import pytest

from growatt import (
    SERVER_AU,
    SERVER_CN,
    SERVER_EU,
    SERVER_US,
    SERVERS,
    GrowattApi,
    MixChargeSchedule,
    MixDischargeSchedule,
    ScheduleError,
    SpaChargeSchedule,
    TimeSlot,
)

from .conftest import SESSION_COOKIE, fixture_json

PASSWORD = "s3cret-Passw0rd"
HASH = growattServer.hash_password(PASSWORD)


def sent_user_agents(server):
    return [c.request.headers["User-Agent"] for c in server.calls]


def query_of(call):
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


# ---------------------------------------------------------------- User-Agent

def test_default_user_agent_names_growattweb_and_looks_like_android(server):
    GrowattApi().plant_info("2016929")
    (agent,) = sent_user_agents(server)
    assert agent.startswith("Dalvik/2.1.0 (Linux; U; Android")
    assert "growattweb" in agent


def test_random_user_id_appends_five_digits(server):
    GrowattApi(True).plant_info("2016929")
    GrowattApi(add_random_user_id=True, agent_identifier="myuser").plant_info("2016929")
    default, custom = sent_user_agents(server)
    assert re.fullmatch(re.escape(GrowattApi.agent_identifier) + r" - \d{5}", default)
    assert re.fullmatch(r"myuser - \d{5}", custom)


def test_agent_identifier_is_sent_exactly(server):
    GrowattApi(False, "x").plant_info("2016929")
    assert sent_user_agents(server) == ["x"]


# ---------------------------------------------------------------- servers

def test_server_constants():
    assert GrowattApi().server_url == SERVER_EU == "https://openapi.growatt.com/"
    assert SERVER_US == "https://openapi-us.growatt.com/"
    assert SERVER_CN == "https://openapi-cn.growatt.com/"
    assert SERVER_AU == "https://openapi-au.growatt.com/"
    assert [url for url, _ in SERVERS] == [SERVER_EU, SERVER_US, SERVER_CN, SERVER_AU]
    assert all(isinstance(label, str) and label for _, label in SERVERS)


def test_custom_server_url_gets_a_trailing_slash(server):
    api = GrowattApi(server_url="http://server.smten.com")
    assert api.server_url == "http://server.smten.com/"
    api.server_url = " https://openapi-us.growatt.com "
    assert api.server_url == SERVER_US
    api.plant_info("2016929")
    assert server.calls[0].request.url.startswith("https://openapi-us.growatt.com/newTwoPlantAPI.do?")


@pytest.mark.parametrize("bad", ["", "openapi.growatt.com", "ftp://x/", "https://x/?a=1", None, 42])
def test_bad_server_url_is_refused(bad):
    api = GrowattApi()
    with pytest.raises(ValueError):
        api.server_url = bad
    assert api.server_url == SERVER_EU
    if bad is not None:
        with pytest.raises(ValueError):
            GrowattApi(server_url=bad)


# ---------------------------------------------------------------- sessions

def test_export_import_resumes_without_login(server):
    first = GrowattApi()
    first.login("myuser", PASSWORD)
    stored = json.loads(json.dumps(first.export_session()))
    assert stored["user_id"] == 471529
    assert stored["cookies"] == [{
        "name": "JSESSIONID", "value": SESSION_COOKIE, "domain": "openapi.growatt.com", "path": "/",
        "secure": False, "expires": None,
    }]

    second = GrowattApi()
    assert not second.is_logged_in
    second.import_session(stored)
    assert second.is_logged_in and second.user_id == 471529
    second.plant_list(second.user_id)
    last = server.calls[-1].request
    assert last.headers["Cookie"] == f"JSESSIONID={SESSION_COOKIE}"
    assert [urlsplit(c.request.url).path for c in server.calls] == ["/newTwoLoginAPI.do", "/PlantListAPI.do"]


def test_import_replaces_cookies_and_clear_forgets_them(server):
    api = GrowattApi()
    api.login("myuser", PASSWORD)
    api.import_session({"cookies": [], "user_id": None})
    assert not api.is_logged_in and api.user_id is None
    api.login("myuser", PASSWORD)
    api.clear_session()
    assert not api.is_logged_in and api.user_id is None
    assert api.export_session()["cookies"] == []


@pytest.mark.parametrize("bad", [
    None, [], "JSESSIONID=1", {"cookies": "x"}, {"cookies": [{"value": "1"}]},
    {"cookies": [{"name": "JSESSIONID", "value": 1}]}, {"cookies": [], "user_id": [1]},
    {"cookies": [{"name": "JSESSIONID", "value": "1", "expires": "tomorrow"}]},
])
def test_import_refuses_malformed_values(bad):
    api = GrowattApi()
    with pytest.raises(ValueError) as info:
        api.import_session(bad)
    assert "JSESSIONID=1" not in str(info.value)


def test_expired_cookie_is_not_a_session():
    api = GrowattApi()
    api.import_session({"cookies": [{"name": "JSESSIONID", "value": "abc", "domain": "openapi.growatt.com",
                                     "path": "/", "expires": 1_000_000_000}]})
    assert not api.is_logged_in


def test_repr_shows_no_secrets(server):
    api = GrowattApi()
    api.login("myuser", PASSWORD)
    text = repr(api)
    assert "logged_in=True" in text and "471529" in text
    for secret in (PASSWORD, HASH, SESSION_COOKIE, "myuser"):
        assert secret not in text


def test_logs_show_calls_but_no_secrets(server, caplog):
    caplog.set_level(logging.DEBUG, logger="growatt")
    api = GrowattApi()
    api.login("myuser", PASSWORD)
    api.plant_list(api.user_id)
    api.update_mix_inverter_setting("ABC12345", "pf_sys_year", ["2026-11-25 09:30:00"])
    server.override_fixture("newTwoLoginAPI.do", None, "login_502")
    with pytest.raises(Exception):  # noqa: B017 - only the log matters here
        api.login("myuser", PASSWORD)
    text = caplog.text
    assert "POST newTwoLoginAPI.do -> 200" in text
    assert "POST newTcpsetAPI.do op=mixSetApiNew -> 200" in text
    assert "refused (msg 502)" in text
    assert {r.name for r in caplog.records} == {"growatt"}
    for secret in (PASSWORD, HASH, SESSION_COOKIE, "myuser", "2026-11-25 09:30:00", "ABC12345"):
        assert secret not in text


# ---------------------------------------------------------------- beyond 1.5.0

def test_get_mix_inverter_settings(server):
    obj = GrowattApi().get_mix_inverter_settings("ABC12345")
    assert obj == fixture_json("mix_set_params")["obj"]
    (call,) = server.calls
    assert call.request.method == "GET"
    assert urlsplit(call.request.url).path == "/newMixApi.do"
    assert query_of(call) == [("op", "getMixSetParams"), ("serialNum", "ABC12345"), ("kind", "0")]
    charge = MixChargeSchedule.from_mix_bean(obj["mixBean"])
    assert charge.charge_power == 100 and charge.stop_soc == 100 and charge.ac_charge is True
    assert charge.slots[1] == TimeSlot(datetime.time(4, 0), datetime.time(6, 0), True)


def _slots(*spec):
    return tuple(TimeSlot(datetime.time(*a), datetime.time(*b), on) for a, b, on in spec)


SCHEDULES = [
    MixChargeSchedule(90, 95, True, _slots(((1, 30), (4, 0), True), ((0, 0), (0, 0), False),
                                           ((23, 15), (0, 45), True))),
    MixDischargeSchedule(100, 10, _slots(((17, 0), (19, 30), True), ((0, 0), (0, 0), False),
                                         ((0, 0), (0, 0), False))),
    SpaChargeSchedule(80, 100, _slots(((2, 0), (5, 0), True), ((0, 0), (0, 0), False),
                                      ((13, 5), (14, 0), False))),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: s.SETTING_TYPE)
def test_apply_schedule_sends_what_growattserver_sends_for_the_same_params(server, schedule):
    oracle = growattServer.GrowattApi()
    write = (oracle.update_ac_inverter_setting if schedule.INVERTER_KIND == "spa"
             else oracle.update_mix_inverter_setting)
    write("ABC12345", schedule.SETTING_TYPE, schedule.to_params())
    reply = GrowattApi().apply_schedule("ABC12345", schedule)
    assert reply == {"success": True, "msg": "inv_set_success"}
    expected, ours = server.calls
    assert ours.request.method == expected.request.method == "POST"
    assert ours.request.url == expected.request.url
    assert ours.request.body is None and expected.request.body is None
    query = dict(query_of(ours))
    assert query["type"] == schedule.SETTING_TYPE
    assert query["op"] == ("spaSetApi" if schedule.INVERTER_KIND == "spa" else "mixSetApiNew")
    assert len([k for k in query if k.startswith("param")]) == schedule.PARAM_COUNT


def test_apply_schedule_refuses_invalid_schedule_without_sending(server):
    overlapping = MixDischargeSchedule(100, 10, _slots(((17, 0), (19, 0), True), ((18, 0), (20, 0), True),
                                                       ((0, 0), (0, 0), False)))
    with pytest.raises(ScheduleError, match="overlaps"):
        GrowattApi().apply_schedule("ABC12345", overlapping)
    assert len(server.calls) == 0


@pytest.mark.parametrize(("kind", "op"), [("mix", "mixSetApiNew"), ("spa", "spaSetApi")])
def test_set_inverter_time(server, kind, op):
    GrowattApi().set_inverter_time("ABC12345", datetime.datetime(2026, 11, 25, 9, 5, 7), kind=kind)
    assert query_of(server.calls[0]) == [("op", op), ("serialNum", "ABC12345"), ("type", "pf_sys_year"),
                                         ("param1", "2026-11-25 09:05:07")]


def test_set_inverter_time_refuses_unknown_kind(server):
    with pytest.raises(ValueError):
        GrowattApi().set_inverter_time("ABC12345", datetime.datetime(2026, 11, 25), kind="tlx")
    assert len(server.calls) == 0


def test_tuple_parameters_are_numbered_like_a_list(server):
    GrowattApi().update_mix_inverter_setting("ABC12345", "backflow_setting", ("1", "50"))
    GrowattApi().update_mix_inverter_setting("ABC12345", "backflow_setting", ["1", "50"])
    assert server.calls[0].request.url == server.calls[1].request.url
    assert query_of(server.calls[0])[-2:] == [("param1", "1"), ("param2", "50")]
