"""GrowattApi's own session reads the proxy and CA settings of the environment once, and honours them.

requests' default (``trust_env``) reads ``os.environ`` on every request; ``GrowattApi`` reads it when
it makes its session. What reaches the adapter (``HTTPAdapter.send``'s ``proxies`` and ``verify``,
captured by ``responses``) must still be what growattServer 1.5.0's session sends in the same
environment.
"""

from __future__ import annotations

import growattServer
import pytest
import requests
from requests.utils import select_proxy

from growatt import SERVER_EU, SERVER_SMTEN, GrowattApi, http_session

PROXY = "http://proxy.example:3128"
ENVIRONMENT = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
               "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def sent(server, n: int = -1) -> tuple[str | None, object]:
    """The proxy the adapter would connect through for request ``n``, and its ``verify``."""
    request = server.calls[n].request
    return select_proxy(request.url, request.req_kwargs["proxies"]), request.req_kwargs["verify"]


def oracle_sends(server) -> tuple[str | None, object]:
    """What growattServer 1.5.0 (trust_env, reading os.environ now) sends for the same call."""
    oracle = growattServer.GrowattApi()
    oracle.plant_list("471529")
    return sent(server)


def test_own_session_does_not_read_the_environment_per_request():
    api = GrowattApi()
    assert api.session.trust_env is False


def test_a_proxy_from_the_environment_is_used(server, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    GrowattApi().plant_list("471529")
    assert sent(server) == (PROXY, True)
    assert sent(server) == oracle_sends(server)


def test_all_proxy_and_lower_case_names_are_honoured(server, monkeypatch):
    monkeypatch.setenv("all_proxy", "socks5://socks.example:1080")
    GrowattApi().plant_list("471529")
    assert sent(server)[0] == "socks5://socks.example:1080"
    assert sent(server) == oracle_sends(server)


def test_an_http_server_uses_the_http_proxy(server, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("HTTP_PROXY", "http://plain-proxy.example:8080")
    GrowattApi(server_url=SERVER_SMTEN).plant_list("471529")
    assert sent(server)[0] == "http://plain-proxy.example:8080"


@pytest.mark.parametrize("no_proxy", ["growatt.com", "openapi.growatt.com", ".growatt.com", "localhost,growatt.com",
                                      "*"])
def test_no_proxy_for_the_growatt_host_means_a_direct_connection(server, monkeypatch, no_proxy):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    GrowattApi().plant_list("471529")
    assert sent(server) == (None, True)
    assert sent(server) == oracle_sends(server)


def test_no_proxy_for_another_host_keeps_the_proxy(server, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("no_proxy", "localhost,example.org")
    GrowattApi().plant_list("471529")
    assert sent(server)[0] == PROXY
    assert sent(server) == oracle_sends(server)


def test_without_settings_the_connection_is_direct_and_verified(server):
    GrowattApi().plant_list("471529")
    assert sent(server) == (None, True)
    assert sent(server) == oracle_sends(server)


@pytest.mark.parametrize("name", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_from_the_environment_is_used(server, monkeypatch, tmp_path, name):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv(name, str(bundle))
    GrowattApi().plant_list("471529")
    assert sent(server) == (None, str(bundle))
    assert sent(server) == oracle_sends(server)


def test_requests_ca_bundle_wins_over_curl_ca_bundle(server, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "requests.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "curl.pem"))
    GrowattApi().plant_list("471529")
    assert sent(server)[1] == str(tmp_path / "requests.pem")
    assert sent(server) == oracle_sends(server)


def test_the_environment_is_read_when_the_client_is_made_not_per_request(server, monkeypatch, tmp_path):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    api = GrowattApi()
    # Changed afterwards: the client keeps what it read; a new client sees the change.
    monkeypatch.setenv("HTTPS_PROXY", "http://other-proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "growatt.com")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    api.plant_list("471529")
    api.mix_info("ABC12345")
    assert sent(server, 0) == sent(server, 1) == (PROXY, str(tmp_path / "ca.pem"))
    GrowattApi().plant_list("471529")
    assert sent(server) == (None, True)


def test_no_environment_lookups_on_a_request(server, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    api = GrowattApi()

    def forbidden(*args, **kwargs):
        raise AssertionError("the environment was read for a request")

    for module in (requests.sessions, requests.utils):
        for name in ("get_environ_proxies", "get_netrc_auth", "should_bypass_proxies"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, forbidden)
    api.plant_list("471529")
    api.login("myuser", "test")
    api.mix_info("ABC12345")
    assert sent(server)[0] == PROXY


def test_changing_server_url_chooses_the_proxies_for_the_new_host(server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", PROXY)
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("NO_PROXY", "server.smten.com")
    api = GrowattApi()
    api.plant_list("471529")
    api.server_url = SERVER_SMTEN  # growattServer's way of choosing a server
    api.plant_list("471529")
    api.server_url = SERVER_EU
    api.plant_list("471529")
    assert [sent(server, n)[0] for n in range(3)] == [PROXY, None, PROXY]


def test_a_session_given_to_the_client_is_left_as_it_is(server, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    session = requests.Session()
    session.proxies = {"https": "http://mine.example:1"}
    api = GrowattApi(session=session)
    api.server_url = SERVER_EU
    assert api.session is session and session.trust_env is True
    assert session.proxies == {"https": "http://mine.example:1"}


def test_http_session_is_the_same_session_the_client_makes(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", PROXY)
    monkeypatch.setenv("CURL_CA_BUNDLE", "/tmp/ca.pem")
    made, own = http_session(SERVER_EU), GrowattApi().session
    assert (made.trust_env, made.proxies, made.verify) == (own.trust_env, own.proxies, own.verify)
    assert (made.trust_env, select_proxy(SERVER_EU, made.proxies), made.verify) == (False, PROXY, "/tmp/ca.pem")
