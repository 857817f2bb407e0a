"""Logins, sessions, lockouts and the User-Agent check."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import growattServer
import pytest
import requests

from simulator import SimulatorServer, growatt_hash

from .helpers import UA, get, session


@pytest.fixture
def growatt_sim_options():
    return {"login_allowance": 3, "login_window": 3600, "speed": 0, "start": "2026-11-20T10:00:00Z"}


def login(sim, username="demo", password="demo", hashed=None):
    s = requests.Session()
    s.headers["User-Agent"] = UA
    r = s.post(sim.url + "newTwoLoginAPI.do",
               data={"userName": username, "password": hashed or growatt_hash(password)})
    assert r.status_code == 200
    return s, r


def test_password_hash_matches_the_protocol():
    assert growatt_hash("test") == "c98f6bcd4621d373cade4e832627b4f6"
    assert growatt_hash("banaan") == "31d674be46e1ba6b54388a671cc9accb"
    assert growatt_hash("demo1234") == "6e9bece19148c9fb8493146417e722f6"
    assert growatt_hash("demo") == growattServer.hash_password("demo")


def test_login_sets_a_jsessionid_cookie(growatt_sim):
    s, r = login(growatt_sim)
    back = r.json()["back"]
    assert back["success"] is True and back["user"]["id"] == 1500001
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("JSESSIONID=") and "HttpOnly" in cookie and "Path=/" in cookie
    assert len(s.cookies["JSESSIONID"]) == 32
    assert get(s, growatt_sim, "PlantListAPI.do", userId=1500001)["back"]["success"] is True


@pytest.mark.parametrize(("username", "password"), [("demo", "wrong"), ("nobody", "demo"), ("demo", "")])
def test_wrong_password_or_unknown_user_is_502(growatt_sim, username, password):
    _, r = login(growatt_sim, username, password)
    assert r.json()["back"]["success"] is False
    assert r.json()["back"]["msg"] == "502"
    assert "Set-Cookie" not in r.headers


def test_an_unhashed_password_is_rejected(growatt_sim):
    _, r = login(growatt_sim, hashed="demo")
    assert r.json()["back"]["msg"] == "502"


def test_missing_user_agent_is_403(growatt_sim):
    split = urlsplit(growatt_sim.url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
    conn.putrequest("POST", "/newTwoLoginAPI.do", skip_accept_encoding=True)
    body = b"userName=demo&password=" + growatt_hash("demo").encode()
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    assert resp.status == 403
    assert b"403 Forbidden" in resp.read()
    conn.close()
    r = requests.get(growatt_sim.url + "PlantListAPI.do", headers={"User-Agent": ""})
    assert r.status_code == 403


def test_missing_session_redirects_to_the_login_page(growatt_sim):
    s = requests.Session()
    s.headers["User-Agent"] = UA
    r = s.get(growatt_sim.url + "newMixApi.do", params={"op": "getMixInfo", "mixId": "SPH6A1B001"},
              allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/error.do?errorMess=errorNoLogin")
    followed = s.post(growatt_sim.url + "newMixApi.do", params={"op": "getSystemStatus_KW", "mixId": "SPH6A1B001"})
    assert followed.status_code == 200
    assert followed.url.endswith("error.do?errorMess=errorNoLogin")
    assert '<html data-name="login"' in followed.text
    with pytest.raises(json.JSONDecodeError):
        json.loads(followed.content.decode("utf-8"))


def test_growattserver_sees_an_expired_session_as_a_json_error(growatt_sim):
    api = growattServer.GrowattApi()
    api.server_url = growatt_sim.url
    login_reply = api.login("demo", "demo")
    assert api.mix_info("SPH6A1B001")
    growatt_sim.clock.advance(24 * 3600 + 1)
    with pytest.raises(json.JSONDecodeError):
        api.mix_info("SPH6A1B001")
    with pytest.raises(json.JSONDecodeError):  # plant_list does not follow the redirect
        api.plant_list(login_reply["userId"])


def test_session_lives_for_its_configured_lifetime(growatt_sim):
    s = session(growatt_sim)
    growatt_sim.clock.advance(24 * 3600 - 60)
    assert get(s, growatt_sim, "newPlantAPI.do", op="getPlant", plantId="1001001")["id"] == 1001001
    growatt_sim.clock.advance(61)
    r = s.get(growatt_sim.url + "newPlantAPI.do", params={"op": "getPlant", "plantId": "1001001"},
              allow_redirects=False)
    assert r.status_code == 302


def test_short_session_lifetime_option():
    with SimulatorServer(session_lifetime=600, speed=0) as sim:
        s = session(sim)
        sim.clock.advance(599)
        assert s.get(sim.url + "PlantListAPI.do", params={"userId": 1500001}, allow_redirects=False).status_code == 200
        sim.clock.advance(2)
        assert s.get(sim.url + "PlantListAPI.do", params={"userId": 1500001}, allow_redirects=False).status_code == 302


def test_expired_mode_error500():
    with SimulatorServer(expired_mode="error500") as sim:
        r = requests.get(sim.url + "PlantListAPI.do", headers={"User-Agent": UA})
        assert r.status_code == 500 and "you have not login" in r.text


def test_too_many_logins_lock_the_account_for_24_hours(growatt_sim):
    for _ in range(3):
        _, r = login(growatt_sim)
        assert r.json()["back"]["success"] is True
    _, r = login(growatt_sim)
    back = r.json()["back"]
    assert back == {"success": False, "msg": "507", "error": "Current account has been locked for 24 hours",
                    "lockDuration": "24"}
    # locked: even the right password is refused, and the other account is unaffected
    growatt_sim.clock.advance(23 * 3600)
    assert login(growatt_sim)[1].json()["back"]["msg"] == "507"
    assert login(growatt_sim, "neighbour", "neighbour")[1].json()["back"]["success"] is True
    growatt_sim.clock.advance(3600 + 1)
    assert login(growatt_sim)[1].json()["back"]["success"] is True
    stats = growatt_sim.stats()
    assert stats["lockouts"] == 1
    assert stats["lockoutsPerAccount"] == {"demo": 1}
    assert stats["logins"] == 5
    assert stats["lockedLoginAttempts"] == 2


def test_failed_logins_count_towards_the_allowance(growatt_sim):
    for _ in range(3):
        assert login(growatt_sim, password="nope")[1].json()["back"]["msg"] == "502"
    assert login(growatt_sim)[1].json()["back"]["msg"] == "507"


def test_logins_spread_over_the_window_are_fine(growatt_sim):
    for _ in range(8):
        assert login(growatt_sim)[1].json()["back"]["success"] is True
        growatt_sim.clock.advance(1800)


def test_existing_sessions_survive_a_lockout(growatt_sim):
    s = session(growatt_sim)
    growatt_sim.lock_account("demo")
    assert login(growatt_sim)[1].json()["back"]["msg"] == "507"
    assert get(s, growatt_sim, "PlantListAPI.do", userId=1500001)["back"]["success"] is True


def test_control_lock_and_expire_sessions(growatt_sim):
    s = session(growatt_sim)
    r = requests.post(growatt_sim.url + "__sim__/lock", json={"username": "demo"})
    assert r.json() == {"ok": True}
    assert login(growatt_sim)[1].json()["back"]["msg"] == "507"
    assert growatt_sim.stats()["lockedAccounts"] == ["demo"]
    r = requests.post(growatt_sim.url + "__sim__/expire_sessions", json={"username": "demo"})
    assert r.json()["expired"] == 1
    assert s.get(growatt_sim.url + "PlantListAPI.do", allow_redirects=False).status_code == 302
    requests.post(growatt_sim.url + "__sim__/unlock", json={"username": "demo"})
    assert login(growatt_sim)[1].json()["back"]["success"] is True


def test_one_account_cannot_see_another_accounts_plants(growatt_sim):
    s = session(growatt_sim, "neighbour")
    assert get(s, growatt_sim, "newTwoPlantAPI.do", op="getAllDeviceList", plantId="1001001") == {
        "msg": "501", "success": False}
    assert get(s, growatt_sim, "newInverterAPI.do", op="getInverterData", id="MIC3C3D003", type=1) == {
        "msg": "501", "success": False}
    assert get(s, growatt_sim, "PlantListAPI.do", userId=1500001)["back"]["data"] == []
    mine = get(s, growatt_sim, "PlantListAPI.do", userId=1500002)["back"]["data"]
    assert [p["plantId"] for p in mine] == ["1002001"]


def test_unknown_op_is_a_spring_400_and_unknown_path_a_404(growatt_sim):
    s = session(growatt_sim)
    r = s.get(growatt_sim.url + "newMixApi.do", params={"op": "getUserServerUrl"})
    assert r.status_code == 400 and "Parameter conditions" in r.text
    r = s.get(growatt_sim.url + "nothingHere.do")
    assert r.status_code == 404
