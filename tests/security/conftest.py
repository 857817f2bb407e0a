"""Shared by the security tests: the authorization matrix's world, and no way out to the internet."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.test_authz_matrix import ALL_URLS, NAMED, build_world, is_admin, rule_for, url_for


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One owner, viewer, editor and stranger around a plant with history, an invitation, a kiosk
    link and an audit entry (tests/test_authz_matrix.py builds it); committed for the module."""
    with django_db_blocker.unblock():
        w = build_world()
        w.users["admin"] = get_user_model().objects.create_superuser(
            "matrix-admin", "admin@matrix.example", "pw-for-tests-123")
        yield w
        for user in w.users.values():
            user.delete()
        get_user_model().objects.filter(username__startswith="matrix-").delete()


def client_as(persona: str, w, **defaults) -> Client:
    client = Client(raise_request_exception=False, **defaults)
    if persona == "kiosk":
        assert client.get(reverse("kiosk", args=[w.kiosk_token])).status_code == 200
    elif persona != "anonymous":
        client.force_login(w.users[persona])
    return client


def every_url(w, *, admin: bool = True) -> list[tuple[str, str]]:
    """(name, url) of every named URL of the project, filled from the world."""
    out = []
    for name in NAMED:
        rule = rule_for(name)
        if rule is None or (is_admin(name) and not admin):
            continue
        out.append((name, url_for(name, rule, w)))
    return out


@pytest.fixture
def no_internet(monkeypatch):
    """Growatt calls may only reach loopback (the simulator, or nothing listening): a form that
    names openapi.growatt.com must not make a test talk to the real server."""
    original = requests.adapters.HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        host = urlsplit(request.url).hostname or ""
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise requests.ConnectionError(f"no network in tests ({host})")
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)


__all__ = ["ALL_URLS", "client_as", "every_url"]
