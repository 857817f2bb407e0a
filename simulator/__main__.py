"""``python -m simulator``: run the Growatt simulator on a port."""

from __future__ import annotations

import argparse
import json
import signal
import sys

from .faults import FAULT_NAMES, parse_flag, parse_spec
from .server import SimulatorServer

EPILOG = """\
fault specs (for --http-500, --waf-405, --session-drop, --malformed-json,
--drop-connection, --stale-today, or --fault NAME=SPEC):
  0.1                 probability per request
  next:2              the next 2 requests, then off
  every:10            every 10th request
  after:5,next:1      let 5 pass, then one
  p:0.2,accounts:demo+neighbour   only for these accounts
  {"p": 0.1, "paths": ["newMixApi.do"]}   JSON works too

control endpoints (not part of Growatt's API):
  GET  /__sim__/stats          request counts, logins, lockouts, sessions
  GET  /__sim__/world          accounts, plants, devices, IANA zones
  GET  /__sim__/clock          POST {"advance": 3600} | {"set": "2026-06-21T12:00:00Z"} | {"speed": 60}
  POST /__sim__/faults         {"http_500": {"next": 2}, "latency": 0.2}  ({"clear": true} clears)
  POST /__sim__/lock           {"username": "demo"}     (/__sim__/unlock likewise)
  POST /__sim__/expire_sessions  {"username": "demo"} or {} for everyone
  POST /__sim__/reset          {"clock": false}

demo credentials: demo / demo (four plants), neighbour / neighbour (one plant)
"""


def _spec(name: str, text: str):
    text = text.strip()
    if text.startswith("{"):
        return json.loads(text)
    return parse_flag(f"{name}={text}")[1]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m simulator",
        description="A stateful Growatt cloud simulator (ShinePhone mobile API, growattServer 1.5.0 compatible).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8081, help="port (default 8081; 0 picks a free one)")
    p.add_argument("--scenario", choices=("demo", "scale"), default="demo", help="world to build (default demo)")
    p.add_argument("--seed", type=int, default=1, help="seed for weather, load and faults (default 1)")
    p.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second (default 1)")
    p.add_argument("--start", default=None, metavar="ISO-DATETIME",
                   help="simulated start instant, e.g. 2026-06-21T06:00:00Z (default: now)")
    p.add_argument("--accounts", type=int, default=10, help="scale scenario: number of accounts (default 10)")
    p.add_argument("--plants-per-account", type=int, default=3,
                   help="scale scenario: plants per account (default 3)")
    p.add_argument("--session-lifetime", type=float, default=86400,
                   help="session lifetime in simulated seconds (default 86400)")
    p.add_argument("--login-allowance", type=int, default=10,
                   help="logins per account allowed within --login-window before a 507 lockout (default 10)")
    p.add_argument("--login-window", type=float, default=3600,
                   help="window for --login-allowance, simulated seconds (default 3600)")
    p.add_argument("--lock-hours", type=int, default=24, help="lockout duration in simulated hours (default 24)")
    p.add_argument("--expired-mode", choices=("redirect", "error500"), default="redirect",
                   help="reply to a missing/expired session: 302 to error.do (default) or an HTML 500")
    p.add_argument("--latency", type=float, default=0.0, help="added latency per request, real seconds")
    p.add_argument("--latency-jitter", type=float, default=0.0, help="+/- jitter on --latency, real seconds")
    for name in FAULT_NAMES:
        p.add_argument(f"--{name.replace('_', '-')}", metavar="SPEC", default=None,
                       help=f"inject {name} (see fault specs below)")
    p.add_argument("--fault", action="append", default=[], metavar="NAME=SPEC", help="any fault, repeatable")
    p.add_argument("--no-cache", action="store_true", help="do not cache replies per 5-minute sample")
    p.add_argument("--verbose", "-v", action="store_true", help="log every request to stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    faults: dict = {}
    try:
        for name in FAULT_NAMES:
            value = getattr(args, name)
            if value is not None:
                faults[name] = _spec(name, value)
        for item in args.fault:
            name, _, text = item.partition("=")
            name = name.strip().replace("-", "_")
            faults[name] = _spec(name, text) if text else True
        if args.latency or args.latency_jitter:
            faults["latency"] = {"seconds": args.latency, "jitter": args.latency_jitter}
        for name, value in faults.items():
            parse_spec(name, value)
    except (ValueError, json.JSONDecodeError) as exc:
        print(f"simulator: bad fault spec: {exc}", file=sys.stderr)
        return 2
    try:
        sim = SimulatorServer(
            scenario=args.scenario, seed=args.seed, speed=args.speed, start=args.start, host=args.host,
            port=args.port, faults=faults, session_lifetime=args.session_lifetime,
            login_allowance=args.login_allowance, login_window=args.login_window,
            scale_accounts=args.accounts, scale_plants=args.plants_per_account, lock_hours=args.lock_hours,
            expired_mode=args.expired_mode, cache=not args.no_cache, verbose=args.verbose,
        )
    except ValueError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    try:
        sim.bind()
    except OSError as exc:
        print(f"simulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    world = sim.world
    print(f"Growatt simulator on {sim.url} - scenario {args.scenario}, seed {args.seed}, "
          f"speed {args.speed:g}, simulated now {sim.clock.now().isoformat(timespec='seconds')}", flush=True)
    if args.scenario == "demo":
        print("  logins: demo / demo, neighbour / neighbour", flush=True)
    else:
        print(f"  {len(world.accounts)} accounts x {args.plants_per_account} plants: user0001 ... / pass", flush=True)
    if faults:
        print(f"  faults: {json.dumps(faults)}", flush=True)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
