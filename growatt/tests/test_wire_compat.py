"""Every growattServer 1.5.0 method: our request equals the oracle's, and so does the return value.

Both clients run against the same fake server (``responses`` patches the requests adapter, so the
captured objects are the PreparedRequests that would have gone on the wire). Compared: HTTP method,
scheme/host/path, query pairs in order, body kind (none / urlencoded form / multipart), form pairs,
multipart field names, values and part headers, and every header except User-Agent (which differs
by design) and the multipart boundary.
"""

from __future__ import annotations

import datetime
import email.parser
import warnings
from urllib.parse import parse_qsl, urlsplit

import growattServer
import pytest
import time_machine

from growatt import GrowattApi, Timespan

from .conftest import fixture_json

DAY = datetime.date(2024, 2, 14)
NOW = datetime.datetime(2026, 11, 25, 9, 30)
CHARGE_PARAMS = ["100", "100", "1", "00", "40", "04", "20", "1", "00", "00", "00", "00", "0",
                 "00", "00", "00", "00", "0"]
SPA_PARAMS = ["80", "95", "01", "30", "05", "00", "1", "00", "00", "00", "00", "0", "00", "00",
              "00", "00", "0"]


def _multipart_fields(content_type: str, body: bytes) -> list[tuple[str, str, tuple]]:
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart()
    fields = []
    for part in message.get_payload():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        extra_headers = tuple(sorted(k.lower() for k in part if k.lower() != "content-disposition"))
        fields.append((name, part.get_payload(decode=True).decode("utf-8"), (filename, extra_headers)))
    return fields


def describe(request) -> dict:
    """Everything about a PreparedRequest that the server could observe, minus the User-Agent."""
    parts = urlsplit(request.url)
    content_type = request.headers.get("Content-Type", "")
    body = request.body
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body:
        body_kind, fields = "none", []
    elif content_type.startswith("application/x-www-form-urlencoded"):
        body_kind, fields = "form", parse_qsl(body.decode(), keep_blank_values=True)
    elif content_type.startswith("multipart/form-data"):
        body_kind, fields = "multipart", _multipart_fields(content_type, body)
    else:
        body_kind, fields = "other", [body]
    headers = {
        k.lower(): v for k, v in request.headers.items()
        if k.lower() not in ("user-agent", "content-type", "content-length")
    }
    return {
        "method": request.method,
        "origin": f"{parts.scheme}://{parts.netloc}",
        "path": parts.path,
        "query": parse_qsl(parts.query, keep_blank_values=True),
        "content_type": content_type.split(";")[0],
        "body_kind": body_kind,
        "fields": fields,
        "headers": headers,
        "has_user_agent": bool(request.headers.get("User-Agent")),
    }


def _oracle_args(args, kwargs):
    def convert(value):
        if isinstance(value, Timespan):
            return growattServer.Timespan[value.name]
        return value
    return [convert(a) for a in args], {k: convert(v) for k, v in kwargs.items()}


CASES = [
    ("login", ("myuser", "test"), {}),
    ("login", ("myuser", "c98f6bcd4621d373cade4e832627b4f6"), {"is_password_hashed": True}),
    ("plant_list", (471529,), {}),
    ("plant_list", ("471529",), {}),
    ("plant_detail", ("2016929", Timespan.day, DAY), {}),
    ("plant_detail", ("2016929", Timespan.month, DAY), {}),
    ("plant_detail", ("2016929", Timespan.hour), {}),
    ("plant_info", ("2016929",), {}),
    ("device_list", ("2016929",), {}),
    ("inverter_list", ("2016929",), {}),
    ("inverter_data", ("NAC5A142E4", DAY), {}),
    ("inverter_data", ("NAC5A142E4",), {}),
    ("inverter_detail", ("NAC5A142E4",), {}),
    ("inverter_detail_two", ("NAC5A142E4",), {}),
    ("tlx_data", ("TLX1234567",), {"date": DAY}),
    ("tlx_data", ("TLX1234567",), {}),
    ("tlx_detail", ("TLX1234567",), {}),
    ("mix_info", ("ABC12345",), {}),
    ("mix_info", ("ABC12345", "2016929"), {}),
    ("mix_info", ("ABC12345", ""), {}),
    ("mix_totals", ("ABC12345", "2016929"), {}),
    ("mix_totals", ("ABC12345", None), {}),
    ("mix_system_status", ("ABC12345", "2016929"), {}),
    ("mix_detail", ("ABC12345", "2016929"), {}),
    ("mix_detail", ("ABC12345", "2016929", Timespan.day, DAY), {}),
    ("mix_detail", ("ABC12345", "2016929"), {"timespan": Timespan.month, "date": DAY}),
    ("dashboard_data", ("2016929",), {}),
    ("dashboard_data", ("2016929", Timespan.month, DAY), {}),
    ("storage_detail", ("BKE6A19067",), {}),
    ("storage_params", ("BKE6A19067",), {}),
    ("storage_energy_overview", ("2016929", "BKE6A19067"), {}),
    ("get_plant_settings", ("2016929",), {}),
    ("update_plant_settings", ("2016929", {"plantTimezone": "1", "plantName": "Casa Sol"}), {}),
    ("update_plant_settings", ("2016929", {"plantTimezone": 1, "extraField": 2.5},
                               fixture_json("plant_settings")), {}),
    ("update_plant_settings", ("2016929", {}), {"current_settings": fixture_json("plant_settings")}),
    ("update_inverter_setting", ("ABC12345", "pf_sys_year",
                                 {"op": "mixSetApiNew", "serialNum": "ABC12345", "type": "pf_sys_year"},
                                 ["2026-11-25 09:30:00"]), {}),
    ("update_inverter_setting", ("ignored", "ignored",
                                 {"op": "mixSetApiNew", "serialNum": "ABC12345", "type": "backflow_setting"},
                                 {"param1": "1", "param2": "50", "op": "mixSetApi"}), {}),
    ("update_mix_inverter_setting", ("ABC12345", "mix_ac_charge_time_period", CHARGE_PARAMS), {}),
    ("update_mix_inverter_setting", ("ABC12345", "mix_ac_discharge_time_period",
                                     {"param1": "100", "param2": "10", "param3": 0}), {}),
    ("update_mix_inverter_setting", ("ABC12345", "pv_on_off", ["1"]), {}),
    ("update_ac_inverter_setting", ("SPA0000001", "spa_ac_charge_time_period", SPA_PARAMS), {}),
    ("update_ac_inverter_setting", ("SPA0000001", "pf_sys_year", {"param1": "2026-11-25 09:30:00"}), {}),
]


def _run(server, client, method, args, kwargs):
    start = len(server.calls)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = getattr(client, method)(*args, **kwargs)
    requests_sent = [describe(call.request) for call in list(server.calls)[start:]]
    return result, requests_sent, [w.category for w in caught]


@pytest.mark.parametrize(("method", "args", "kwargs"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_request_and_result_match_growattserver_1_5_0(server, method, args, kwargs):
    with time_machine.travel(NOW, tick=False):
        oracle_args, oracle_kwargs = _oracle_args(args, kwargs)
        expected, expected_requests, expected_warnings = _run(
            server, growattServer.GrowattApi(), method, oracle_args, oracle_kwargs)
        result, sent_requests, our_warnings = _run(server, GrowattApi(), method, args, kwargs)

    assert expected_requests, "the oracle sent nothing"
    assert sent_requests == expected_requests
    assert result == expected
    assert [w for w in our_warnings if w is DeprecationWarning] == [
        w for w in expected_warnings if w is DeprecationWarning
    ]


def test_all_24_methods_are_covered():
    methods = {c[0] for c in CASES}
    assert len(methods) == 24
    for name in methods:
        assert callable(getattr(GrowattApi, name))
        assert callable(getattr(growattServer.GrowattApi, name))


def test_inverter_list_warns_deprecation(server):
    with pytest.warns(DeprecationWarning, match="device_list"):
        devices = GrowattApi().inverter_list("2016929")
    assert devices[0]["deviceSn"] == "NAC5A142E4"


def test_session_cookie_is_sent_after_login_like_the_oracle(server):
    ours, oracle = GrowattApi(), growattServer.GrowattApi()
    for client in (oracle, ours):
        client.login("myuser", "test")
        client.mix_info("ABC12345")
    cookies = [call.request.headers.get("Cookie") for call in server.calls]
    assert cookies == [None, f"JSESSIONID={cookies[1].split('=', 1)[1]}"] * 2


def test_default_date_is_local_today(server):
    with time_machine.travel(datetime.datetime(2026, 11, 25, 23, 59, 30), tick=False):
        GrowattApi().mix_detail("ABC12345", "2016929")
        GrowattApi().dashboard_data("2016929", Timespan.month)
    first, second = (dict(parse_qsl(urlsplit(c.request.url).query)) for c in server.calls)
    assert first["date"] == "2026-11-25" and first["type"] == "0"
    assert second["date"] == "2026-11" and second["type"] == "2"


def test_plant_list_does_not_follow_redirects_like_the_oracle(server):
    from growatt import SessionExpired

    server.override("PlantListAPI.do", status=302,
                    headers={"Location": "https://openapi.growatt.com/error.do?errorMess=errorNoLogin"})
    with pytest.raises(ValueError):  # 1.5.0: JSONDecodeError on the empty 302 body
        growattServer.GrowattApi().plant_list(471529)
    with pytest.raises(SessionExpired):
        GrowattApi().plant_list(471529)
    assert [urlsplit(c.request.url).path for c in server.calls] == ["/PlantListAPI.do"] * 2


def test_every_request_carries_the_timeout(server):
    api = GrowattApi(timeout=7.5)
    api.login("myuser", "test")
    api.plant_list(471529)
    api.update_plant_settings("2016929", {"plantName": "x"})
    api.update_mix_inverter_setting("ABC12345", "pv_on_off", ["1"])
    assert [c.request.req_kwargs["timeout"] for c in server.calls] == [7.5] * 5
