"""Fault injection: each fault from flags, from sim.faults and from POST /__sim__/faults."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests

from simulator import Faults, SimulatorServer
from simulator.faults import parse_flag, parse_spec

from .helpers import UA, get, post, session, set_local


@pytest.fixture
def growatt_sim_options():
    return {"start": "2026-06-21T10:00:00Z", "speed": 0, "session_lifetime": 10**9}


@pytest.fixture
def demo(growatt_sim):
    return session(growatt_sim)


def mix_info(s, sim):
    return s.get(sim.url + "newMixApi.do", params={"op": "getMixInfo", "mixId": "SPH6A1B001"},
                 allow_redirects=False)


def test_http_500_for_the_next_two_requests(growatt_sim, demo):
    growatt_sim.faults["http_500"] = {"next": 2}
    assert [mix_info(demo, growatt_sim).status_code for _ in range(4)] == [500, 500, 200, 200]
    assert growatt_sim.stats()["faultsInjected"] == {"http_500": 2}
    assert "http_500" not in growatt_sim.faults  # spent


def test_other_5xx_statuses(growatt_sim, demo):
    growatt_sim.faults["http_500"] = {"next": 1, "status": 503}
    assert mix_info(demo, growatt_sim).status_code == 503
    with pytest.raises(ValueError):
        growatt_sim.faults["http_500"] = {"status": 404}


def test_waf_405_html_page(growatt_sim, demo):
    growatt_sim.faults["waf_405"] = {"next": 1}
    r = mix_info(demo, growatt_sim)
    assert r.status_code == 405
    assert "Sorry, your request has been blocked" in r.text and "request ID is" in r.text
    assert r.headers["Content-Type"].startswith("text/html")
    assert mix_info(demo, growatt_sim).status_code == 200


def test_session_drop_invalidates_the_session(growatt_sim, demo):
    assert mix_info(demo, growatt_sim).status_code == 200
    growatt_sim.faults["session_drop"] = {"next": 1}
    r = mix_info(demo, growatt_sim)
    assert r.status_code == 302 and "errorNoLogin" in r.headers["Location"]
    assert mix_info(demo, growatt_sim).status_code == 302, "the session stays gone"
    fresh = session(growatt_sim)
    assert mix_info(fresh, growatt_sim).status_code == 200


def test_malformed_json(growatt_sim, demo):
    growatt_sim.faults["malformed_json"] = {"next": 1}
    r = mix_info(demo, growatt_sim)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content.decode("utf-8"))
    assert mix_info(demo, growatt_sim).json()["result"] == 1


def test_dropped_connection(growatt_sim, demo):
    growatt_sim.faults["drop_connection"] = {"next": 1}
    with pytest.raises(requests.ConnectionError):
        mix_info(demo, growatt_sim)
    assert mix_info(demo, growatt_sim).status_code == 200


def test_latency_is_slept_in_the_server(growatt_sim, demo, monkeypatch):
    import simulator.app

    slept = []
    monkeypatch.setattr(simulator.app.time, "sleep", slept.append)
    growatt_sim.faults["latency"] = {"seconds": 0.25, "jitter": 0.05}
    mix_info(demo, growatt_sim)
    mix_info(demo, growatt_sim)
    assert len(slept) == 2 and all(0.2 <= s <= 0.3 for s in slept)


def test_stale_today_values_just_after_local_midnight(growatt_sim, demo):
    sim = growatt_sim

    def load_today():
        obj = post(demo, sim, "newMixApi.do", op="getEnergyOverview", mixId="SPH6A1B001", plantId="1001001")["obj"]
        return float(obj["elocalLoadToday"])

    set_local(sim, "1001001", date(2026, 6, 22), 23, 57)
    yesterday_final = load_today()
    assert yesterday_final > 3
    sim.faults["stale_today"] = True
    sim.clock.advance(5 * 60)  # 00:02 local
    assert load_today() == yesterday_final
    sim.clock.advance(10 * 60)  # 00:12: the window is over
    assert load_today() < 1
    del sim.faults["stale_today"]
    set_local(sim, "1001001", date(2026, 6, 24), 0, 2)
    assert load_today() < 1


def test_account_scope(growatt_sim, demo):
    growatt_sim.faults["http_500"] = {"p": 1.0, "accounts": ["neighbour"]}
    assert mix_info(demo, growatt_sim).status_code == 200
    other = requests.Session()
    other.headers["User-Agent"] = UA
    r = other.post(growatt_sim.url + "newTwoLoginAPI.do",
                   data={"userName": "neighbour", "password": "whatever"})
    assert r.status_code == 500


def test_path_scope_and_every(growatt_sim, demo):
    growatt_sim.faults["http_500"] = {"every": 3, "paths": ["newMixApi.do?op=getMixInfo"]}
    codes = [mix_info(demo, growatt_sim).status_code for _ in range(6)]
    assert codes == [200, 200, 500, 200, 200, 500]
    assert get(demo, growatt_sim, "newPlantAPI.do", op="getPlant", plantId="1001001")["id"] == 1001001


def test_after_then_next(growatt_sim, demo):
    growatt_sim.faults["waf_405"] = {"after": 2, "next": 1}
    assert [mix_info(demo, growatt_sim).status_code for _ in range(5)] == [200, 200, 405, 200, 200]


def test_window_of_simulated_time(growatt_sim, demo):
    growatt_sim.faults["http_500"] = {"from": "2026-06-21T11:00:00Z", "until": "2026-06-21T12:00:00Z"}
    assert mix_info(demo, growatt_sim).status_code == 200
    growatt_sim.clock.advance(3600)
    assert mix_info(demo, growatt_sim).status_code == 500
    growatt_sim.clock.advance(3600)
    assert mix_info(demo, growatt_sim).status_code == 200


def test_probabilities_are_seeded():
    def pattern(seed):
        faults = Faults(seed, {"http_500": 0.5})
        return [faults.fires("http_500", username=None, route="x", path="x", now_ts=0) for _ in range(40)]

    assert pattern(3) == pattern(3)
    assert pattern(3) != pattern(4)
    assert 5 < sum(pattern(3)) < 35


def test_faults_over_http(growatt_sim, demo):
    r = requests.post(growatt_sim.url + "__sim__/faults", json={"http_500": {"next": 1}, "latency": 0})
    assert r.status_code == 200 and r.json()["faults"] == {"http_500": {"next": 1, "fired": 0}}
    assert mix_info(demo, growatt_sim).status_code == 500
    requests.post(growatt_sim.url + "__sim__/faults", json={"waf_405": 1.0})
    assert mix_info(demo, growatt_sim).status_code == 405
    requests.post(growatt_sim.url + "__sim__/faults", json={"clear": True})
    assert mix_info(demo, growatt_sim).status_code == 200
    bad = requests.post(growatt_sim.url + "__sim__/faults", json={"meteor_strike": 1})
    assert bad.status_code == 400 and "unknown fault" in bad.json()["error"]


def test_faults_from_the_constructor():
    with SimulatorServer(faults={"http_500": {"next": 1}}) as sim:
        s = requests.Session()
        s.headers["User-Agent"] = UA
        assert s.post(sim.url + "newTwoLoginAPI.do", data={"userName": "demo"}).status_code == 500


@pytest.mark.parametrize(("flag", "expected"), [
    ("http_500=0.1", ("http_500", 0.1)),
    ("http-500=next:2", ("http_500", {"next": 2})),
    ("waf_405=every:10", ("waf_405", {"every": 10})),
    ("session_drop=p:0.5,accounts:demo+neighbour", ("session_drop", {"p": 0.5, "accounts": ["demo", "neighbour"]})),
    ("stale_today", ("stale_today", True)),
])
def test_flag_syntax(flag, expected):
    name, value = parse_flag(flag)
    assert (name, value) == expected
    assert parse_spec(name, value) is not None


def test_cli_fault_flags_reach_the_server():
    from simulator.__main__ import build_parser

    args = build_parser().parse_args(["--http-500", "next:2", "--fault", "waf_405=0.25", "--latency", "0.1"])
    assert args.http_500 == "next:2" and args.fault == ["waf_405=0.25"] and args.latency == 0.1
