"""The HTTP session of a Growatt link reads the environment's proxy and CA settings once, and honours them."""

from __future__ import annotations

import pytest
import requests

from plants.growatt_link import AccountLink, http_session
from plants.tests.factories import make_account

SERVER = "https://openapi.growatt.com/"


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                 "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


def test_a_proxy_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = http_session(SERVER)
    assert session.trust_env is False  # no per-request walk through os.environ
    assert requests.utils.select_proxy(SERVER + "newTwoLoginAPI.do", session.proxies) == "http://proxy.example:3128"


def test_no_proxy_for_the_growatt_host_means_a_direct_connection(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "growatt.com")
    session = http_session(SERVER)
    assert requests.utils.select_proxy(SERVER + "newTwoLoginAPI.do", session.proxies) is None


def test_without_proxy_settings_the_session_connects_directly():
    session = http_session(SERVER)
    assert requests.utils.select_proxy(SERVER + "newTwoLoginAPI.do", session.proxies) is None
    assert session.verify is True


def test_a_ca_bundle_from_the_environment_is_used(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert http_session(SERVER).verify == str(bundle)


@pytest.mark.django_db
def test_an_account_link_uses_such_a_session(owner, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    link = AccountLink(make_account(owner, server_url=SERVER))
    assert link.api.session.trust_env is False
    assert link.api.session.proxies.get("https") == "http://proxy.example:3128"
    assert "growattweb" in link.api.session.headers["User-Agent"]
