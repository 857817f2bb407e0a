"""How many data requests per second the Growatt simulator answers.

Starts ``python -m simulator`` in a separate process, logs in with a few
keep-alive sessions and hammers the data endpoints the web app's sync uses
for a fixed time, then prints requests/s and latency percentiles.

    .venv/bin/python benchmarks/simulator_throughput.py [--seconds 10] [--threads 4] [--scenario scale]

Exit status 1 when the rate is below --min-rps (default 500).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
UA = "Dalvik/2.1.0 (Linux; U; Android 12; simulator benchmark)"


def growatt_hash(password: str) -> str:
    digest = list(hashlib.md5(password.encode()).hexdigest())
    for i in range(0, len(digest), 2):
        if digest[i] == "0":
            digest[i] = "c"
    return "".join(digest)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(args, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "simulator", "--port", str(port), "--scenario", args.scenario,
           "--login-allowance", "1000000", "--speed", str(args.speed)]
    if args.scenario == "scale":
        cmd += ["--accounts", str(args.accounts), "--plants-per-account", str(args.plants_per_account)]
    if args.no_cache:
        cmd.append("--no-cache")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    banner = proc.stdout.readline()
    if "simulator on" not in banner:
        proc.kill()
        raise SystemExit(f"simulator did not start: {banner}{proc.stderr.read()}")
    return proc


def login(url: str, username: str, password: str) -> tuple[requests.Session, dict]:
    s = requests.Session()
    s.headers["User-Agent"] = UA
    back = s.post(url + "newTwoLoginAPI.do", data={"userName": username, "password": growatt_hash(password)}).json()
    if not back["back"]["success"]:
        raise SystemExit(f"login failed for {username}: {back}")
    return s, back["back"]


def plan_for(s: requests.Session, url: str, login_back: dict) -> list[tuple[str, str, dict]]:
    """The per-device calls of one 5-minute sync cycle, for every plant of the account."""
    calls = [("GET", "PlantListAPI.do", {"userId": login_back["user"]["id"]})]
    for plant in login_back["data"]:
        pid = plant["plantId"]
        calls.append(("GET", "newTwoPlantAPI.do", {"op": "getAllDeviceList", "plantId": pid, "pageNum": 1,
                                                    "pageSize": 1}))
        calls.append(("POST", "newPlantAPI.do", {"action": "getEnergyStorageData", "plantId": pid, "type": 0}))
        devices = s.get(url + "newTwoPlantAPI.do", params={"op": "getAllDeviceList", "plantId": pid}).json()
        for device in devices["deviceList"]:
            sn, kind = device["deviceSn"], device["deviceType"]
            if kind in ("mix", "spa"):
                calls += [("POST", "newMixApi.do", {"op": "getSystemStatus_KW", "mixId": sn, "plantId": pid}),
                          ("POST", "newMixApi.do", {"op": "getEnergyProdAndCons_KW", "mixId": sn, "plantId": pid,
                                                    "type": 0}),
                          ("GET", "newMixApi.do", {"op": "getMixInfo", "mixId": sn}),
                          ("POST", "newMixApi.do", {"op": "getEnergyOverview", "mixId": sn, "plantId": pid})]
            elif kind == "tlx":
                calls += [("GET", "newTlxApi.do", {"op": "getTlxData", "id": sn, "type": 1}),
                          ("GET", "newTlxApi.do", {"op": "getTlxDetailData", "id": sn})]
            elif kind == "inverter":
                calls += [("GET", "newInverterAPI.do", {"op": "getInverterData", "id": sn, "type": 1}),
                          ("GET", "newInverterAPI.do", {"op": "getInverterDetailData", "inverterId": sn})]
            elif kind == "storage":
                calls += [("GET", "newStorageAPI.do", {"op": "getStorageInfo_sacolar", "storageId": sn}),
                          ("GET", "newStorageAPI.do", {"op": "getStorageParams_sacolar", "storageId": sn}),
                          ("POST", "newStorageAPI.do?op=getEnergyOverviewData_sacolar",
                           {"plantId": pid, "storageSn": sn})]
    return calls


def worker(url, username, password, deadline, latencies, errors, lock):
    s, back = login(url, username, password)
    calls = plan_for(s, url, back)
    mine, bad = [], 0
    i = 0
    while time.perf_counter() < deadline:
        method, page, params = calls[i % len(calls)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = s.request(method, url + page, params=params, allow_redirects=False)
            ok = r.status_code == 200 and r.content[:1] in (b"{", b"[")
        except requests.RequestException:
            ok = False
        mine.append(time.perf_counter() - t0)
        bad += not ok
    with lock:
        latencies.extend(mine)
        errors.append(bad)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--scenario", choices=("demo", "scale"), default="demo")
    p.add_argument("--accounts", type=int, default=50)
    p.add_argument("--plants-per-account", type=int, default=3)
    p.add_argument("--speed", type=float, default=1.0, help="simulated speed (higher = more cache misses)")
    p.add_argument("--no-cache", action="store_true", help="disable the simulator's per-sample reply cache")
    p.add_argument("--min-rps", type=float, default=500.0)
    args = p.parse_args()

    port = free_port()
    proc = start_simulator(args, port)
    url = f"http://127.0.0.1:{port}/"
    try:
        if args.scenario == "demo":
            users = [("demo", "demo"), ("neighbour", "neighbour")]
        else:
            users = [(f"user{i:04d}", "pass") for i in range(1, args.accounts + 1)]
        # warm up: the first request of a plant computes its day
        s, back = login(url, *users[0])
        plan_for(s, url, back)
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()
        deadline = time.perf_counter() + args.seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(url, *users[i % len(users)], deadline, latencies, errors,
                                                         lock)) for i in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        stats = requests.get(url + "__sim__/stats").json()
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    n = len(latencies)
    rate = n / elapsed
    q = statistics.quantiles(latencies, n=100) if n >= 2 else [0.0] * 99
    print(f"simulator throughput ({args.scenario}, {args.threads} keep-alive sessions, {elapsed:.1f} s"
          f"{', no reply cache' if args.no_cache else ''})")
    print(f"  requests      {n}")
    print(f"  errors        {sum(errors)}")
    print(f"  requests/s    {rate:.0f}")
    print(f"  p50 latency   {q[49] * 1000:.2f} ms")
    print(f"  p95 latency   {q[94] * 1000:.2f} ms")
    print(f"  p99 latency   {q[98] * 1000:.2f} ms")
    print(f"  server saw    {stats['requests']} requests on {len(stats['requestsPerEndpoint'])} endpoints")
    verdict = "OK" if rate >= args.min_rps and not sum(errors) else "BELOW TARGET"
    print(f"  target        >= {args.min_rps:.0f} req/s: {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
