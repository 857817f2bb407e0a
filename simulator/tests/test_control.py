"""Control endpoints, the clock, the command line and the scale scenario."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import time_machine

from simulator import SimClock, SimulatorServer

from .helpers import DEMO_DEVICES, get, session

ROOT = Path(__file__).resolve().parents[2]


def test_clock_runs_at_speed_and_follows_time_machine():
    with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False) as traveller:
        clock = SimClock(speed=60)
        assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
        traveller.shift(10)
        assert clock.now() == datetime(2026, 1, 1, 0, 10, tzinfo=UTC)
        clock.advance(3600)
        assert clock.now() == datetime(2026, 1, 1, 1, 10, tzinfo=UTC)
        clock.set("2026-02-01T00:00:00Z")
        assert clock.now() == datetime(2026, 2, 1, tzinfo=UTC)
        clock.set_speed(1)
        traveller.shift(10)
        assert clock.now() == datetime(2026, 2, 1, 0, 0, 10, tzinfo=UTC)
    assert SimClock(start="2026-03-01T12:00:00+01:00", speed=0).now() == datetime(2026, 3, 1, 11, tzinfo=UTC)


def test_clock_over_http(growatt_sim):
    url = growatt_sim.url + "__sim__/clock"
    before = datetime.fromisoformat(requests.get(url).json()["now"])
    after = datetime.fromisoformat(requests.post(url, json={"advance": 86400}).json()["now"])
    assert timedelta(days=1) <= after - before < timedelta(days=1, seconds=30)
    jumped = requests.post(url, json={"set": "2026-06-21T12:00:00Z"}).json()
    assert jumped["now"].startswith("2026-06-21T12:00")
    assert growatt_sim.clock.now() >= datetime(2026, 6, 21, 12, tzinfo=UTC)


def test_stats_count_requests_per_endpoint_and_account(growatt_sim):
    demo = session(growatt_sim)
    neighbour = session(growatt_sim, "neighbour")
    for _ in range(3):
        demo.post(growatt_sim.url + "newMixApi.do",
                  params={"op": "getSystemStatus_KW", "mixId": "SPH6A1B001", "plantId": "1001001"})
    neighbour.get(growatt_sim.url + "PlantListAPI.do", params={"userId": 1500002})
    demo.post(growatt_sim.url + "newTwoLoginAPI.do", data={"userName": "demo", "password": "bad"})
    stats = requests.get(growatt_sim.url + "__sim__/stats").json()
    assert stats == growatt_sim.stats() | {"uptimeSeconds": stats["uptimeSeconds"], "simNow": stats["simNow"]}
    assert stats["requestsPerEndpoint"]["newMixApi.do?op=getSystemStatus_KW"] == 3
    assert stats["requestsPerEndpoint"]["newTwoLoginAPI.do"] == 3
    assert stats["requestsPerEndpoint"]["PlantListAPI.do"] == 1
    assert stats["requestsPerAccount"] == {"demo": 5, "neighbour": 2}
    assert stats["logins"] == 2 and stats["failedLogins"] == 1
    assert stats["loginsPerAccount"] == {"demo": 1, "neighbour": 1}
    assert stats["activeSessions"] == 2
    assert stats["requests"] == 7
    assert stats["responsesPerStatus"] == {"200": 7}


def test_reset_over_http(growatt_sim):
    s = session(growatt_sim)
    r = requests.post(growatt_sim.url + "__sim__/reset", json={})
    assert r.json() == {"ok": True}
    assert growatt_sim.stats()["requests"] == 0 and growatt_sim.stats()["activeSessions"] == 0
    assert s.get(growatt_sim.url + "PlantListAPI.do", allow_redirects=False).status_code == 302


def test_world_describes_plants_and_their_zones(growatt_sim):
    world = requests.get(growatt_sim.url + "__sim__/world").json()
    zones = {p["plantId"]: p["iana"] for a in world["accounts"] for p in a["plants"]}
    assert zones == {"1001001": "Europe/Berlin", "1001002": "Europe/London", "1001003": "Australia/Sydney",
                     "1001004": "America/New_York", "1002001": "Europe/Lisbon"}
    assert {pid: growatt_sim.world.plant_zone(pid) for pid in zones} == zones
    kinds = {d["kind"] for a in world["accounts"] if a["username"] == "demo" for p in a["plants"] for d in p["devices"]}
    assert kinds == {"inverter", "tlx", "mix", "spa", "storage"}
    assert {sn: (d.kind, d.plant_id) for sn, d in growatt_sim.world.devices.items() if sn in DEMO_DEVICES} == \
        DEMO_DEVICES


def test_get_plant_lets_a_client_infer_the_zone(growatt_sim):
    s = session(growatt_sim)
    plant = get(s, growatt_sim, "newPlantAPI.do", op="getPlant", plantId="1001003")
    assert (plant["country"], plant["city"], plant["timezone"]) == ("Australia", "Sydney", 10)
    assert float(plant["plant_lat"]) < 0 and float(plant["plant_lng"]) > 150


def test_unknown_control_endpoint_is_a_400(growatt_sim):
    r = requests.post(growatt_sim.url + "__sim__/nothing", json={})
    assert r.status_code == 400 and r.json()["ok"] is False


def test_stop_is_clean_and_idempotent():
    sim = SimulatorServer().start()
    s = session(sim)
    port = sim.port
    sim.stop()
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        s.get(f"http://127.0.0.1:{port}/PlantListAPI.do", timeout=2)
    with pytest.raises(RuntimeError):
        _ = sim.url


def test_scale_scenario_starts_fast_and_serves():
    with SimulatorServer(scenario="scale", scale_accounts=250, scale_plants=4, speed=0) as sim:
        assert len(sim.world.accounts) == 250 and len(sim.world.plants) == 1000
        s = session(sim, "user0137", "pass")
        plants = get(s, sim, "PlantListAPI.do", userId=2000137)["back"]["data"]
        assert len(plants) == 4
        kinds = set()
        for plant in plants:
            for device in get(s, sim, "newTwoPlantAPI.do", op="getAllDeviceList", plantId=plant["plantId"])[
                    "deviceList"]:
                kinds.add(device["deviceType"])
        assert len(kinds) >= 3
        assert len(sim.physics._days) <= 4  # lazy: only the days that were asked for
    with SimulatorServer(scenario="scale", accounts=2, plants_per_account=5) as sim:
        kinds = {d.kind for d in sim.world.devices.values()}
        assert kinds == {"inverter", "tlx", "mix", "spa", "storage"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_command_line_help():
    out = subprocess.run([sys.executable, "-m", "simulator", "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=30, check=True).stdout
    for flag in ("--scenario", "--seed", "--speed", "--start", "--http-500", "--waf-405", "--session-drop",
                 "--stale-today", "/__sim__/stats", "demo / demo"):
        assert flag in out


def test_command_line_serves_until_terminated():
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", str(port), "--start", "2026-06-21T12:00:00Z", "--speed", "0",
         "--http-500", "next:1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        banner = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in banner
        url = f"http://127.0.0.1:{port}/"
        assert requests.get(url + "__sim__/clock", timeout=5).json()["now"].startswith("2026-06-21T12:00:00")
        s = requests.Session()
        s.headers["User-Agent"] = "cli-test"
        assert s.get(url + "error.do", timeout=5).status_code == 500  # the one injected 500
        assert s.get(url + "error.do", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
