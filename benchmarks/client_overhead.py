#!/usr/bin/env python3
"""Our ``growatt`` client against growattServer 1.5.0: the same calls, the same simulator, time per call.

growattServer 1.5.0 (PyPI; installed for tests and benchmarks only, the product never
imports it) is the baseline. Three clients log in to the simulator's demo world
(clock frozen, so every reply is the same): growattServer, our ``growatt.GrowattApi``
with its defaults, and ``GrowattApi`` as the sync builds it (``plants.growatt_link``:
proxy and CA settings read from the environment once per link, not on every
request). They make the calls a sync makes (discovery, live values, day curves of
every device kind), taking turns call by call so all see the same machine. Two
measurements:

* over HTTP: each call against the simulator on loopback (what a sync waits for);
* client only: the same replies served from memory by a ``requests`` adapter, so
  the time is the client's own work (building the request, requests' session
  machinery, decoding, checking) with no socket and no server.

Prints per call the median time of growattServer and the ratio of each of ours to it.

    .venv/bin/python benchmarks/client_overhead.py [--rounds 200]

Target (issue 8): ratio at most 1.0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as bench  # noqa: E402
import requests  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402
from requests.structures import CaseInsensitiveDict  # noqa: E402

TARGET_RATIO = 1.0
DAY = dt.datetime(2026, 6, 20)


def calls(timespan) -> list[tuple[str, str, tuple]]:
    """(label, method, args) of the demo world: what discovery and a sync cycle ask for."""
    return [
        ("plant_list", "plant_list", ("1500001",)),
        ("plant_info", "plant_info", ("1001001",)),
        ("get_plant_settings", "get_plant_settings", ("1001001",)),
        ("mix_system_status", "mix_system_status", ("SPH6A1B001", "1001001")),
        ("mix_detail (day curve)", "mix_detail", ("SPH6A1B001", "1001001", timespan.hour, DAY)),
        ("mix_info", "mix_info", ("SPH6A1B001", "1001001")),
        ("dashboard_data (day curve)", "dashboard_data", ("1001003", timespan.hour, DAY)),
        ("tlx_detail", "tlx_detail", ("MIN4B2C002",)),
        ("tlx_data (day curve)", "tlx_data", ("MIN4B2C002", DAY)),
        ("inverter_detail", "inverter_detail", ("MIC3C3D003",)),
        ("inverter_data (day curve)", "inverter_data", ("MIC3C3D003", DAY)),
        ("storage_params", "storage_params", ("SPF5D4E005",)),
    ]


class ReplayAdapter(HTTPAdapter):
    """Answers from memory what it has seen once (keyed by method and URL); asks the server otherwise."""

    def __init__(self):
        super().__init__()
        self.replies: dict[tuple[str, str], tuple[int, dict, bytes]] = {}
        self.replaying = False

    def send(self, request, **kwargs):
        key = (request.method, request.url)
        if self.replaying and key in self.replies:
            status, headers, content = self.replies[key]
            response = requests.Response()
            response.status_code, response.reason = status, "OK"
            response.headers = CaseInsensitiveDict(headers)
            response._content = content
            response.url, response.request, response.encoding = request.url, request, None
            return response
        response = super().send(request, **kwargs)
        self.replies[key] = (response.status_code, dict(response.headers), response.content)
        return response


OURS, APP, THEIRS = "growatt", "growatt in growattweb", "growattServer 1.5.0"


def make_clients(url: str):
    import growattServer

    from growatt import GrowattApi
    from growatt import Timespan as OurTimespan
    from plants.growatt_link import http_session

    ours = GrowattApi(server_url=url, timeout=20)  # the library with its defaults
    app = GrowattApi(server_url=url, timeout=20, session=http_session(url))  # as plants.growatt_link.make_api makes it
    theirs = growattServer.GrowattApi()
    theirs.server_url = url
    clients = {OURS: (ours, OurTimespan), APP: (app, OurTimespan), THEIRS: (theirs, growattServer.Timespan)}
    adapters = {}
    for name, (api, _timespan) in clients.items():
        adapter = ReplayAdapter()
        api.session.mount("http://", adapter)
        adapters[name] = adapter
        api.login("demo", "demo")
    return clients, adapters


def measure(clients: dict, rounds: int) -> dict[tuple[str, str], list[float]]:
    times: dict[tuple[str, str], list[float]] = {}
    names = list(clients)
    for n in range(rounds):
        for name in names[n % len(names):] + names[:n % len(names)]:  # take turns at going first
            api, timespan = clients[name]
            for label, method, args in calls(timespan):
                fn = getattr(api, method)
                start = time.perf_counter()
                fn(*args)
                times.setdefault((label, name), []).append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="calls of each kind per client and mode")
    args = parser.parse_args()
    # growattweb's session helper lives in a Django app; nothing here touches a database.
    bench.django_setup(bench.bench_env("sqlite:///:memory:"), migrate=False)
    with bench.simulator("--scenario", "demo", "--speed", "0", "--start", "2026-06-21T12:00:00Z",
                         "--login-allowance", "1000") as url:
        clients, adapters = make_clients(url)
        measure(clients, 3)  # warm-up (and the replies the replay serves)
        over_http = measure(clients, args.rounds)
        for adapter in adapters.values():
            adapter.replaying = True
        measure(clients, 3)
        in_memory = measure(clients, args.rounds * 5)

    from growatt import Timespan

    rows = []
    ratios: dict[tuple[str, str], list[float]] = {(who, mode): [] for who in (OURS, APP) for mode in ("http", "mem")}
    for label, _method, _args in calls(Timespan):
        http = {who: statistics.median(over_http[(label, who)]) for who in clients}
        mem = {who: statistics.median(in_memory[(label, who)]) for who in clients}
        for who in (OURS, APP):
            ratios[(who, "http")].append(http[who] / http[THEIRS])
            ratios[(who, "mem")].append(mem[who] / mem[THEIRS])
        rows.append([label, round(http[THEIRS] * 1000, 3), round(http[OURS] / http[THEIRS], 2),
                     round(http[APP] / http[THEIRS], 2), round(mem[THEIRS] * 1e6, 1), round(mem[OURS] / mem[THEIRS], 2),
                     round(mem[APP] / mem[THEIRS], 2)])

    def geomean(values):
        return math.exp(sum(math.log(v) for v in values) / len(values))

    rows.append(["geometric mean", "", *(round(geomean(ratios[(who, "http")]), 2) for who in (OURS, APP)), "",
                 *(round(geomean(ratios[(who, "mem")]), 2) for who in (OURS, APP))])
    print(f"\nClient overhead: time per call, ratio to growattServer 1.5.0 (below 1 = faster). {args.rounds} rounds "
          f"over HTTP to the simulator on loopback, {args.rounds * 5} with the replies served from memory (the "
          f"client's own work); medians; {bench.machine()}; {bench.load_average()}\n"
          f"'{OURS}': the library with its defaults; '{APP}': as plants.growatt_link.make_api builds it (proxy "
          f"settings read once per link instead of on every request).\n")
    bench.print_table(["call", "1.5.0 ms (HTTP)", f"{OURS} (HTTP)", f"{APP} (HTTP)", "1.5.0 µs (client only)",
                       f"{OURS} (client only)", f"{APP} (client only)"], rows)
    ok = True
    for who in (OURS, APP):
        mean, worst = geomean(ratios[(who, "http")]), max(ratios[(who, "http")])
        mean_mem, worst_mem = geomean(ratios[(who, "mem")]), max(ratios[(who, "mem")])
        met = worst <= TARGET_RATIO
        ok &= met or who == OURS  # the product runs APP; OURS is shown so the library's own cost stays visible
        bench.summary("client_overhead", f"{who}: per-call ratio over HTTP, geo. mean (worst)",
                      f"{mean:.2f} ({worst:.2f})", f"<= {TARGET_RATIO}", met, baseline="growattServer 1.5.0 = 1.00")
        bench.summary("client_overhead", f"{who}: client-only ratio, geo. mean (worst)",
                      f"{mean_mem:.2f} ({worst_mem:.2f})", f"<= {TARGET_RATIO}", worst_mem <= TARGET_RATIO,
                      baseline="growattServer 1.5.0 = 1.00")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
