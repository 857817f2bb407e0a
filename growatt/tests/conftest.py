"""A fake Growatt server at the `requests` seam (the `responses` library).

Replies are the real-server-shaped JSON/HTML files in ``fixtures/``; routing follows the protocol:
path + ``op`` (or ``action``) from the query string. Tests override single routes to inject the
failure modes seen in the wild. No request ever leaves the process.
"""

from __future__ import annotations

import json
import pathlib
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
SESSION_COOKIE = "3F2A9C0D5E7B41A8B6C4D2E0F1A3B5C7"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str):
    return json.loads(fixture_text(name if name.endswith(".json") else f"{name}.json"))


ROUTES = {
    ("newTwoLoginAPI.do", None): "login_ok",
    ("PlantListAPI.do", None): "plant_list",
    ("PlantDetailAPI.do", None): "plant_detail",
    ("newInverterAPI.do", "getInverterData"): "inverter_data",
    ("newInverterAPI.do", "getInverterDetailData"): "inverter_detail",
    ("newInverterAPI.do", "getInverterDetailData_two"): "inverter_detail_two",
    ("newTlxApi.do", "getTlxData"): "tlx_data",
    ("newTlxApi.do", "getTlxDetailData"): "tlx_detail",
    ("newMixApi.do", "getMixInfo"): "mix_info",
    ("newMixApi.do", "getEnergyOverview"): "mix_totals",
    ("newMixApi.do", "getSystemStatus_KW"): "mix_system_status",
    ("newMixApi.do", "getEnergyProdAndCons_KW"): "mix_detail",
    ("newMixApi.do", "getMixSetParams"): "mix_set_params",
    ("newPlantAPI.do", "getEnergyStorageData"): "dashboard_data",
    ("newPlantAPI.do", "getPlant"): "plant_settings",
    ("newStorageAPI.do", "getStorageInfo_sacolar"): "storage_detail",
    ("newStorageAPI.do", "getStorageParams_sacolar"): "storage_params",
    ("newStorageAPI.do", "getEnergyOverviewData_sacolar"): "storage_energy_overview",
    ("newTwoPlantAPI.do", "getAllDeviceList"): "plant_info",
    ("newTwoPlantAPI.do", "updatePlant"): "update_plant_ok",
    ("newTcpsetAPI.do", None): "set_success",
    ("newTcpsetAPI.do", "mixSetApiNew"): "set_success",
    ("newTcpsetAPI.do", "spaSetApi"): "set_success",
}


class FakeGrowatt:
    """Answers every URL; ``override(path, op, ...)`` replaces one route's reply."""

    def __init__(self, mock: responses.RequestsMock):
        self.mock = mock
        self.overrides: dict[tuple[str, str | None], tuple[int, dict, str] | Exception] = {}
        any_url = re.compile(r"https?://[^/]+/.*")
        for method in ("GET", "POST"):
            mock.add_callback(method, any_url, callback=self._answer)

    @property
    def calls(self):
        return self.mock.calls

    def override(self, path: str, op: str | None = None, *, status: int = 200, body: str | dict = "",
                  headers: dict | None = None, exception: Exception | None = None):
        if exception is not None:
            self.overrides[(path, op)] = exception
            return
        if isinstance(body, dict):
            body = json.dumps(body)
            headers = {"Content-Type": "application/json;charset=UTF-8", **(headers or {})}
        self.overrides[(path, op)] = (status, headers or {}, body)

    def override_fixture(self, path: str, op: str | None, fixture: str, *, status: int = 200,
                         headers: dict | None = None):
        content_type = "text/html;charset=UTF-8" if fixture.endswith(".html") else "application/json"
        name = fixture if "." in fixture else f"{fixture}.json"
        self.override(path, op, status=status, body=fixture_text(name),
                      headers={"Content-Type": content_type, **(headers or {})})

    def _answer(self, request):
        parts = urlsplit(request.url)
        path = parts.path.lstrip("/")
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        op = query.get("op") or query.get("action")
        for key in ((path, op), (path, None)):
            if key in self.overrides:
                reply = self.overrides[key]
                if isinstance(reply, Exception):
                    raise reply
                return reply
        name = ROUTES.get((path, op)) or ROUTES.get((path, None))
        if name is None:
            return (404, {"Content-Type": "text/html"}, "<html><body>404 Not Found</body></html>")
        headers = {"Content-Type": "application/json;charset=UTF-8"}
        if path == "newTwoLoginAPI.do":
            headers["Set-Cookie"] = f"JSESSIONID={SESSION_COOKIE}; Path=/; HttpOnly"
        return (200, headers, fixture_text(f"{name}.json"))


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeGrowatt(mock)


@pytest.fixture
def api():
    from growatt import GrowattApi

    return GrowattApi()
