"""Every page of the project: Content-Security-Policy without inline script or style, clickjacking
protection, no inline code in the HTML, and CSRF on every POST.

The URLs are read from the URL configuration (as the authorization matrix does), so a new page
is covered without touching this file.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import client_as, every_url

pytestmark = pytest.mark.django_db

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
STYLE_TAG = re.compile(r"<style\b([^>]*)>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_headers(response, where: str) -> None:
    policy = response.get("Content-Security-Policy")
    assert policy, f"{where}: no Content-Security-Policy"
    csp = directives(policy)
    script = csp.get("script-src", csp.get("default-src"))
    style = csp.get("style-src", csp.get("default-src"))
    assert script is not None and style is not None, f"{where}: {policy}"
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, f"{where}: {policy}"
    assert "'unsafe-inline'" not in style, f"{where}: {policy}"
    assert "*" not in script and not any(s.startswith(("http:", "https:")) for s in script), f"{where}: {policy}"
    assert csp.get("frame-ancestors") == ["'none'"], f"{where}: {policy}"
    assert csp.get("object-src") == ["'none'"], f"{where}: {policy}"
    assert csp.get("base-uri") == ["'self'"], f"{where}: {policy}"
    assert response.get("X-Frame-Options") == "DENY", where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    # Kiosk pages say no-referrer: their URL is the credential.
    assert response.get("Referrer-Policy") in ("same-origin", "no-referrer"), where


def check_html(response, where: str) -> None:
    if "html" not in response.get("Content-Type", ""):
        return
    html = response.content.decode("utf-8", "replace")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    for attributes, body in SCRIPT_TAG.findall(html):
        if "src=" in attributes:
            assert not body.strip(), f"{where}: a script with src and a body"
            continue
        if re.search(r"""type\s*=\s*["']application/json["']""", attributes):
            continue  # json_script data: not executed
        assert nonce and f'nonce="{nonce.group(1)}"' in attributes, f"{where}: <script{attributes}> without nonce"
    for attributes in STYLE_TAG.findall(html):
        assert nonce and f'nonce="{nonce.group(1)}"' in attributes, f"{where}: inline <style> without nonce"
    assert not INLINE_HANDLER.search(html), f"{where}: inline event handler {INLINE_HANDLER.search(html).group(0)}"
    assert not STYLE_ATTRIBUTE.search(html), f"{where}: style attribute {STYLE_ATTRIBUTE.search(html).group(0)}"
    assert not JS_URL.search(html), f"{where}: javascript: URL"
    assert not EXTERNAL.search(html), f"{where}: a resource from another origin: {EXTERNAL.search(html).group(0)}"


PERSONAS = ("anonymous", "owner", "viewer", "kiosk")


def test_every_page_has_the_policy_and_no_inline_code(world):
    pages = 0
    for persona in (*PERSONAS, "admin"):
        client = client_as(persona, world)
        for name, url in every_url(world, admin=persona == "admin"):
            if persona == "admin" and not name.startswith("admin:"):
                continue
            response = client.get(url)
            where = f"GET {url} as {persona} ({response.status_code})"
            assert response.status_code < 500, where
            check_headers(response, where)
            if response.status_code == 200:
                check_html(response, where)
                pages += 1
    assert pages > 60, "too few pages were looked at to mean anything"


def test_error_pages_and_static_files_carry_the_policy_too(world, settings):
    settings.DEBUG = False
    client = client_as("owner", world)
    for url in ("/no-such-page/", reverse("plant_detail", args=[world.other_plant.pk]),
                reverse("settings_ui:plant_settings", args=[world.plant.pk]) + "?x=1"):
        response = client.get(url)
        check_headers(response, f"GET {url} ({response.status_code})")
    viewer = client_as("viewer", world)
    refused = viewer.get(reverse("settings_ui:plant_settings", args=[world.plant.pk]))
    assert refused.status_code == 403
    check_headers(refused, "403 page")


def test_each_response_gets_a_fresh_nonce(world):
    client = client_as("owner", world)
    url = reverse("plant_detail", args=[world.plant.pk])
    first, second = client.get(url)["Content-Security-Policy"], client.get(url)["Content-Security-Policy"]
    assert re.search(r"'nonce-[^']{16,}'", first)
    assert first != second


# --------------------------------------------------------------------------------------
# CSRF
# --------------------------------------------------------------------------------------


def post_urls(world) -> list[tuple[str, str]]:
    """Every URL whose rule lets somebody POST (the rest answer 405 before anything happens)."""
    from tests.test_authz_matrix import rule_for

    out = []
    for name, url in every_url(world):
        statuses = set(rule_for(name).POST.values())
        if statuses != {405}:
            out.append((name, url))
    return out


@pytest.mark.parametrize("persona", ["anonymous", "owner", "admin"])
def test_every_post_without_a_csrf_token_is_refused(world, persona):
    client = client_as(persona, world, enforce_csrf_checks=True)
    urls = post_urls(world)
    assert len(urls) > 30
    for name, url in urls:
        response = client.post(url, {"label": "x", "password": "y", "username": "z"})
        assert response.status_code == 403, f"POST {url} ({name}) as {persona}: {response.status_code}"
        assert b"CSRF" in response.content, f"POST {url} ({name}) as {persona}: refused, but not for CSRF"


def test_a_post_with_the_token_passes_the_csrf_check(world):
    """The control: the same client gets through once it sends the token (so the 403s above are CSRF's)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["owner"])
    page = client.get(reverse("account_add"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(reverse("plant_timezone", args=[world.plant.pk]),
                           {"csrfmiddlewaretoken": token, "timezone": "Europe/Berlin"})
    assert response.status_code in (200, 302), response.status_code


def test_a_post_from_another_site_is_refused_even_with_a_token(world, settings):
    """Behind HTTPS Django also checks the Origin: a token stolen into another site's form does not help."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client(enforce_csrf_checks=True, HTTP_X_FORWARDED_PROTO="https")
    client.force_login(world.users["owner"])
    page = client.get(reverse("account_add"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(reverse("plant_timezone", args=[world.plant.pk]),
                           {"csrfmiddlewaretoken": token, "timezone": "UTC"},
                           HTTP_ORIGIN="https://evil.example", HTTP_REFERER="https://evil.example/")
    assert response.status_code == 403 and b"CSRF" in response.content


def test_the_html_checks_catch_inline_code():
    """The checks above can fail: a page with inline code does not get through them."""

    class Page(dict):
        def __init__(self, html):
            super().__init__({"Content-Type": "text/html", "Content-Security-Policy": "script-src 'nonce-abc'"})
            self.content = html.encode()

    check_html(Page('<script nonce="abc">ok()</script><script src="/static/a.js"></script>'), "fine")
    for bad in ('<script>alert(1)</script>', '<script nonce="zzz">x()</script>', '<p style="color:red">',
                '<a href="javascript:x()">', '<img src="/a.png" onerror="x()">',
                '<script src="https://cdn.example/x.js"></script>'):
        with pytest.raises(AssertionError):
            check_html(Page(bad), bad)
