"""The usual reply (2xx JSON, no redirect) takes a short path; everything else still gets every check.

The short path skips building the endpoint label and lower-casing the body. These tests pin that
its outcome is the full checks' outcome at its edges, and that errors and the debug log still name
the endpoint.
"""

from __future__ import annotations

import json
import logging

import pytest

import growatt.api
from growatt import Blocked, GrowattApi, SessionExpired, UnexpectedReply

from .conftest import fixture_json

NOLOGIN_URL = "https://openapi.growatt.com/error.do?errorMess=errorNoLogin"


@pytest.fixture
def logged_in(server):
    api = GrowattApi()
    api.login("myuser", "test")
    return api


@pytest.fixture
def labels(monkeypatch):
    """How many times the endpoint label was built."""
    built = []
    real = growatt.api._endpoint

    def counting(page, params):
        built.append(page)
        return real(page, params)

    monkeypatch.setattr(growatt.api, "_endpoint", counting)
    return built


def test_successful_calls_build_no_endpoint_label(server, logged_in, labels, caplog):
    caplog.set_level(logging.INFO, logger="growatt")
    logged_in.plant_list(471529)
    logged_in.mix_info("ABC12345")
    logged_in.mix_system_status("ABC12345", "2016929")
    logged_in.dashboard_data("2016929")
    logged_in.update_mix_inverter_setting("ABC12345", "pv_on_off", ["1"])
    assert labels == []


def test_the_debug_log_still_names_the_endpoint(server, logged_in, labels, caplog):
    caplog.set_level(logging.DEBUG, logger="growatt")
    logged_in.mix_info("ABC12345")
    assert "GET newMixApi.do op=getMixInfo -> 200" in caplog.text
    assert labels == ["newMixApi.do"]


@pytest.mark.parametrize("padding", [" ", "\r\n", "\ufeff"])
def test_json_after_leading_whitespace_is_decoded_the_same(server, logged_in, padding):
    expected = logged_in.get_plant_settings("2016929")
    server.override("newPlantAPI.do", "getPlant", body=padding + json.dumps(fixture_json("plant_settings")),
                    headers={"Content-Type": "application/json"})
    if padding == "\ufeff":  # a BOM is not JSON whitespace: not JSON, as before
        with pytest.raises(UnexpectedReply, match="not JSON"):
            logged_in.get_plant_settings("2016929")
    else:
        assert logged_in.get_plant_settings("2016929") == expected


def test_json_sent_as_html_means_session_expired(server, logged_in):
    server.override("newMixApi.do", "getMixInfo", body=json.dumps(fixture_json("mix_info")),
                    headers={"Content-Type": "text/html;charset=UTF-8"})
    with pytest.raises(SessionExpired, match="HTML page"):
        logged_in.mix_info("ABC12345")


def test_json_after_a_redirect_to_error_do_means_session_expired(server, logged_in):
    server.override("newMixApi.do", "getMixInfo", status=302, headers={"Location": NOLOGIN_URL})
    server.override("error.do", body={"result": 1, "obj": {}})
    with pytest.raises(SessionExpired, match="redirected to the error page") as info:
        logged_in.mix_info("ABC12345")
    assert info.value.endpoint == "newMixApi.do op=getMixInfo"


@pytest.mark.parametrize("status", [201, 203])
def test_other_2xx_json_is_decoded_like_200(server, logged_in, status):
    server.override("newMixApi.do", "getMixInfo", status=status, body=fixture_json("mix_info"))
    assert logged_in.mix_info("ABC12345") == fixture_json("mix_info")["obj"]


def test_broken_json_names_the_endpoint(server, logged_in):
    server.override("newPlantAPI.do", "getPlant", body='{"back": ', headers={"Content-Type": "application/json"})
    with pytest.raises(UnexpectedReply, match="not JSON") as info:
        logged_in.get_plant_settings("2016929")
    assert info.value.endpoint == "newPlantAPI.do op=getPlant"


def test_waf_json_names_the_endpoint(server, logged_in):
    server.override_fixture("newPlantAPI.do", "getEnergyStorageData", "alibaba_waf")
    with pytest.raises(Blocked) as info:
        logged_in.dashboard_data("2016929")
    assert info.value.endpoint == "newPlantAPI.do action=getEnergyStorageData"


def test_a_json_array_where_an_object_belongs_names_the_endpoint(server, logged_in):
    server.override("newTlxApi.do", "getTlxDetailData", body="[1, 2]", headers={"Content-Type": "application/json"})
    with pytest.raises(UnexpectedReply, match="expected a JSON object") as info:
        logged_in.tlx_detail("TLX1234567")
    assert info.value.endpoint == "newTlxApi.do op=getTlxDetailData"
