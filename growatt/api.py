"""The Growatt ShinePhone ("classic") HTTP API client.

Method for method and request for request this is growattServer 1.5.0's ``GrowattApi``: the same
names, arguments, defaults, HTTP methods, paths, query strings, form and multipart bodies, and the
same return values on success. What differs is the failure side: instead of ``JSONDecodeError``,
``KeyError``, ``requests.HTTPError`` or a ``None`` return it raises the typed errors of
:mod:`growatt.errors`, and ``login`` raises on a refused login instead of returning
``success: false``. On top come session export/import, a timeout on every request, reading the
mix inverter settings back and typed schedule writes.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import html
import json
import logging
import os
import random
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests

from . import errors
from .errors import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattTimeout,
    GrowattTransportError,
    SessionExpired,
    SettingRejected,
    UnexpectedReply,
)
from .schedules import ScheduleError, inverter_time_params
from .values import to_float

logger = logging.getLogger("growatt")

SERVER_EU = "https://openapi.growatt.com/"
SERVER_US = "https://openapi-us.growatt.com/"
SERVER_CN = "https://openapi-cn.growatt.com/"
SERVER_AU = "https://openapi-au.growatt.com/"
#: Regional servers for a form's choice list: ``(url, label)``.
SERVERS: list[tuple[str, str]] = [
    (SERVER_EU, "Europe and other regions (openapi.growatt.com)"),
    (SERVER_US, "North America (openapi-us.growatt.com)"),
    (SERVER_CN, "China (openapi-cn.growatt.com)"),
    (SERVER_AU, "Australia and New Zealand (openapi-au.growatt.com)"),
]
#: OEM clones of the same API (plain HTTP: credentials travel unencrypted). Not in ``SERVERS``.
SERVER_SMTEN = "http://server.smten.com/"
SERVER_ATESS = "http://ess-server.atesspower.com/"

DEFAULT_USER_AGENT = "Dalvik/2.1.0 (Linux; U; Android 12; growattweb)"
DEFAULT_TIMEOUT = 20.0

_SESSION_FORMAT = 1
_LOGIN_PAGE_MARKERS = ("errornologin", "data-name=\"login\"", "not login", "login.do", "loginpage")
_WAF_MARKERS = ("has been blocked", "web application firewall", "request id is", "not allowed")
_PLANT_SETTINGS_FIELDS = (
    # multipart field, key in get_plant_settings(); plantFirm is inserted with "0"
    ("plantCoal", "formulaCoal"),
    ("plantSo2", "formulaSo2"),
    ("accountName", "userAccount"),
    ("plantID", "id"),
    ("plantFirm", None),
    ("plantCountry", "country"),
    ("plantType", "plantType"),
    ("plantIncome", "formulaMoneyStr"),
    ("plantAddress", "plantAddress"),
    ("plantTimezone", "timezone"),
    ("plantLng", "plant_lng"),
    ("plantCity", "city"),
    ("plantCo2", "formulaCo2"),
    ("plantMoney", "formulaMoneyUnitId"),
    ("plantPower", "nominalPower"),
    ("plantLat", "plant_lat"),
    ("plantDate", "createDateText"),
    ("plantName", "plantName"),
)


def hash_password(password: str) -> str:
    """The ShinePhone password hash: lower-case MD5 hex in which every ``'0'`` at an even
    index (the first digit of each byte) is replaced by ``'c'``."""
    digest = hashlib.md5(password.encode("utf-8")).hexdigest()
    return "".join("c" if i % 2 == 0 and ch == "0" else ch for i, ch in enumerate(digest))


class Timespan(enum.IntEnum):
    """The ``type`` parameter of the chart calls (the names are off by one: ``hour`` asks for the
    5-minute curve of a day, ``day`` for one value per day of a month, ``month`` for one value per
    month of a year)."""

    hour = 0
    day = 1
    month = 2


def normalize_server_url(url: str) -> str:
    """``"https://host/path"`` → ``"https://host/path/"``; rejects anything but http(s) URLs."""
    if not isinstance(url, str):
        raise ValueError("server URL must be a string")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("server URL must look like https://host/")
    if not url.endswith("/"):
        url += "/"
    return url


def _endpoint(page: str, params: Mapping[str, Any] | None) -> str:
    """``"newMixApi.do op=getMixInfo"`` — path and operation, never other parameters."""
    path, _, query = page.partition("?")
    op = None
    if params:
        for key in ("op", "action"):
            if key in params:
                op = f"{key}={params[key]}"
                break
    if op is None and query:
        op = query.split("&", 1)[0]
    return f"{path} {op}" if op else path


def _html_text(body: str, limit: int = 300) -> str:
    """Visible text of an HTML page, whitespace collapsed and trimmed."""
    def visible(fragment: str) -> str:
        fragment = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", fragment)
        fragment = re.sub(r"(?s)<[^>]*>", " ", fragment)
        return " ".join(html.unescape(fragment).split())

    # The body's text; the <title> only when the body has none.
    text = visible(re.sub(r"(?is)<head\b.*?</head\s*>", " ", body)) or visible(body)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _looks_like_html(response: requests.Response, body: str) -> bool:
    content_type = response.headers.get("Content-Type", "").lower()
    return "html" in content_type or body.lstrip()[:1] == "<"


def _environment_settings(session: requests.Session, server_url: str) -> None:
    """Give ``session`` the environment's proxy and CA settings for ``server_url``, read now, once.

    With ``trust_env`` (requests' default) every request walks ``os.environ`` for proxies
    (``getproxies_environment``, ``merge_environment_settings``): about 40 % of a call's
    client-side time (benchmarks/client_overhead.py). The same variables are honoured here, read
    when this is called instead of on every request: ``HTTP_PROXY``, ``HTTPS_PROXY``,
    ``ALL_PROXY`` and ``NO_PROXY`` (either case; a server host matched by ``NO_PROXY`` connects
    directly), ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``. ``trust_env`` is turned off, so a
    change of those variables afterwards is not seen by this session.

    What ``trust_env`` did besides: look up ``~/.netrc`` credentials for every request. That is
    dropped on purpose: the Growatt API authenticates with its form login and session cookie,
    never with HTTP auth. And on a redirect to another host (Growatt's redirects stay on the
    server) the proxies chosen for ``server_url`` stay in force.
    """
    session.trust_env = False
    # {} when the host is in NO_PROXY, else every *_proxy variable by scheme ("https", "all", ...)
    session.proxies = requests.utils.get_environ_proxies(server_url)
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.verify = bundle or True


def http_session(server_url: str = SERVER_EU) -> requests.Session:
    """A ``requests.Session`` for ``server_url`` that read the environment's proxy and CA
    settings once, when it was made (see :func:`_environment_settings`), instead of on every
    request. ``GrowattApi`` makes such a session unless it is given one."""
    session = requests.Session()
    _environment_settings(session, server_url)
    return session


class GrowattApi:
    """Client for the Growatt ShinePhone API (``*.do`` endpoints), compatible with growattServer 1.5.0.

    ``GrowattApi()`` sends a User-Agent that names growattweb and looks like an Android device;
    ``GrowattApi(True)`` appends ``" - "`` and five random digits; ``GrowattApi(False, "x")`` sends
    exactly ``x`` (and ``GrowattApi(True, "x")`` sends ``"x - 12345"``).

    Keyword-only extras: ``server_url`` (default :data:`SERVER_EU`; a trailing ``/`` is added),
    ``timeout`` in seconds for every request, ``session`` to supply your own ``requests.Session``.

    Without ``session`` the client makes one like :func:`http_session`'s: the proxy
    (``HTTP(S)_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) and CA bundle (``REQUESTS_CA_BUNDLE``,
    ``CURL_CA_BUNDLE``) settings of the environment are honoured as requests honours them, but
    read when the client is made (and again when ``server_url`` changes), not on every request.
    A session you supply is used as it is.
    """

    agent_identifier = DEFAULT_USER_AGENT

    def __init__(
        self,
        add_random_user_id: bool = False,
        agent_identifier: str | None = None,
        *,
        server_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ):
        if agent_identifier is not None:
            self.agent_identifier = agent_identifier
        if add_random_user_id:
            self.agent_identifier = f"{self.agent_identifier} - {random.randint(0, 99999):05d}"
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self.server_url = SERVER_EU if server_url is None else server_url  # our own session: reads the env
        self.timeout = timeout
        self.session.headers.update({"User-Agent": self.agent_identifier})
        self.user_id: int | str | None = None

    # ------------------------------------------------------------------ plumbing

    @property
    def server_url(self) -> str:
        return self._server_url

    @server_url.setter
    def server_url(self, value: str) -> None:
        self._server_url = normalize_server_url(value)
        if self._own_session:  # NO_PROXY is per host: choose the proxies for this server
            _environment_settings(self.session, self._server_url)

    def get_url(self, page: str) -> str:
        """``server_url + page`` (pages carry no leading slash, some carry a query string)."""
        return self.server_url + page

    def __repr__(self) -> str:
        return (
            f"<GrowattApi server_url={self.server_url!r} logged_in={self.is_logged_in} "
            f"user_id={self.user_id!r}>"
        )

    def _date_string(self, timespan: Timespan | int | None = None, date=None) -> str:
        if timespan is not None:
            timespan = Timespan(timespan)
        if isinstance(date, str):
            return date
        if date is None:
            date = datetime.datetime.now()
        return date.strftime("%Y-%m" if timespan == Timespan.month else "%Y-%m-%d")

    def _send(self, method: str, page: str, *, params=None, data=None, files=None,
              allow_redirects: bool = True, login: bool = False, secrets: Sequence[str] = ()) -> Any:
        """One HTTP exchange; returns the decoded JSON or raises a :class:`GrowattError`.

        The endpoint label (``_endpoint``) goes into errors and the debug log only: it is built
        on those paths, not for every successful call."""
        debug = logger.isEnabledFor(logging.DEBUG)
        started = time.monotonic() if debug else 0.0
        try:
            response = self.session.request(
                method, self.get_url(page), params=params, data=data, files=files,
                allow_redirects=allow_redirects, timeout=self.timeout,
            )
        except requests.Timeout as exc:
            endpoint = _endpoint(page, params)
            connect = isinstance(exc, requests.ConnectTimeout)
            logger.warning("%s %s timed out after %.1f s", method, endpoint, self.timeout)
            raise GrowattTimeout(
                f"no reply within {self.timeout:g} s" + (" (could not connect)" if connect else ""),
                endpoint=endpoint, connect_timeout=connect,
            ) from exc
        except requests.RequestException as exc:
            endpoint = _endpoint(page, params)
            logger.warning("%s %s failed: %s", method, endpoint, type(exc).__name__)
            raise GrowattTransportError(
                f"connection failed ({type(exc).__name__})", endpoint=endpoint
            ) from exc
        if debug:
            logger.debug("%s %s -> %s in %.2f s", method, _endpoint(page, params), response.status_code,
                         time.monotonic() - started)
        return self._decode(response, page, params=params, login=login, secrets=secrets)

    def _redact(self, text: str, secrets: Sequence[str]) -> str:
        hidden = [s for s in secrets if s]
        hidden += [c.value for c in self.session.cookies if c.value and len(c.value) >= 6]
        for secret in hidden:
            text = text.replace(secret, "***")
        return text

    def _decode(self, response: requests.Response, page: str, *, params: Mapping[str, Any] | None = None,
                login: bool, secrets: Sequence[str]) -> Any:
        status = response.status_code
        try:
            body = response.content.decode("utf-8")
        except UnicodeDecodeError:
            body = response.content.decode("latin-1")

        # The usual reply first: 2xx, no redirect, a JSON object or array that is not the WAF's.
        # Exactly what the full checks below would return for it, without building the endpoint
        # label or lower-casing the body; anything else (or JSON that does not parse) goes on to them.
        if (
            200 <= status < 300
            and body[:1] in ("{", "[")
            and not response.history
            and "html" not in response.headers.get("Content-Type", "").lower()
            and "errornologin" not in (response.url or "").lower()
        ):
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                pass  # raised with its reason below
            else:
                if not (isinstance(data, dict) and "errorCodeInfo" in data):
                    return data

        endpoint = _endpoint(page, params)
        redirected_to_error = any(
            "error.do" in (r.headers.get("Location", "") or "").lower() for r in response.history
        ) or "errornologin" in (response.url or "").lower()

        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            if login:
                raise UnexpectedReply(f"unexpected redirect (HTTP {status})", status=status,
                                      endpoint=endpoint)
            self._session_gone()
            to_login = "error" in location.lower() or "login" in location.lower()
            detail = " to the login page" if to_login else ""
            raise SessionExpired(f"session expired: redirected{detail} (HTTP {status})", endpoint=endpoint)
        if status in (403, 405, 429):
            text = self._redact(_html_text(body) if _looks_like_html(response, body) else body.strip()[:300],
                                secrets)
            raise Blocked(f"blocked by the server's firewall (HTTP {status})", status=status,
                          server_text=text, endpoint=endpoint)
        if status >= 500:
            if not login and _looks_like_html(response, body) and any(
                m in body.lower() for m in ("not login", "have not login", "errornologin")
            ):
                self._session_gone()
                raise SessionExpired(f"session expired: server says not logged in (HTTP {status})",
                                     endpoint=endpoint)
            raise GrowattTransportError(f"server error (HTTP {status})", status=status, endpoint=endpoint)
        if status >= 400:
            raise UnexpectedReply(f"request refused (HTTP {status})", status=status, endpoint=endpoint,
                                  retryable=False)

        if _looks_like_html(response, body):
            lowered = body.lower()
            if any(m in lowered for m in _WAF_MARKERS) and "login" not in lowered:
                raise Blocked("blocked by the server's firewall", status=status,
                              server_text=self._redact(_html_text(body), secrets), endpoint=endpoint)
            if login:
                raise UnexpectedReply("HTML page instead of a JSON login reply", status=status,
                                      endpoint=endpoint)
            self._session_gone()
            reason = "redirected to the login page" if redirected_to_error else "got an HTML page"
            raise SessionExpired(f"session expired: {reason} instead of JSON", endpoint=endpoint)
        if redirected_to_error and not login:
            self._session_gone()
            raise SessionExpired("session expired: redirected to the error page", endpoint=endpoint)
        if not body.strip():
            raise UnexpectedReply("empty reply", status=status, endpoint=endpoint)
        try:
            data = json.loads(body)
        except ValueError:
            raise UnexpectedReply("reply is not JSON", status=status, endpoint=endpoint) from None
        except RecursionError:  # absurdly deep nesting: no real reply looks like that
            raise UnexpectedReply("reply nested too deeply", status=status, endpoint=endpoint) from None
        if isinstance(data, dict) and "errorCodeInfo" in data:  # Alibaba WAF JSON
            text = self._redact(str(data.get("errorCodeInfo"))[:300], secrets)
            raise Blocked("blocked by the server's firewall", status=status, server_text=text,
                          endpoint=endpoint)
        return data

    def _session_gone(self) -> None:
        """The server says the session is dead: drop its cookies so ``is_logged_in`` is honest."""
        self.session.cookies.clear()

    # The reply checks take the page and the parameters, and build the endpoint label only to raise.

    @staticmethod
    def _require_dict(data: Any, page: str, params: Mapping[str, Any] | None = None) -> dict:
        if not isinstance(data, dict):
            raise UnexpectedReply(f"expected a JSON object, got {type(data).__name__}",
                                  endpoint=_endpoint(page, params))
        return data

    @staticmethod
    def _check_not_found(data: dict, page: str, params: Mapping[str, Any] | None) -> None:
        """Families E and B-failure: ``{"msg":"501","success":false}``, ``{"result":0,"msg":"504"}``."""
        msg = str(data.get("msg", ""))
        if data.get("success") is False and msg in ("501", "504"):
            raise DeviceNotFound(f"device or plant not found (msg {msg})", msg=msg,
                                 endpoint=_endpoint(page, params))
        if "result" in data and str(data.get("result")) == "0" and data.get("obj") is None and msg in (
            "501", "504", ""
        ):
            raise DeviceNotFound(f"device or plant not found (msg {msg or 'empty'})", msg=msg or None,
                                 endpoint=_endpoint(page, params))

    def _whole(self, method: str, page: str, **kwargs) -> dict:
        """Calls whose reply 1.5.0 returns verbatim (bare objects)."""
        params = kwargs.get("params")
        data = self._require_dict(self._send(method, page, **kwargs), page, params)
        self._check_not_found(data, page, params)
        return data

    def _obj(self, method: str, page: str, **kwargs) -> Any:
        """Family B: 1.5.0 returns ``reply['obj']``; ``obj: null`` raises DeviceNotFound here."""
        data = self._whole(method, page, **kwargs)
        if "obj" not in data:
            raise UnexpectedReply("reply has no 'obj'", endpoint=_endpoint(page, kwargs.get("params")))
        if data["obj"] is None:
            msg = str(data.get("msg") or "") or None
            raise DeviceNotFound("no data for this device: unknown id or another device type",
                                 msg=msg, endpoint=_endpoint(page, kwargs.get("params")))
        return data["obj"]

    def _back(self, method: str, page: str, **kwargs) -> Any:
        """Family A: 1.5.0 returns ``reply['back']``."""
        data = self._whole(method, page, **kwargs)
        back = data.get("back")
        if not isinstance(back, dict):
            raise UnexpectedReply("reply has no 'back' object", endpoint=_endpoint(page, kwargs.get("params")))
        self._check_not_found(back, page, kwargs.get("params"))
        return back

    def _write(self, method: str, page: str, **kwargs) -> dict:
        """Family D: ``{"success": true, "msg": "inv_set_success"}``; ``success: false`` raises."""
        data = self._whole(method, page, **kwargs)
        if "success" not in data:
            raise UnexpectedReply("reply has no 'success' flag", endpoint=_endpoint(page, kwargs.get("params")))
        if data["success"] is not True and str(data["success"]).lower() != "true":
            msg = str(data.get("msg") or "") or None
            raise SettingRejected(f"setting rejected by the server ({msg or 'no reason given'})", msg=msg,
                                  endpoint=_endpoint(page, kwargs.get("params")))
        return data

    # ------------------------------------------------------------------ session

    @property
    def is_logged_in(self) -> bool:
        """Whether the cookie jar holds an unexpired session cookie (``JSESSIONID`` or similar).
        It does not ask the server: a session can still have expired there."""
        return any("session" in c.name.lower() and not c.is_expired() for c in self.session.cookies)

    def export_session(self) -> dict:
        """The session as a JSON-safe dict (contains the cookie values: store it encrypted)."""
        cookies = [
            {
                "name": c.name,
                "value": c.value,
                "domain": c.domain,
                "path": c.path,
                "secure": bool(c.secure),
                "expires": c.expires,
            }
            for c in self.session.cookies
        ]
        return {"version": _SESSION_FORMAT, "server_url": self.server_url, "user_id": self.user_id,
                "cookies": cookies}

    def import_session(self, data: Mapping[str, Any]) -> None:
        """Restore a session from :meth:`export_session`'s value, replacing the current cookies.
        ``server_url`` is informational and not applied. Raises ``ValueError`` on a malformed value."""
        if not isinstance(data, Mapping) or not isinstance(data.get("cookies", []), list):
            raise ValueError("not an exported Growatt session")
        jar = requests.cookies.RequestsCookieJar()
        for item in data.get("cookies", []):
            if not isinstance(item, Mapping):
                raise ValueError("not an exported Growatt session: bad cookie entry")
            name, value = item.get("name"), item.get("value")
            if not isinstance(name, str) or not name or not isinstance(value, str):
                raise ValueError("not an exported Growatt session: cookie without name or value")
            expires = item.get("expires")
            if expires is not None and not isinstance(expires, int | float):
                raise ValueError("not an exported Growatt session: bad cookie expiry")
            jar.set_cookie(requests.cookies.create_cookie(
                name, value,
                domain=str(item.get("domain") or ""),
                path=str(item.get("path") or "/"),
                secure=bool(item.get("secure", False)),
                expires=int(expires) if expires is not None else None,
            ))
        user_id = data.get("user_id")
        if user_id is not None and not isinstance(user_id, int | str):
            raise ValueError("not an exported Growatt session: bad user_id")
        self.session.cookies.clear()
        self.session.cookies.update(jar)
        self.user_id = user_id

    def clear_session(self) -> None:
        """Forget the cookies and the user id (there is no logout call in this API)."""
        self.session.cookies.clear()
        self.user_id = None

    # ------------------------------------------------------------------ 1.5.0 methods

    def login(self, username: str, password: str, is_password_hashed: bool = False) -> dict:
        """Log in (``POST newTwoLoginAPI.do``, form ``userName``, ``password`` = hash).

        Returns the reply's ``back`` dict with ``userId`` and ``userLevel`` added, like 1.5.0, and
        remembers ``user_id``. **Unlike 1.5.0** a refused login raises instead of returning
        ``success: false``: :class:`BadCredentials` (``msg`` 502/501), :class:`AccountLocked`
        (507, with the lock duration), :class:`UnexpectedReply` for any other refusal.
        Never retry a failed login in a loop: repeated logins get the account locked.
        """
        hashed = password if is_password_hashed else hash_password(password)
        page = "newTwoLoginAPI.do"
        secrets = (password, hashed, username if len(username) >= 6 else "")
        reply = self._require_dict(
            self._send("POST", page, data={"userName": username, "password": hashed},
                       login=True, secrets=secrets),
            page,
        )
        back = reply.get("back")
        if not isinstance(back, dict):
            raise UnexpectedReply("login reply has no 'back' object", endpoint=page)
        if back.get("success") is True:
            user = back.get("user")
            if not isinstance(user, dict) or "id" not in user:
                raise UnexpectedReply("login reply has no user id", endpoint=page)
            back.update({"userId": user["id"], "userLevel": user.get("rightlevel")})
            self.user_id = user["id"]
            logger.info("logged in to %s", urlsplit(self.server_url).netloc)
            return back
        msg = str(back.get("msg", ""))
        server_text = back.get("error") if isinstance(back.get("error"), str) else None
        if server_text:
            server_text = self._redact(server_text, secrets)[:300]
        logger.warning("login to %s refused (msg %s)", urlsplit(self.server_url).netloc, msg or "empty")
        if msg in ("502", "501"):
            raise BadCredentials(
                f"login refused (msg {msg}): wrong user name or password, or the account is on "
                "another regional server", msg=msg, endpoint=page)
        if msg == "507":
            hours = to_float(back.get("lockDuration"))
            if hours is None and server_text:
                match = re.search(r"(\d+(?:\.\d+)?)\s*hour", server_text)
                hours = float(match.group(1)) if match else None
            text = "account locked (msg 507)"
            if hours is not None:
                text += f" for {hours:g} h"
            raise AccountLocked(text, lock_duration_hours=hours, server_text=server_text, endpoint=page)
        raise UnexpectedReply(f"login refused (msg {msg or 'empty'})", endpoint=page)

    def plant_list(self, user_id) -> dict:
        """Plants of the account (``GET PlantListAPI.do``, no redirects: a 302 means the session expired)."""
        return self._back("GET", "PlantListAPI.do", params={"userId": user_id}, allow_redirects=False)

    def plant_detail(self, plant_id, timespan, date=None) -> dict:
        """Plant energy for a day/month/... (``GET PlantDetailAPI.do``); returns ``back``."""
        date_str = self._date_string(timespan, date)
        return self._back("GET", "PlantDetailAPI.do", params={
            "plantId": plant_id, "type": Timespan(timespan).value, "date": date_str,
        })

    def inverter_data(self, inverter_id, date=None) -> dict:
        """Inverter day curve (``invPacData``) and totals."""
        return self._whole("GET", "newInverterAPI.do", params={
            "op": "getInverterData", "id": inverter_id, "type": 1, "date": self._date_string(date=date),
        })

    def inverter_detail(self, inverter_id) -> dict:
        """All values of a PV inverter."""
        return self._whole("GET", "newInverterAPI.do", params={
            "op": "getInverterDetailData", "inverterId": inverter_id,
        })

    def inverter_detail_two(self, inverter_id) -> dict:
        """All values of a PV inverter, second variant (payload under ``data``)."""
        return self._whole("GET", "newInverterAPI.do", params={
            "op": "getInverterDetailData_two", "inverterId": inverter_id,
        })

    def tlx_data(self, tlx_id, date=None) -> dict:
        """TLX/MIN inverter day curve."""
        return self._whole("GET", "newTlxApi.do", params={
            "op": "getTlxData", "id": tlx_id, "type": 1, "date": self._date_string(date=date),
        })

    def tlx_detail(self, tlx_id) -> dict:
        """All values of a TLX/MIN inverter (payload under ``data``)."""
        return self._whole("GET", "newTlxApi.do", params={"op": "getTlxDetailData", "id": tlx_id})

    def mix_info(self, mix_id, plant_id=None) -> dict:
        """Mix/SPH overview: battery %, today/total energies (``obj``). ``plantId`` only if truthy."""
        params = {"op": "getMixInfo", "mixId": mix_id}
        if plant_id:
            params["plantId"] = plant_id
        return self._obj("GET", "newMixApi.do", params=params)

    def mix_totals(self, mix_id, plant_id) -> dict:
        """Mix/SPH today and lifetime totals (``obj``; POST with everything in the query)."""
        return self._obj("POST", "newMixApi.do", params={
            "op": "getEnergyOverview", "mixId": mix_id, "plantId": plant_id,
        })

    def mix_system_status(self, mix_id, plant_id) -> dict:
        """Mix/SPH live status in kW (``obj``)."""
        return self._obj("POST", "newMixApi.do", params={
            "op": "getSystemStatus_KW", "mixId": mix_id, "plantId": plant_id,
        })

    def mix_detail(self, mix_id, plant_id, timespan=Timespan.hour, date=None) -> dict:
        """Mix/SPH production and consumption curve (``chartData``) and totals (``obj``)."""
        date_str = self._date_string(timespan, date)
        return self._obj("POST", "newMixApi.do", params={
            "op": "getEnergyProdAndCons_KW", "plantId": plant_id, "mixId": mix_id,
            "type": Timespan(timespan).value, "date": date_str,
        })

    def dashboard_data(self, plant_id, timespan=Timespan.hour, date=None) -> dict:
        """Plant dashboard: curve plus totals as strings with units (``"20.5kWh"``, ``"11.3%"``)."""
        date_str = self._date_string(timespan, date)
        return self._whole("POST", "newPlantAPI.do", params={
            "action": "getEnergyStorageData", "date": date_str, "type": Timespan(timespan).value,
            "plantId": plant_id,
        })

    def storage_detail(self, storage_id) -> dict:
        """All values of a storage (SPF) device."""
        return self._whole("GET", "newStorageAPI.do", params={
            "op": "getStorageInfo_sacolar", "storageId": storage_id,
        })

    def storage_params(self, storage_id) -> dict:
        """More storage values (``storageDetailBean``)."""
        return self._whole("GET", "newStorageAPI.do", params={
            "op": "getStorageParams_sacolar", "storageId": storage_id,
        })

    def storage_energy_overview(self, plant_id, storage_id) -> dict:
        """Storage generation overview (``obj``)."""
        return self._obj("POST", "newStorageAPI.do?op=getEnergyOverviewData_sacolar", params={
            "plantId": plant_id, "storageSn": storage_id,
        })

    def inverter_list(self, plant_id) -> list:
        """Deprecated alias of :meth:`device_list` (the list holds every device type)."""
        warnings.warn("inverter_list is deprecated; use device_list, which it calls",
                      DeprecationWarning, stacklevel=2)
        return self.device_list(plant_id)

    def device_list(self, plant_id) -> list:
        """``plant_info(plant_id)['deviceList']``."""
        info = self.plant_info(plant_id)
        devices = info.get("deviceList")
        if not isinstance(devices, list):
            raise UnexpectedReply("plant info has no 'deviceList'",
                                  endpoint="newTwoPlantAPI.do op=getAllDeviceList")
        return devices

    def plant_info(self, plant_id) -> dict:
        """Plant totals and its device list (``GET newTwoPlantAPI.do?op=getAllDeviceList``)."""
        return self._whole("GET", "newTwoPlantAPI.do", params={
            "op": "getAllDeviceList", "plantId": plant_id, "pageNum": 1, "pageSize": 1,
        })

    def get_plant_settings(self, plant_id) -> dict:
        """Plant settings (name, location, timezone, tariff, ...)."""
        return self._whole("GET", "newPlantAPI.do", params={"op": "getPlant", "plantId": plant_id})

    def update_plant_settings(self, plant_id, changed_settings, current_settings=None) -> dict:
        """Change plant settings (multipart ``POST newTwoPlantAPI.do?op=updatePlant``).

        All 18 form fields are filled from ``current_settings`` (fetched when ``None``) and then
        overwritten by ``changed_settings`` (``{"plantTimezone": "1", ...}``; extra keys are sent too).
        Raises :class:`UnexpectedReply` when fetched settings lack a required key, ``ValueError``
        when given ``current_settings`` lack one, :class:`SettingRejected` on ``success: false``.
        """
        fetched = current_settings is None
        if fetched:
            current_settings = self.get_plant_settings(plant_id)
        missing = [key for _, key in _PLANT_SETTINGS_FIELDS if key and key not in current_settings]
        if missing:
            text = "plant settings lack " + ", ".join(missing)
            if fetched:
                raise UnexpectedReply(text, endpoint="newPlantAPI.do op=getPlant")
            raise ValueError(text)
        form = {
            field: (None, "0" if key is None else str(current_settings[key]))
            for field, key in _PLANT_SETTINGS_FIELDS
        }
        for name, value in changed_settings.items():
            form[name] = (None, str(value))
        page = "newTwoPlantAPI.do?op=updatePlant"
        data = self._whole("POST", page, files=form)
        if data.get("success") is False:
            msg = str(data.get("msg") or "") or None
            raise SettingRejected(f"plant settings rejected ({msg or 'no reason given'})", msg=msg,
                                  endpoint=_endpoint(page, None))
        return data

    def update_inverter_setting(self, serial_number, setting_type, default_parameters, parameters) -> dict:
        """Send a ``newTcpsetAPI.do`` setting: ``default_parameters`` merged with ``parameters``
        (a list — or tuple — becomes ``param1..paramN``), all in the query string of an empty POST.
        As in 1.5.0, ``serial_number``/``setting_type`` are not used: the defaults carry them.
        Raises :class:`SettingRejected` on ``{"success": false, "msg": "inv_set_failure"}``."""
        del serial_number, setting_type
        if isinstance(parameters, list | tuple):
            parameters = {f"param{i}": value for i, value in enumerate(parameters, start=1)}
        return self._write("POST", "newTcpsetAPI.do", params={**default_parameters, **parameters})

    def update_mix_inverter_setting(self, serial_number, setting_type, parameters) -> dict:
        """A setting on a MIX/SPH hybrid inverter (``op=mixSetApiNew``)."""
        defaults = {"op": "mixSetApiNew", "serialNum": serial_number, "type": setting_type}
        return self.update_inverter_setting(serial_number, setting_type, defaults, parameters)

    def update_ac_inverter_setting(self, serial_number, setting_type, parameters) -> dict:
        """A setting on an SPA AC-coupled inverter (``op=spaSetApi``)."""
        defaults = {"op": "spaSetApi", "serialNum": serial_number, "type": setting_type}
        return self.update_inverter_setting(serial_number, setting_type, defaults, parameters)

    # ------------------------------------------------------------------ beyond 1.5.0

    def get_mix_inverter_settings(self, serial) -> dict:
        """Current MIX/SPH settings (``GET newMixApi.do?op=getMixSetParams&serialNum&kind=0``).
        Returns ``obj``, whose ``mixBean`` the schedule classes parse; raises
        :class:`DeviceNotFound` when the server has no settings for the serial."""
        page = "newMixApi.do"
        params = {"op": "getMixSetParams", "serialNum": serial, "kind": 0}
        data = self._whole("GET", page, params=params)
        if str(data.get("result", "1")) != "1" or not isinstance(data.get("obj"), dict):
            msg = str(data.get("msg") or "") or None
            raise DeviceNotFound("no settings for this serial (unknown or not a mix inverter)", msg=msg,
                                 endpoint=_endpoint(page, params))
        obj = data["obj"]
        if not isinstance(obj.get("mixBean"), dict):
            raise UnexpectedReply("settings reply has no 'mixBean'", endpoint=_endpoint(page, params))
        return obj

    def apply_schedule(self, serial, schedule) -> dict:
        """Validate and write a :mod:`growatt.schedules` schedule to the inverter (one request,
        never retried). Read it back with :meth:`get_mix_inverter_settings`."""
        params = schedule.to_params()  # validates
        if schedule.INVERTER_KIND == "spa":
            return self.update_ac_inverter_setting(serial, schedule.SETTING_TYPE, params)
        return self.update_mix_inverter_setting(serial, schedule.SETTING_TYPE, params)

    def set_inverter_time(self, serial, dt: datetime.datetime, kind: str = "mix") -> dict:
        """Set the inverter clock (``pf_sys_year``) to the wall-clock time of ``dt``."""
        params = inverter_time_params(dt)
        if kind == "mix":
            return self.update_mix_inverter_setting(serial, "pf_sys_year", params)
        if kind == "spa":
            return self.update_ac_inverter_setting(serial, "pf_sys_year", params)
        raise ScheduleError(f"kind must be 'mix' or 'spa', not {kind!r}")


__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "SERVERS",
    "SERVER_ATESS",
    "SERVER_AU",
    "SERVER_CN",
    "SERVER_EU",
    "SERVER_SMTEN",
    "SERVER_US",
    "GrowattApi",
    "Timespan",
    "errors",
    "hash_password",
    "http_session",
    "normalize_server_url",
]
