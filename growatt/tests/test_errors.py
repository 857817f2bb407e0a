"""Every failure mode turns into a typed error; replies are shaped like the real server's (PROTOCOL §3)."""

from __future__ import annotations

import datetime
import json
from urllib.parse import urlsplit

import growattServer
import pytest
import requests
import time_machine

from growatt import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattApi,
    GrowattError,
    GrowattTimeout,
    GrowattTransportError,
    SessionExpired,
    SettingRejected,
    UnexpectedReply,
)

from .conftest import SESSION_COOKIE, fixture_json

PASSWORD = "s3cret-Passw0rd"
HASH = growattServer.hash_password(PASSWORD)
NOLOGIN_URL = "https://openapi.growatt.com/error.do?errorMess=errorNoLogin"


def assert_no_secrets(exc: BaseException, *extra: str):
    text = " ".join([str(exc), repr(exc), str(getattr(exc, "server_text", "") or "")])
    for secret in (PASSWORD, HASH, SESSION_COOKIE, *extra):
        assert secret not in text


@pytest.fixture
def logged_in(server):
    api = GrowattApi()
    api.login("myuser", PASSWORD)
    assert api.is_logged_in
    return api


# ---------------------------------------------------------------- retryable contract

@pytest.mark.parametrize(("cls", "retryable"), [
    (BadCredentials, False), (AccountLocked, False), (DeviceNotFound, False), (SettingRejected, False),
    (SessionExpired, True), (Blocked, True), (UnexpectedReply, True), (GrowattTransportError, True),
    (GrowattTimeout, True),
])
def test_each_error_says_whether_retrying_can_help(cls, retryable):
    assert issubclass(cls, GrowattError)
    assert cls.retryable is retryable
    assert cls("x").retryable is retryable


def test_errors_survive_pickling_with_their_attributes():
    import pickle

    locked = AccountLocked("account locked", lock_duration_hours=24.0, server_text="locked",
                           endpoint="newTwoLoginAPI.do")
    copy = pickle.loads(pickle.dumps(locked))
    assert (copy.lock_duration_hours, copy.locked_until, copy.endpoint) == (
        24.0, locked.locked_until, "newTwoLoginAPI.do")
    blocked = pickle.loads(pickle.dumps(Blocked("blocked", status=405, server_text="Sorry")))
    assert (blocked.status, blocked.server_text, str(blocked)) == (405, "Sorry", "blocked")
    rejected = pickle.loads(pickle.dumps(SettingRejected("no", msg="inv_set_failure", retryable=True)))
    assert rejected.msg == "inv_set_failure" and rejected.retryable is True


def test_timeout_is_a_transport_error():
    assert issubclass(GrowattTimeout, GrowattTransportError)


# ---------------------------------------------------------------- login

def test_login_success_adds_user_id_and_level(server):
    api = GrowattApi()
    back = api.login("myuser", PASSWORD)
    assert back["userId"] == 471529 and back["userLevel"] == 1
    assert api.user_id == 471529 and api.is_logged_in


@pytest.mark.parametrize("fixture", ["login_502", "login_501"])
def test_bad_credentials(server, fixture):
    server.override_fixture("newTwoLoginAPI.do", None, fixture)
    api = GrowattApi()
    with pytest.raises(BadCredentials) as info:
        api.login("myuser", PASSWORD)
    assert info.value.retryable is False
    assert info.value.msg == fixture_json(fixture)["back"]["msg"]
    assert "myuser" not in str(info.value)
    assert_no_secrets(info.value)
    assert api.user_id is None and not api.is_logged_in


def test_growattserver_returns_the_refusal_where_we_raise(server):
    server.override_fixture("newTwoLoginAPI.do", None, "login_502")
    assert growattServer.GrowattApi().login("myuser", PASSWORD) == {"success": False, "msg": "502"}


def test_account_locked_carries_duration_and_end(server):
    server.override_fixture("newTwoLoginAPI.do", None, "login_507")
    now = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(now, tick=False), pytest.raises(AccountLocked) as info:
        GrowattApi().login("myuser", PASSWORD)
    exc = info.value
    assert exc.retryable is False
    assert exc.lock_duration_hours == 24.0
    assert exc.locked_until == datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)
    assert exc.locked_until.tzinfo is not None
    assert exc.server_text == "Current account has been locked for 24 hours"
    assert "24" in str(exc)
    assert_no_secrets(exc)


@pytest.mark.parametrize(("back", "hours"), [
    ({"msg": "507", "success": False, "lockDuration": 24}, 24.0),
    ({"msg": "507", "success": False, "lockDuration": "12"}, 12.0),
    ({"msg": "507", "success": False, "error": "Current account has been locked for 24 hours"}, 24.0),
    ({"msg": "507", "success": False}, None),  # as posted in muppet3000/homeassistant-growatt_server_api#15
])
def test_account_locked_variants(server, back, hours):
    server.override("newTwoLoginAPI.do", body={"back": back})
    with pytest.raises(AccountLocked) as info:
        GrowattApi().login("myuser", PASSWORD)
    assert info.value.lock_duration_hours == hours
    assert (info.value.locked_until is None) is (hours is None)


def test_login_other_refusal_is_unexpected(server):
    server.override("newTwoLoginAPI.do", body={"back": {"success": False, "msg": "505"}})
    with pytest.raises(UnexpectedReply, match="505"):
        GrowattApi().login("myuser", PASSWORD)


def test_login_success_without_user_is_unexpected(server):
    server.override("newTwoLoginAPI.do", body={"back": {"success": True, "msg": ""}})
    with pytest.raises(UnexpectedReply):
        GrowattApi().login("myuser", PASSWORD)


def test_login_blocked_by_waf(server):
    server.override_fixture("newTwoLoginAPI.do", None, "waf_405.html", status=405)
    with pytest.raises(Blocked) as info:
        GrowattApi().login("myuser", PASSWORD)
    assert info.value.status == 405 and info.value.retryable
    assert info.value.server_text.startswith("405 Sorry, your request has been blocked")
    assert "Your request ID is : 0bd6a7e2" in info.value.server_text
    assert "<" not in info.value.server_text


def test_login_html_is_unexpected_not_session_expiry(server):
    server.override_fixture("newTwoLoginAPI.do", None, "error_nologin.html")
    with pytest.raises(UnexpectedReply):
        GrowattApi().login("myuser", PASSWORD)


def test_secrets_echoed_by_the_server_are_redacted(server):
    page = f"<html><body>Sorry, your request has been blocked. password={HASH}&pw={PASSWORD}</body></html>"
    server.override("newTwoLoginAPI.do", status=405, body=page, headers={"Content-Type": "text/html"})
    with pytest.raises(Blocked) as info:
        GrowattApi().login("myuser", PASSWORD)
    assert "***" in info.value.server_text
    assert_no_secrets(info.value)


# ---------------------------------------------------------------- session expired

@pytest.mark.parametrize(("method", "args", "path", "op"), [
    ("mix_info", ("ABC12345",), "newMixApi.do", "getMixInfo"),
    ("mix_totals", ("ABC12345", "2016929"), "newMixApi.do", "getEnergyOverview"),
    ("plant_info", ("2016929",), "newTwoPlantAPI.do", "getAllDeviceList"),
    ("update_mix_inverter_setting", ("ABC12345", "pv_on_off", ["1"]), "newTcpsetAPI.do", "mixSetApiNew"),
])
def test_redirect_to_error_do_means_session_expired(server, logged_in, method, args, path, op):
    server.override(path, op, status=302, headers={"Location": NOLOGIN_URL})
    server.override_fixture("error.do", None, "error_nologin.html")
    with pytest.raises(SessionExpired) as info:
        getattr(logged_in, method)(*args)
    assert info.value.retryable
    assert [urlsplit(c.request.url).path for c in server.calls][-2:] == [f"/{path}", "/error.do"]
    assert not logged_in.is_logged_in  # dead cookies dropped
    assert_no_secrets(info.value)


def test_plant_list_302_means_session_expired(server, logged_in):
    server.override("PlantListAPI.do", status=302, headers={"Location": NOLOGIN_URL})
    with pytest.raises(SessionExpired):
        logged_in.plant_list(471529)


def test_html_login_page_means_session_expired(server, logged_in):
    server.override_fixture("newInverterAPI.do", "getInverterData", "error_nologin.html")
    with pytest.raises(SessionExpired):
        logged_in.inverter_data("NAC5A142E4")


def test_html_500_not_login_means_session_expired(server, logged_in):
    server.override_fixture("newTlxApi.do", "getTlxDetailData", "error500_notlogin.html", status=500)
    with pytest.raises(SessionExpired):
        logged_in.tlx_detail("TLX1234567")


# ---------------------------------------------------------------- blocked

def test_403_is_blocked(server, logged_in):
    server.override_fixture("PlantListAPI.do", None, "forbidden_403.html", status=403)
    with pytest.raises(Blocked) as info:
        logged_in.plant_list(471529)
    assert info.value.status == 403
    assert info.value.server_text == "403 Forbidden nginx"


def test_405_waf_page_is_blocked(server, logged_in):
    server.override_fixture("newMixApi.do", "getSystemStatus_KW", "waf_405.html", status=405)
    with pytest.raises(Blocked) as info:
        logged_in.mix_system_status("ABC12345", "2016929")
    assert "may cause potential threats" in info.value.server_text
    assert info.value.retryable


def test_alibaba_waf_json_is_blocked(server, logged_in):
    server.override_fixture("newPlantAPI.do", "getEnergyStorageData", "alibaba_waf")
    with pytest.raises(Blocked) as info:
        logged_in.dashboard_data("2016929")
    assert "not added to Web Application Firewall" in info.value.server_text


# ---------------------------------------------------------------- device not found

@pytest.mark.parametrize(("method", "args", "path", "op", "fixture"), [
    ("inverter_data", ("WRONG",), "newInverterAPI.do", "getInverterData", "not_found_501"),
    ("inverter_detail", ("WRONG",), "newInverterAPI.do", "getInverterDetailData", "not_found_501"),
    ("tlx_detail", ("WRONG",), "newTlxApi.do", "getTlxDetailData", "not_found_501"),
    ("storage_detail", ("WRONG",), "newStorageAPI.do", "getStorageInfo_sacolar", "not_found_501"),
    ("storage_energy_overview", ("2016929", "WRONG"), "newStorageAPI.do", "getEnergyOverviewData_sacolar",
     "not_found_504"),
    ("mix_info", ("WRONG",), "newMixApi.do", "getMixInfo", "not_found_504"),
    ("mix_info", ("TLX1234567",), "newMixApi.do", "getMixInfo", "obj_null"),
    ("mix_detail", ("TLX1234567", "2016929"), "newMixApi.do", "getEnergyProdAndCons_KW", "obj_null"),
    ("get_mix_inverter_settings", ("WRONG",), "newMixApi.do", "getMixSetParams", "not_found_504"),
])
def test_unknown_device_raises_device_not_found(server, logged_in, method, args, path, op, fixture):
    server.override_fixture(path, op, fixture)
    with pytest.raises(DeviceNotFound) as info:
        getattr(logged_in, method)(*args)
    assert info.value.retryable is False
    assert logged_in.is_logged_in  # a wrong id is no reason to drop the session


def test_growattserver_returned_none_where_we_raise(server):
    server.override_fixture("newStorageAPI.do", "getEnergyOverviewData_sacolar", "not_found_504")
    assert growattServer.GrowattApi().storage_energy_overview("2016929", "WRONG") is None


# ---------------------------------------------------------------- setting rejected

@pytest.mark.parametrize("fixture", ["set_failure", "set_time_format"])
def test_setting_rejected(server, logged_in, fixture):
    server.override_fixture("newTcpsetAPI.do", "mixSetApiNew", fixture)
    with pytest.raises(SettingRejected) as info:
        logged_in.update_mix_inverter_setting("ABC12345", "pf_sys_year", ["25/11/2026 09:30"])
    assert info.value.msg == fixture_json(fixture)["msg"]
    assert info.value.retryable is False


def test_spa_setting_rejected(server, logged_in):
    server.override_fixture("newTcpsetAPI.do", "spaSetApi", "set_failure")
    with pytest.raises(SettingRejected, match="inv_set_failure"):
        logged_in.set_inverter_time("SPA0000001", datetime.datetime(2026, 11, 25, 9, 30), kind="spa")


def test_plant_settings_rejected(server, logged_in):
    server.override("newTwoPlantAPI.do", "updatePlant", body={"success": False, "msg": "plantName empty"})
    with pytest.raises(SettingRejected):
        logged_in.update_plant_settings("2016929", {"plantName": ""})


# ---------------------------------------------------------------- unexpected replies

@pytest.mark.parametrize(("body", "headers"), [
    ("OK", {"Content-Type": "text/plain"}),
    ("", {}),
    ("{\"back\": ", {"Content-Type": "application/json"}),
    ("[1, 2]", {"Content-Type": "application/json"}),
    ("[" * 100_000 + "]" * 100_000, {"Content-Type": "application/json"}),  # nesting beyond the recursion limit
])
def test_non_json_or_wrong_shape_is_unexpected(server, logged_in, body, headers):
    server.override("newPlantAPI.do", "getPlant", body=body, headers=headers)
    with pytest.raises(UnexpectedReply) as info:
        logged_in.get_plant_settings("2016929")
    assert info.value.retryable


@pytest.mark.parametrize(("method", "args", "path", "op", "body"), [
    ("plant_list", (471529,), "PlantListAPI.do", None, {"success": True}),
    ("plant_detail", ("2016929", 1), "PlantDetailAPI.do", None, {"data": {}}),
    ("mix_totals", ("ABC12345", "2016929"), "newMixApi.do", "getEnergyOverview", {"result": 1}),
    ("device_list", ("2016929",), "newTwoPlantAPI.do", "getAllDeviceList", {"totalEnergy": "1"}),
    ("update_mix_inverter_setting", ("ABC12345", "pv_on_off", ["1"]), "newTcpsetAPI.do", "mixSetApiNew",
     {"msg": "inv_set_success"}),
    ("get_mix_inverter_settings", ("ABC12345",), "newMixApi.do", "getMixSetParams", {"result": 1, "obj": {}}),
])
def test_missing_keys_are_unexpected_not_keyerror(server, logged_in, method, args, path, op, body):
    server.override(path, op, body=body)
    with pytest.raises(UnexpectedReply):
        getattr(logged_in, method)(*args)


def test_spring_400_is_unexpected_and_not_retryable(server, logged_in):
    server.override_fixture("newInverterAPI.do", "getInverterDetailData_two", "spring_400.html", status=400)
    with pytest.raises(UnexpectedReply) as info:
        logged_in.inverter_detail_two("NAC5A142E4")
    assert info.value.status == 400 and info.value.retryable is False


def test_update_plant_settings_with_incomplete_fetched_settings(server, logged_in):
    settings = fixture_json("plant_settings")
    del settings["timezone"]
    server.override("newPlantAPI.do", "getPlant", body=settings)
    with pytest.raises(UnexpectedReply, match="timezone"):
        logged_in.update_plant_settings("2016929", {"plantName": "x"})
    assert not any("updatePlant" in c.request.url for c in server.calls)


def test_update_plant_settings_with_incomplete_given_settings(server, logged_in):
    with pytest.raises(ValueError, match="plantName"):
        logged_in.update_plant_settings("2016929", {}, {"id": 1})


# ---------------------------------------------------------------- transport

@pytest.mark.parametrize(("exception", "connect"), [
    (requests.exceptions.ReadTimeout("read timed out"), False),
    (requests.exceptions.ConnectTimeout("connect timed out"), True),
])
def test_timeouts(server, logged_in, exception, connect):
    server.override("newTcpsetAPI.do", "mixSetApiNew", exception=exception)
    with pytest.raises(GrowattTimeout) as info:
        logged_in.update_mix_inverter_setting("ABC12345", "pv_on_off", ["1"])
    assert info.value.connect_timeout is connect
    assert info.value.status is None and info.value.retryable
    assert "20 s" in str(info.value)


@pytest.mark.parametrize("exception", [
    requests.exceptions.ConnectionError("connection reset by peer"),
    requests.exceptions.ChunkedEncodingError("connection dropped mid-body"),
    requests.exceptions.SSLError("bad handshake"),
])
def test_connection_errors(server, logged_in, exception):
    server.override("newMixApi.do", "getMixInfo", exception=exception)
    with pytest.raises(GrowattTransportError) as info:
        logged_in.mix_info("ABC12345")
    assert not isinstance(info.value, GrowattTimeout)
    assert info.value.status is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_transport_error(server, logged_in, status):
    server.override("newMixApi.do", "getMixInfo", status=status, body="<html><body>Bad Gateway</body></html>",
                    headers={"Content-Type": "text/html"})
    with pytest.raises(GrowattTransportError) as info:
        logged_in.mix_info("ABC12345")
    assert info.value.status == status and info.value.retryable
    assert logged_in.is_logged_in


def test_error_messages_name_the_endpoint_but_no_parameters(server, logged_in):
    server.override_fixture("newMixApi.do", "getMixInfo", "not_found_504")
    with pytest.raises(DeviceNotFound) as info:
        logged_in.mix_info("SERIAL-XYZ", "PLANT-123")
    assert info.value.endpoint == "newMixApi.do op=getMixInfo"
    assert "SERIAL-XYZ" not in str(info.value) and "PLANT-123" not in str(info.value)


def test_login_reply_contents_never_reach_an_error(server):
    back = fixture_json("login_ok")["back"]
    del back["user"]["id"]  # forces UnexpectedReply on a reply that echoes the password hash
    server.override("newTwoLoginAPI.do", body=json.dumps({"back": back}),
                    headers={"Content-Type": "application/json"})
    with pytest.raises(UnexpectedReply) as info:
        GrowattApi().login("myuser", "test")
    assert_no_secrets(info.value, back["user"]["password"], back["user"]["email"])
