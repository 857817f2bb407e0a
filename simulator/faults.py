"""Fault injection: what goes wrong, how often, and for whom.

A fault spec is any of

* a probability: ``0.1`` (float), or ``True`` (always);
* ``{"p": 0.1}`` - a probability per eligible request;
* ``{"next": 2}`` - the next 2 eligible requests, then off;
* ``{"every": 10}`` - every 10th eligible request;
* ``{"after": 5, "next": 1}`` - let 5 eligible requests pass, then fire once;
* ``{"from": ISO, "until": ISO}`` - only inside a window of simulated time
  (combined with p/next/every; alone it means always inside the window);
* ``http_500`` also takes ``"status"`` (502, 503, ...; default 500);

each optionally narrowed with ``"accounts": ["demo"]`` (by username) and
``"paths": ["newMixApi.do"]`` (request path, or "path?op=..." for one op).

``latency`` is seconds (``0.2``) or ``{"seconds": 0.2, "jitter": 0.1}``,
optionally with the same ``accounts``/``paths`` scope.  ``stale_today``
takes ``"minutes"`` (default 10): the length of the stale window after
plant-local midnight.
"""

from __future__ import annotations

import random
import threading
from collections.abc import MutableMapping
from dataclasses import dataclass, field

from .clock import parse_instant

FAULT_NAMES = ("http_500", "waf_405", "session_drop", "malformed_json", "drop_connection", "stale_today")
ALL_NAMES = ("latency", *FAULT_NAMES)


@dataclass
class FaultSpec:
    name: str
    p: float = 0.0
    next: int | None = None
    every: int | None = None
    after: int = 0
    start: float | None = None  # simulated-time window, timestamps
    until: float | None = None
    accounts: tuple | None = None
    paths: tuple | None = None
    seconds: float = 0.0  # latency only
    jitter: float = 0.0  # latency only
    minutes: float = 10.0  # stale_today only
    status: int = 500  # http_500 only: 502, 503, 504 ... work too
    seen: int = 0
    fired: int = 0
    raw: object = field(default=None, repr=False)

    def in_scope(self, username: str | None, route: str, path: str) -> bool:
        if self.accounts is not None and username not in self.accounts:
            return False
        return not (self.paths is not None and route not in self.paths and path not in self.paths)

    def to_json(self) -> dict:
        out: dict = {}
        if self.name == "latency":
            out["seconds"] = self.seconds
            if self.jitter:
                out["jitter"] = self.jitter
        if self.p:
            out["p"] = self.p
        if self.next is not None:
            out["next"] = self.next
        if self.every:
            out["every"] = self.every
        if self.after:
            out["after"] = self.after
        if self.start is not None:
            out["from"] = self.start
        if self.until is not None:
            out["until"] = self.until
        if self.accounts is not None:
            out["accounts"] = list(self.accounts)
        if self.paths is not None:
            out["paths"] = list(self.paths)
        if self.name == "stale_today":
            out["minutes"] = self.minutes
        if self.name == "http_500" and self.status != 500:
            out["status"] = self.status
        out["fired"] = self.fired
        return out


def parse_spec(name: str, value) -> FaultSpec | None:
    """Normalise a user-supplied spec; None / 0 / False switch a fault off."""
    if name not in ALL_NAMES:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(ALL_NAMES)}")
    if value is None or value is False or value == 0:
        return None
    spec = FaultSpec(name=name, raw=value)
    if name == "latency":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            spec.seconds = float(value)
            return spec
        if not isinstance(value, dict):
            raise ValueError("latency takes seconds or {'seconds': s, 'jitter': j}")
        spec.seconds = float(value.get("seconds", 0.0))
        spec.jitter = float(value.get("jitter", 0.0))
        _scope(spec, value)
        return spec if (spec.seconds or spec.jitter) else None
    if value is True:
        spec.p = 1.0
        return spec
    if isinstance(value, (int, float)):
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name}: a probability is between 0 and 1")
        spec.p = float(value)
        return spec
    if not isinstance(value, dict):
        raise ValueError(f"{name}: expected a probability or an object")
    unknown = set(value) - {"p", "probability", "next", "every", "after", "from", "until", "accounts",
                            "paths", "minutes", "status"}
    if unknown:
        raise ValueError(f"{name}: unknown keys {sorted(unknown)}")
    spec.p = float(value.get("p", value.get("probability", 0.0)))
    if not 0.0 <= spec.p <= 1.0:
        raise ValueError(f"{name}: p must be between 0 and 1")
    if "next" in value:
        spec.next = int(value["next"])
    if "every" in value:
        spec.every = int(value["every"])
        if spec.every < 1:
            raise ValueError(f"{name}: every must be >= 1")
    spec.after = int(value.get("after", 0))
    if value.get("from") is not None:
        spec.start = parse_instant(value["from"]).timestamp()
    if value.get("until") is not None:
        spec.until = parse_instant(value["until"]).timestamp()
    if "minutes" in value:
        spec.minutes = float(value["minutes"])
    if "status" in value:
        spec.status = int(value["status"])
        if not 500 <= spec.status <= 599:
            raise ValueError(f"{name}: status must be a 5xx code")
    _scope(spec, value)
    if not spec.p and spec.next is None and not spec.every:
        # only a window (or only a scope) given: always, inside it
        spec.p = 1.0
    return spec


def _scope(spec: FaultSpec, value: dict) -> None:
    if value.get("accounts") is not None:
        accounts = value["accounts"]
        spec.accounts = (accounts,) if isinstance(accounts, str) else tuple(accounts)
    if value.get("paths") is not None:
        paths = value["paths"]
        spec.paths = (paths,) if isinstance(paths, str) else tuple(paths)


def parse_flag(text: str) -> tuple[str, object]:
    """Command-line form: ``http_500=0.1``, ``http_500=next:2``, ``latency=0.2``, ``waf_405=every:10``."""
    name, _, rest = text.partition("=")
    name = name.strip().replace("-", "_")
    rest = rest.strip()
    if not rest:
        return name, True
    if ":" in rest:
        parts = {}
        for item in rest.split(","):
            key, _, val = item.partition(":")
            key = key.strip()
            if key in ("accounts", "paths"):
                parts[key] = val.split("+")
            elif key in ("from", "until"):
                parts[key] = val
            else:
                parts[key] = float(val) if "." in val else int(val)
        return name, parts
    return name, float(rest)


class Faults(MutableMapping):
    """The live fault configuration: ``sim.faults["http_500"] = {"next": 2}``."""

    def __init__(self, seed: int = 1, initial: dict | None = None):
        self._lock = threading.Lock()
        self._specs: dict[str, FaultSpec] = {}
        self.rng = random.Random(f"faults|{seed}")
        if initial:
            self.update(initial)

    # MutableMapping
    def __getitem__(self, name: str) -> FaultSpec:
        return self._specs[name]

    def __setitem__(self, name: str, value) -> None:
        spec = parse_spec(name, value)
        with self._lock:
            if spec is None:
                self._specs.pop(name, None)
            else:
                self._specs[name] = spec

    def __delitem__(self, name: str) -> None:
        with self._lock:
            del self._specs[name]

    def __iter__(self):
        return iter(list(self._specs))

    def __len__(self) -> int:
        return len(self._specs)

    def clear(self) -> None:
        with self._lock:
            self._specs.clear()

    def to_json(self) -> dict:
        return {name: spec.to_json() for name, spec in self._specs.items()}

    # -- deciding -----------------------------------------------------------------
    def fires(self, name: str, *, username: str | None, route: str, path: str, now_ts: float) -> bool:
        """Does fault ``name`` hit this request?  Counts the request as eligible."""
        spec = self._specs.get(name)
        if spec is None or not spec.in_scope(username, route, path):
            return False
        if spec.start is not None and now_ts < spec.start:
            return False
        if spec.until is not None and now_ts >= spec.until:
            return False
        with self._lock:
            spec.seen += 1
            if spec.seen <= spec.after:
                return False
            hit = False
            if spec.next is not None:
                if spec.next > 0:
                    spec.next -= 1
                    hit = True
                elif not spec.p and not spec.every:
                    self._specs.pop(name, None)
            if not hit and spec.every and (spec.seen - spec.after) % spec.every == 0:
                hit = True
            if not hit and spec.p and (spec.p >= 1.0 or self.rng.random() < spec.p):
                hit = True
            if hit:
                spec.fired += 1
            return hit

    def latency(self, *, username: str | None, route: str, path: str) -> float:
        spec = self._specs.get("latency")
        if spec is None or not spec.in_scope(username, route, path):
            return 0.0
        delay = spec.seconds
        if spec.jitter:
            with self._lock:
                delay += self.rng.uniform(-spec.jitter, spec.jitter)
        return max(0.0, delay)

    def stale_minutes(self) -> float:
        spec = self._specs.get("stale_today")
        return spec.minutes if spec else 0.0
