"""A hostile Growatt at the client seam: a ``requests`` adapter in front of the simulator.

Every request goes to the simulator as usual, except those a *rule* claims: the rule sees
the simulator's real reply and returns what the app gets instead (status, content type,
body). So a test can hand the sync a huge, deeply nested, wrongly typed, HTML or empty
reply on exactly one endpoint while the rest of the protocol stays real.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json;charset=UTF-8"

    @classmethod
    def json(cls, value, status: int = 200) -> Reply:
        # allow_nan: Growatt's Java side could send NaN; Python's parser accepts it, so must we.
        return cls(status, json.dumps(value, allow_nan=True).encode())

    @classmethod
    def html(cls, text: str, status: int = 200) -> Reply:
        return cls(status, text.encode(), "text/html;charset=UTF-8")


def route_of(request: requests.PreparedRequest) -> str:
    """``"newMixApi.do?op=getSystemStatus_KW"`` — the simulator's own naming of an endpoint."""
    parts = urlsplit(request.url)
    path = parts.path.rsplit("/", 1)[-1]
    params = dict(parse_qsl(parts.query))
    for key in ("op", "action"):
        if key in params:
            return f"{path}?{key}={params[key]}"
    return path


class HostileAdapter(HTTPAdapter):
    """``rule(route, real_reply_or_None) -> Reply | None``; ``None`` passes the real reply through."""

    def __init__(self, rule: Callable[[str, Reply | None], Reply | None] | None = None):
        super().__init__()
        self.rule = rule
        self.routes: list[str] = []
        self.hostile: list[str] = []

    def send(self, request, **kwargs):
        route = route_of(request)
        self.routes.append(route)
        real = super().send(request, **kwargs)
        if self.rule is None or route.startswith("newTwoLoginAPI.do"):
            return real
        original = Reply(real.status_code, real.content, real.headers.get("Content-Type", ""))
        replacement = self.rule(route, original)
        if replacement is None:
            return real
        self.hostile.append(route)
        response = requests.Response()
        response.status_code = replacement.status
        response._content = replacement.body
        response.headers = CaseInsensitiveDict({"Content-Type": replacement.content_type,
                                                "Content-Length": str(len(replacement.body))})
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        response.reason = "OK" if replacement.status < 400 else "Error"
        response.raw = real.raw
        return response


def install(monkeypatch, adapter: HostileAdapter) -> None:
    """Every GrowattApi the app makes from now on speaks through ``adapter``."""
    from growatt import GrowattApi
    from plants import growatt_link

    def make_api(account):
        session = requests.Session()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return GrowattApi(server_url=account.server_url, timeout=10, session=session)

    monkeypatch.setattr(growatt_link, "make_api", make_api)
