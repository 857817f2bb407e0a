"""The simulator's request handling, independent of the HTTP server.

``SimulatorApp.handle`` takes a parsed request and returns a ``Response``.
Routing follows the servlet: path, then ``op`` (or ``action``) taken from the
query string, an urlencoded body or a multipart body alike.
"""

from __future__ import annotations

import bisect
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from . import replies as R
from .clock import SimClock
from .devsettings import (
    FAILURE,
    SUCCESS,
    Rejected,
    apply_write,
    check_tlx_segments,
    default_bean,
    schedule_from_bean,
)
from .faults import FAULT_NAMES, Faults
from .physics import Physics, Snapshot
from .world import World

COOKIE = "JSESSIONID"
JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html;charset=UTF-8"
CACHE_LIMIT = 20_000  # replies per 5-minute sample; the cache empties at every new sample

# ---------------------------------------------------------------------------
# Requests and responses
# ---------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str  # without the leading slash, without the query
    params: dict
    headers: dict  # lower-case names
    cookies: dict
    query: str = ""
    raw_body: bytes = b""

    @classmethod
    def from_http(cls, method: str, target: str, headers, body: bytes) -> Request:
        split = urlsplit(target)
        path = split.path.lstrip("/")
        params: dict[str, str] = {}
        for key, value in parse_qsl(split.query, keep_blank_values=True):
            params.setdefault(key, value)
        ctype = (headers.get("Content-Type") or "").lower()
        if body:
            if ctype.startswith("application/x-www-form-urlencoded") or (not ctype and b"=" in body):
                for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
                    params.setdefault(key, value)
            elif ctype.startswith("multipart/form-data"):
                for key, value in parse_multipart(body, headers.get("Content-Type") or "").items():
                    params.setdefault(key, value)
        hdrs = {k.lower(): v for k, v in headers.items()}
        return cls(method, path, params, hdrs, parse_cookies(hdrs.get("cookie", "")), split.query, body)


def parse_cookies(text: str) -> dict:
    out = {}
    for part in text.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out.setdefault(name, value)
    return out


_BOUNDARY_RE = re.compile(r'boundary="?([^";,]+)"?', re.I)
_NAME_RE = re.compile(rb'name="([^"]*)"', re.I)


def parse_multipart(body: bytes, content_type: str) -> dict:
    match = _BOUNDARY_RE.search(content_type)
    if not match:
        return {}
    boundary = b"--" + match.group(1).encode("latin-1")
    out = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        if part.startswith(b"\r\n"):
            part = part[2:]
        head, _, value = part.partition(b"\r\n\r\n")
        if value.endswith(b"\r\n"):
            value = value[:-2]
        name = _NAME_RE.search(head)
        if name:
            out.setdefault(name.group(1).decode("utf-8", "replace"), value.decode("utf-8", "replace"))
    return out


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: list = field(default_factory=list)
    drop: bool = False  # close the socket without a reply

    @classmethod
    def json(cls, payload, status: int = 200) -> Response:
        return cls(status, json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status, text.encode("utf-8"), HTML_TYPE)


# ---------------------------------------------------------------------------
# Sessions and stats
# ---------------------------------------------------------------------------


@dataclass
class Session:
    sid: str
    username: str
    created: float
    expires: float


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_endpoint: Counter = Counter()
        self.by_account: Counter = Counter()
        self.by_status: Counter = Counter()
        self.logins = 0
        self.failed_logins = 0
        self.locked_logins = 0
        self.lockouts = 0
        self.lockouts_by_account: Counter = Counter()
        self.logins_by_account: Counter = Counter()
        self.faults: Counter = Counter()
        self.settings_writes = 0
        self.started = time.time()


class ControlError(Exception):
    pass


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------


class SimulatorApp:
    def __init__(
        self,
        scenario: str = "demo",
        seed: int = 1,
        speed: float = 1.0,
        start=None,
        faults: dict | None = None,
        session_lifetime: float = 86400,
        login_allowance: int = 10,
        login_window: float = 3600,
        latency: float = 0.0,
        scale_accounts: int = 10,
        scale_plants: int = 3,
        lock_hours: int = 24,
        expired_mode: str = "redirect",
        cache: bool = True,
    ):
        self.scenario = scenario
        self.seed = seed
        self.scale_accounts = scale_accounts
        self.scale_plants = scale_plants
        self.session_lifetime = float(session_lifetime)
        self.login_allowance = int(login_allowance)
        self.login_window = float(login_window)
        self.lock_hours = int(lock_hours)
        self.expired_mode = expired_mode  # "redirect" (302) or "error500" (HTML 500)
        self.clock = SimClock(start, speed)
        self.world = World(scenario, seed, accounts=scale_accounts, plants_per_account=scale_plants)
        self.physics = Physics(self.world, self.clock)
        self.faults = Faults(seed)
        if faults:
            self.faults.update(faults)
        if latency:
            self.faults["latency"] = latency
        self.sessions: dict[str, Session] = {}
        self.sessions_lock = threading.Lock()
        self.stats_data = Stats()
        self.cache_enabled = cache
        self._cache: dict = {}
        self._cache_epoch: tuple = ()
        self.clock_offsets: dict[str, float] = {}  # device clock vs plant-local time (pf_sys_year)
        self._routes = self._build_routes()

    # -- lifecycle -----------------------------------------------------------------
    def reset(self, *, clock: bool = False) -> None:
        """Back to the scenario's initial state (settings, sessions, locks, stats, faults)."""
        with self.world.lock:
            self.world = World(self.scenario, self.seed, accounts=self.scale_accounts,
                               plants_per_account=self.scale_plants)
            if clock:
                self.clock.set(self.clock.start)
            self.physics = Physics(self.world, self.clock)
            with self.sessions_lock:
                self.sessions.clear()
            self.faults.clear()
            self.stats_data.reset()
            self._cache = {}
            self.clock_offsets = {}

    # -- stats ----------------------------------------------------------------------
    def stats(self) -> dict:
        now = self.clock.timestamp()
        s = self.stats_data
        with self.sessions_lock:
            active = [x for x in self.sessions.values() if x.expires > now]
        with s.lock:
            return {
                "requests": s.requests,
                "requestsPerEndpoint": dict(s.by_endpoint),
                "requestsPerAccount": dict(s.by_account),
                "responsesPerStatus": {str(k): v for k, v in s.by_status.items()},
                "logins": s.logins,
                "loginsPerAccount": dict(s.logins_by_account),
                "failedLogins": s.failed_logins,
                "lockedLoginAttempts": s.locked_logins,
                "lockouts": s.lockouts,
                "lockoutsPerAccount": dict(s.lockouts_by_account),
                "lockedAccounts": sorted(
                    a.username for a in self.world.accounts.values() if a.locked_until and a.locked_until > now
                ),
                "activeSessions": len(active),
                "activeSessionsPerAccount": dict(Counter(x.username for x in active)),
                "faultsInjected": dict(s.faults),
                "settingsWrites": s.settings_writes,
                "simNow": self.clock.now().isoformat(),
                "uptimeSeconds": round(time.time() - s.started, 3),
            }

    def _count(self, route: str, username: str | None) -> None:
        s = self.stats_data
        with s.lock:
            s.requests += 1
            s.by_endpoint[route] += 1
            if username:
                s.by_account[username] += 1

    def _fault(self, name: str) -> None:
        with self.stats_data.lock:
            self.stats_data.faults[name] += 1

    # -- sessions -------------------------------------------------------------------
    def session_user(self, req: Request, now: float) -> str | None:
        sid = req.cookies.get(COOKIE)
        if not sid:
            return None
        with self.sessions_lock:
            session = self.sessions.get(sid)
            if session is None:
                return None
            if session.expires <= now:
                del self.sessions[sid]
                return None
            return session.username

    def new_session(self, username: str, now: float) -> str:
        sid = secrets.token_hex(16).upper()
        with self.sessions_lock:
            self.sessions[sid] = Session(sid, username, now, now + self.session_lifetime)
        return sid

    def expire_sessions(self, username: str | None = None) -> int:
        with self.sessions_lock:
            doomed = [sid for sid, s in self.sessions.items() if username is None or s.username == username]
            for sid in doomed:
                del self.sessions[sid]
        return len(doomed)

    def lock_account(self, username: str, hours: float | None = None) -> None:
        account = self.world.accounts.get(username)
        if account is None:
            raise ControlError(f"no account {username!r}")
        hours = self.lock_hours if hours is None else float(hours)
        account.locked_until = self.clock.timestamp() + hours * 3600
        with self.stats_data.lock:
            self.stats_data.lockouts += 1
            self.stats_data.lockouts_by_account[username] += 1

    def unlock_account(self, username: str) -> None:
        account = self.world.accounts.get(username)
        if account is None:
            raise ControlError(f"no account {username!r}")
        account.locked_until = None
        account.login_times.clear()

    # -- entry point ------------------------------------------------------------------
    def handle(self, req: Request) -> Response:
        if req.path.startswith("__sim__"):
            return self.control(req)
        now = self.clock.timestamp()
        params = req.params
        op = params.get("op")
        action = params.get("action")
        route = req.path + (f"?op={op}" if op else (f"?action={action}" if action else ""))
        username = self.session_user(req, now)
        account_hint = username or (params.get("userName") if req.path == "newTwoLoginAPI.do" else None)
        self._count(route, account_hint)
        resp = self._handle(req, now, route, username, account_hint)
        with self.stats_data.lock:
            self.stats_data.by_status[0 if resp.drop else resp.status] += 1
        return resp

    def _handle(self, req, now, route, username, account_hint) -> Response:
        if not req.headers.get("user-agent", "").strip():
            return Response.html(R.FORBIDDEN_PAGE, 403)
        faults = self.faults
        scope = {"username": account_hint, "route": route, "path": req.path}
        if len(faults):
            delay = faults.latency(**scope)
            if delay:
                time.sleep(delay)
            if faults.fires("drop_connection", now_ts=now, **scope):
                self._fault("drop_connection")
                return Response(drop=True)
            if faults.fires("waf_405", now_ts=now, **scope):
                self._fault("waf_405")
                return Response.html(R.WAF_PAGE.format(request_id=secrets.token_hex(12)), 405)
            if faults.fires("http_500", now_ts=now, **scope):
                self._fault("http_500")
                spec = faults.get("http_500")
                status = spec.status if spec is not None else 500
                return Response.html(R.ERROR_500_PAGE.replace("500", str(status)), status)
        table = self._routes.get(req.path)
        if table is None:
            return Response.html(R.NOT_FOUND_PAGE.format(path=req.path), 404)
        needs_session, ops = table
        if needs_session:
            if username is None:
                return self._not_logged_in(req)
            if len(faults) and faults.fires("session_drop", now_ts=now, **scope):
                self._fault("session_drop")
                with self.sessions_lock:
                    self.sessions.pop(req.cookies.get(COOKIE, ""), None)
                return self._not_logged_in(req)
        key = req.params.get("op") or req.params.get("action") or ""
        handler = ops.get(key) or ops.get("*")
        if handler is None:
            param = "action" if "action" in req.params else "op"
            condition = f"{param}={next((k for k in ops if k and k != '*'), '')}"
            actual = ", ".join(f"{k}={{{v}}}" for k, v in req.params.items()) or "{}"
            return Response.html(R.BAD_OP_PAGE.format(condition=condition, actual=actual), 400)
        fn, cacheable = handler
        ctx = Ctx(self, req, username, now)
        cache_key = None
        if cacheable and self.cache_enabled and "stale_today" not in faults:
            epoch = (int(now // 300), self.world.version)
            if epoch != self._cache_epoch:  # a new 5-minute sample or a write: start afresh
                self._cache_epoch = epoch
                self._cache = {}
            cache_key = (route, tuple(sorted(req.params.items())), username, epoch)
            hit = self._cache.get(cache_key)
            if hit is not None:
                resp = Response(hit[0], hit[1], hit[2])
                return self._maybe_malform(resp, now, route, req, username)
        result = fn(ctx)
        resp = result if isinstance(result, Response) else Response.json(result)
        if cache_key is not None and resp.status == 200:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache = {}
            self._cache[cache_key] = (resp.status, resp.body, resp.content_type)
        return self._maybe_malform(resp, now, route, req, username)

    def _maybe_malform(self, resp: Response, now, route, req, username) -> Response:
        if (len(self.faults) and resp.content_type == JSON_TYPE
                and self.faults.fires("malformed_json", username=username, route=route, path=req.path, now_ts=now)):
            self._fault("malformed_json")
            body = resp.body
            cut = max(1, len(body) * 2 // 3)
            return Response(resp.status, body[:cut] + b',"', resp.content_type, list(resp.headers))
        return resp

    def _not_logged_in(self, req: Request) -> Response:
        if self.expired_mode == "error500":
            return Response.html(
                "<html><head><title>Error500</title></head><body>Note: Dear user, you have not login to the "
                'system, skip login page login.. <a href="./login.do">Login Page</a></body></html>', 500)
        host = req.headers.get("host")
        location = f"http://{host}/error.do?errorMess=errorNoLogin" if host else "/error.do?errorMess=errorNoLogin"
        resp = Response(302, b"", HTML_TYPE, [("Location", location)])
        return resp

    # -- routing table ---------------------------------------------------------------
    def _build_routes(self) -> dict:
        c, n = True, False  # cacheable or not
        return {
            "newTwoLoginAPI.do": (False, {"": (self.h_login, n), "*": (self.h_login, n)}),
            "error.do": (False, {"": (self.h_error_page, n), "*": (self.h_error_page, n)}),
            "PlantListAPI.do": (True, {"": (self.h_plant_list, c), "*": (self.h_plant_list, c)}),
            "PlantDetailAPI.do": (True, {"": (self.h_plant_detail, c), "*": (self.h_plant_detail, c)}),
            "newTwoPlantAPI.do": (True, {
                "getAllDeviceList": (self.h_plant_info, c),
                "getAllDeviceListTwo": (self.h_plant_info, c),
                "getAllPlantListTwo": (self.h_plant_list_two, c),
                "updatePlant": (self.h_update_plant, n),
            }),
            "newPlantAPI.do": (True, {
                "getPlant": (self.h_get_plant, c),
                "getEnergyStorageData": (self.h_dashboard, c),
            }),
            "newInverterAPI.do": (True, {
                "getInverterData": (self.h_inverter_data, c),
                "getInverterDetailData": (self.h_inverter_detail, c),
                "getInverterDetailData_two": (self.h_inverter_detail_two, c),
            }),
            "newTlxApi.do": (True, {
                "getTlxData": (self.h_tlx_data, c),
                "getTlxDetailData": (self.h_tlx_detail, c),
                "getSystemStatus_KW": (self.h_tlx_status, c),
                "getEnergyOverview": (self.h_tlx_overview, c),
                "getEnergyProdAndCons_KW": (self.h_tlx_prodcons, c),
                "getTlxSetData": (self.h_tlx_set_data, n),
            }),
            "newMixApi.do": (True, {
                "getMixInfo": (self.h_mix_info, c),
                "getEnergyOverview": (self.h_mix_totals, c),
                "getSystemStatus_KW": (self.h_mix_status, c),
                "getEnergyProdAndCons_KW": (self.h_mix_detail, c),
                "getMixSetParams": (self.h_mix_set_params, n),
            }),
            "newSpaApi.do": (True, {
                "getSpaInfo": (self.h_mix_info, c),
                "getEnergyOverview": (self.h_mix_totals, c),
                "getSystemStatus_KW": (self.h_mix_status, c),
                "getEnergyProdAndCons_KW": (self.h_mix_detail, c),
                "getSpaSetData": (self.h_spa_set_data, n),
            }),
            "newStorageAPI.do": (True, {
                "getStorageInfo_sacolar": (self.h_storage_detail, c),
                "getStorageParams_sacolar": (self.h_storage_params, c),
                "getEnergyOverviewData_sacolar": (self.h_storage_overview, c),
            }),
            "newTcpsetAPI.do": (True, {
                "mixSetApiNew": (self.h_set, n),
                "mixSetApi": (self.h_set, n),
                "spaSetApi": (self.h_set, n),
                "tlxSet": (self.h_set, n),
                "maxSetApi": (self.h_set, n),
                "inverterSet": (self.h_set, n),
                "storageSet": (self.h_set, n),
                "storageSPF5000Set": (self.h_set, n),
                "storageSacolarSet": (self.h_set, n),
            }),
        }

    # -- handlers: auth -----------------------------------------------------------------
    def h_error_page(self, ctx: Ctx) -> Response:
        message = "errorNoLogin" if ctx.req.params.get("errorMess") == "errorNoLogin" else ""
        return Response.html(R.LOGIN_PAGE.format(message=message))

    def h_login(self, ctx: Ctx) -> Response:
        params = ctx.req.params
        username = params.get("userName", "")
        password = params.get("password", "")
        now = ctx.now
        stats = self.stats_data
        account = self.world.accounts.get(username)
        if account is None:
            with stats.lock:
                stats.failed_logins += 1
            return Response.json(R.login_failed("502"))
        with self.world.lock:
            if account.locked_until is not None and account.locked_until <= now:
                account.locked_until = None
                account.login_times.clear()
            if account.locked_until is not None:
                with stats.lock:
                    stats.locked_logins += 1
                return Response.json(R.login_locked(self.lock_hours))
            cutoff = now - self.login_window
            account.login_times[:] = [t for t in account.login_times if t > cutoff]
            account.login_times.append(now)
            if len(account.login_times) > self.login_allowance:
                account.locked_until = now + self.lock_hours * 3600
                with stats.lock:
                    stats.lockouts += 1
                    stats.lockouts_by_account[username] += 1
                    stats.locked_logins += 1
                return Response.json(R.login_locked(self.lock_hours))
            if password != account.password_hash:
                with stats.lock:
                    stats.failed_logins += 1
                return Response.json(R.login_failed("502"))
            previous = account.last_login
            account.last_login = now
        with stats.lock:
            stats.logins += 1
            stats.logins_by_account[username] += 1
        zone = self.world.plants[account.plant_ids[0]].zone if account.plant_ids else UTC
        prev_text = datetime.fromtimestamp(previous or now, UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        sid = self.new_session(username, now)
        resp = Response.json(R.login_ok(self, account, prev_text))
        resp.headers.append(("Set-Cookie", f"{COOKIE}={sid}; Path=/; HttpOnly"))
        return resp

    # -- handlers: plants -----------------------------------------------------------------
    def h_plant_list(self, ctx: Ctx):
        account = ctx.account
        if str(ctx.req.params.get("userId", account.user_id)) != str(account.user_id):
            return {"back": {"totalData": {}, "data": [], "success": True}}
        snaps = {p.id: ctx.snapshot(p) for p in self.world.account_plants(account.username)}
        return R.plant_list(self, account, snaps)

    def h_plant_list_two(self, ctx: Ctx):
        snaps = {p.id: ctx.snapshot(p) for p in self.world.account_plants(ctx.username)}
        return R.plant_list_two(self, ctx.account, snaps)

    def h_plant_detail(self, ctx: Ctx):
        plant = ctx.plant("plantId")
        if plant is None:
            return {"back": {"msg": "501", "success": False}}
        return R.plant_detail(self, plant, ctx.req.params, ctx.local_now(plant))

    def h_plant_info(self, ctx: Ctx):
        plant = ctx.plant("plantId")
        if plant is None:
            return R.NOT_FOUND_501
        return R.plant_info(self, plant, ctx.snapshot(plant))

    def h_get_plant(self, ctx: Ctx):
        plant = ctx.plant("plantId")
        if plant is None:
            return R.NOT_FOUND_501
        return R.get_plant(self, plant, ctx.snapshot(plant))

    def h_dashboard(self, ctx: Ctx):
        plant = ctx.plant("plantId")
        if plant is None:
            return R.NOT_FOUND_501
        return R.dashboard_data(self, plant, ctx.snapshot(plant), ctx.req.params)

    _PLANT_FORM = {
        "plantName": "plantName", "plantCountry": "country", "plantCity": "city", "plantAddress": "plantAddress",
        "plantTimezone": "timezone", "plantLat": "plant_lat", "plantLng": "plant_lng", "plantPower": "nominalPower",
        "plantIncome": "formulaMoneyStr", "plantMoney": "formulaMoneyUnitId", "plantCoal": "formulaCoal",
        "plantSo2": "formulaSo2", "plantCo2": "formulaCo2", "plantType": "plantType", "plantDate": "createDateText",
    }
    _PLANT_REQUIRED = ("plantCoal", "plantSo2", "accountName", "plantID", "plantFirm", "plantCountry", "plantType",
                       "plantIncome", "plantAddress", "plantTimezone", "plantLng", "plantCity", "plantCo2",
                       "plantMoney", "plantPower", "plantLat", "plantDate", "plantName")

    def h_update_plant(self, ctx: Ctx):
        params = ctx.req.params
        missing = [k for k in self._PLANT_REQUIRED if k not in params]
        if missing:
            return {"success": False, "msg": "Parameter is missing: " + ",".join(missing)}
        plant = self.world.plant_of(ctx.username, params.get("plantID", ""))
        if plant is None:
            return {"success": False, "msg": "501"}
        try:
            edits = _validate_plant_form(params, self._PLANT_FORM)
        except ValueError as exc:
            return {"success": False, "msg": str(exc)}
        with self.world.lock:
            plant.edits.update(edits)
            self.world.bump()
        with self.stats_data.lock:
            self.stats_data.settings_writes += 1
        return {"success": True, "msg": ""}

    # -- handlers: inverter / tlx --------------------------------------------------------
    def h_inverter_data(self, ctx: Ctx):
        device = ctx.device("id", kinds=("inverter",))
        if device is None:
            return R.NOT_FOUND_501
        return R.inverter_data(self, device, ctx.device_snapshot(device), ctx.req.params)

    def h_inverter_detail(self, ctx: Ctx):
        device = ctx.device("inverterId", kinds=("inverter",))
        if device is None:
            return R.NOT_FOUND_501
        return R.inverter_detail(ctx.view(device))

    def h_inverter_detail_two(self, ctx: Ctx):
        device = ctx.device("inverterId", kinds=("inverter",))
        if device is None:
            return R.NOT_FOUND_501
        return R.inverter_detail_two(ctx.view(device))

    def h_tlx_data(self, ctx: Ctx):
        device = ctx.device("id", kinds=("tlx",))
        if device is None:
            return R.NOT_FOUND_501
        return R.inverter_data(self, device, ctx.device_snapshot(device), ctx.req.params)

    def h_tlx_detail(self, ctx: Ctx):
        device = ctx.device("id", kinds=("tlx",))
        if device is None:
            return R.NOT_FOUND_501
        return R.tlx_detail(ctx.view(device))

    def h_tlx_status(self, ctx: Ctx):
        device = ctx.device("id", "tlxSn", kinds=("tlx",))
        return R.OBJ_504 if device is None else R.tlx_system_status(ctx.view(device))

    def h_tlx_overview(self, ctx: Ctx):
        device = ctx.device("id", "tlxSn", kinds=("tlx",))
        return R.OBJ_504 if device is None else R.tlx_energy_overview(ctx.view(device))

    def h_tlx_prodcons(self, ctx: Ctx):
        device = ctx.device("id", "tlxSn", kinds=("tlx",))
        return R.OBJ_504 if device is None else R.mix_detail(self, ctx.view(device), ctx.req.params)

    def h_tlx_set_data(self, ctx: Ctx):
        device = ctx.device("serialNum", "id", kinds=("tlx",))
        if device is None:
            return R.OBJ_504
        return R.obj({"tlxSetBean": self.read_bean(device, ctx.now)})

    # -- handlers: mix / spa ---------------------------------------------------------------
    def _mix_device(self, ctx: Ctx):
        """(device, error reply) for the mix family: 504 when unknown, obj null when not a MIX/SPA."""
        device = ctx.device("mixId", "spaId", "serialNum", "id")
        if device is None:
            return None, R.OBJ_504
        if device.kind not in ("mix", "spa"):
            return None, R.OBJ_NULL
        return device, None

    def h_mix_info(self, ctx: Ctx):
        device, error = self._mix_device(ctx)
        return error or R.mix_info(ctx.view(device))

    def h_mix_totals(self, ctx: Ctx):
        device, error = self._mix_device(ctx)
        return error or R.mix_totals(ctx.view(device))

    def h_mix_status(self, ctx: Ctx):
        device, error = self._mix_device(ctx)
        return error or R.mix_system_status(ctx.view(device), self.world.beans.get(device.sn, {}))

    def h_mix_detail(self, ctx: Ctx):
        device, error = self._mix_device(ctx)
        return error or R.mix_detail(self, ctx.view(device), ctx.req.params)

    def h_mix_set_params(self, ctx: Ctx):
        device, error = self._mix_device(ctx)
        if error:
            return {**error, "msg": "501"} if error is R.OBJ_504 else error
        return R.mix_set_params(device, self.read_bean(device, ctx.now))

    def h_spa_set_data(self, ctx: Ctx):
        device = ctx.device("serialNum", "spaId", "id", kinds=("spa",))
        if device is None:
            return R.OBJ_504
        return R.obj({"spaSetBean": self.read_bean(device, ctx.now)})

    # -- handlers: storage ------------------------------------------------------------------
    def h_storage_detail(self, ctx: Ctx):
        device = ctx.device("storageId", kinds=("storage",))
        return R.NOT_FOUND_501 if device is None else R.storage_detail(ctx.view(device))

    def h_storage_params(self, ctx: Ctx):
        device = ctx.device("storageId", kinds=("storage",))
        return R.NOT_FOUND_501 if device is None else R.storage_params(ctx.view(device))

    def h_storage_overview(self, ctx: Ctx):
        device = ctx.device("storageSn", "storageId", kinds=("storage",))
        return R.OBJ_504 if device is None else R.storage_energy_overview(ctx.view(device))

    # -- settings ------------------------------------------------------------------------
    def bean(self, device) -> dict:
        with self.world.lock:
            bean = self.world.beans.get(device.sn)
            if bean is None:
                bean = default_bean(device, self.world.plants[device.plant_id])
                self.world.beans[device.sn] = bean
            return bean

    def read_bean(self, device, now: float) -> dict:
        """The bean with its live fields filled in (device clock, last update)."""
        plant = self.world.plants[device.plant_id]
        bean = dict(self.bean(device))
        local = datetime.fromtimestamp(now, UTC).astimezone(plant.zone)
        device_time = local.replace(tzinfo=None) + timedelta(seconds=self.clock_offsets.get(device.sn, 0.0))
        text = device_time.strftime("%Y-%m-%d %H:%M:%S")
        bean.update({"sysTime": text, "sysTimeText": text, "pf_sys_year": text,
                     "lastUpdateTime": local.strftime("%a %b %d %H:%M:%S ") + (local.tzname() or "UTC")
                     + local.strftime(" %Y"),
                     "lastUpdateTimeText": local.strftime("%Y-%m-%d %H:%M:%S")})
        return bean

    def h_set(self, ctx: Ctx):
        params = ctx.req.params
        op = params.get("op", "")
        setting = params.get("type", "")
        device = ctx.device("serialNum", "tlx_sn", "mix_sn")
        if device is None:
            return {"success": False, "msg": FAILURE}
        plant = self.world.plants[device.plant_id]
        with self.world.lock:
            bean = self.bean(device)
            try:
                changes, extra = apply_write(device, bean, op, setting, params)
                if device.kind == "tlx" and setting.startswith("time_segment"):
                    check_tlx_segments(bean, changes)
            except Rejected as exc:
                return {"success": False, "msg": exc.msg}
            before = schedule_from_bean(device.kind, bean)
            bean.update(changes)
            if "sys_time" in extra:
                local = datetime.fromtimestamp(ctx.now, UTC).astimezone(plant.zone).replace(tzinfo=None)
                target = datetime.strptime(extra["sys_time"], "%Y-%m-%d %H:%M:%S")
                self.clock_offsets[device.sn] = (target - local).total_seconds()
            after = schedule_from_bean(device.kind, bean)
            if after != before:
                timeline = self.world.timelines.setdefault(device.sn, [(float("-inf"), before)])
                bisect.insort(timeline, (ctx.now, after), key=lambda item: item[0])
                self.physics.invalidate(plant.id, datetime.fromtimestamp(ctx.now, UTC).astimezone(plant.zone).date())
            self.world.bump()
        with self.stats_data.lock:
            self.stats_data.settings_writes += 1
        return {"success": True, "msg": SUCCESS}

    # -- control (/__sim__/) --------------------------------------------------------------------
    def control(self, req: Request) -> Response:
        try:
            body = {}
            if req.raw_body:
                try:
                    body = json.loads(req.raw_body.decode("utf-8"))
                except ValueError:
                    body = dict(req.params)
            else:
                body = dict(req.params)
            if not isinstance(body, dict):
                raise ControlError("expected a JSON object")
            return Response.json(self._control(req.method, req.path[len("__sim__"):].strip("/"), body))
        except (ControlError, ValueError, TypeError, KeyError) as exc:
            return Response.json({"ok": False, "error": str(exc)}, 400)

    def _control(self, method: str, what: str, body: dict) -> dict:
        if what in ("", "health"):
            return {"ok": True, "scenario": self.scenario, "simNow": self.clock.now().isoformat()}
        if what == "stats":
            return self.stats()
        if what == "world":
            return self.world.describe()
        if what == "clock":
            if method == "POST":
                if "speed" in body:
                    self.clock.set_speed(float(body["speed"]))
                if "set" in body:
                    self.clock.set(body["set"])
                if "advance" in body:
                    self.clock.advance(float(body["advance"]))
            return self.clock.describe()
        if what == "faults":
            if method == "POST":
                if body.pop("clear", False) or body.pop("reset", False):
                    self.faults.clear()
                for name, spec in body.items():
                    self.faults[name] = spec
            elif method == "DELETE":
                self.faults.clear()
            return {"ok": True, "faults": self.faults.to_json(), "known": list(FAULT_NAMES) + ["latency"]}
        if what == "lock" and method == "POST":
            self.lock_account(str(body["username"]), body.get("hours"))
            return {"ok": True}
        if what == "unlock" and method == "POST":
            self.unlock_account(str(body["username"]))
            return {"ok": True}
        if what == "expire_sessions" and method == "POST":
            return {"ok": True, "expired": self.expire_sessions(body.get("username"))}
        if what == "reset" and method == "POST":
            self.reset(clock=bool(body.get("clock", False)))
            return {"ok": True}
        raise ControlError(f"unknown control endpoint {method} /__sim__/{what}")


def _validate_plant_form(params: dict, mapping: dict) -> dict:
    edits = {}
    for form_key, setting in mapping.items():
        if form_key not in params:
            continue
        value = params[form_key].strip()
        if setting == "timezone":
            tz = int(float(value))
            if not -12 <= tz <= 14:
                raise ValueError("plantTimezone out of range")
            edits[setting] = tz
        elif setting in ("plant_lat", "plant_lng"):
            number = float(value)
            if abs(number) > (90 if setting == "plant_lat" else 180):
                raise ValueError(f"{form_key} out of range")
            edits[setting] = value
        elif setting == "nominalPower":
            power = int(float(value))
            if power <= 0:
                raise ValueError("plantPower must be positive")
            edits[setting] = power
        elif setting == "formulaMoneyStr":
            if float(value) < 0:
                raise ValueError("plantIncome must not be negative")
            edits[setting] = value
        elif setting in ("formulaCoal", "formulaSo2", "formulaCo2"):
            edits[setting] = float(value)
        elif setting == "plantType":
            edits[setting] = int(value)
        elif setting == "plantName":
            if not value:
                raise ValueError("plantName must not be empty")
            edits[setting] = value
        elif setting == "createDateText":
            datetime.strptime(value, "%Y-%m-%d")
            edits[setting] = value
        else:
            edits[setting] = value
    return edits


class Ctx:
    """One request: who asks, when, and lazily computed snapshots."""

    def __init__(self, app: SimulatorApp, req: Request, username: str | None, now: float):
        self.app = app
        self.req = req
        self.username = username
        self.now = now
        self._snaps: dict[str, Snapshot] = {}

    @property
    def account(self):
        return self.app.world.accounts[self.username]

    def plant(self, *names):
        for name in names:
            value = self.req.params.get(name)
            if value:
                return self.app.world.plant_of(self.username, value.strip())
        return None

    def device(self, *names, kinds=None):
        for name in names:
            value = self.req.params.get(name)
            if value:
                device = self.app.world.device_of(self.username, value.strip())
                if device is None or (kinds and device.kind not in kinds):
                    return None
                return device
        return None

    def local_now(self, plant) -> datetime:
        return datetime.fromtimestamp(self.now, UTC).astimezone(plant.zone)

    def _stale(self, plant) -> bool:
        faults = self.app.faults
        minutes = faults.stale_minutes()
        if not minutes:
            return False
        local = self.local_now(plant)
        if local.hour * 60 + local.minute >= minutes:
            return False
        hit = faults.fires("stale_today", username=self.username, route=self.req.path, path=self.req.path,
                           now_ts=self.now)
        if hit:
            self.app._fault("stale_today")
        return hit

    def snapshot(self, plant) -> Snapshot:
        snap = self._snaps.get(plant.id)
        if snap is None:
            snap = self.app.physics.snapshot(plant, self.now, stale=self._stale(plant))
            self._snaps[plant.id] = snap
        return snap

    def device_snapshot(self, device) -> Snapshot:
        return self.snapshot(self.app.world.plants[device.plant_id])

    def view(self, device) -> R.DeviceView:
        return R.DeviceView(self.device_snapshot(device), device)
