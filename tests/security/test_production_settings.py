"""The production configuration: ``manage.py check --deploy`` is clean, HTTPS is enforced, cookies
are Secure, HttpOnly and SameSite, and missing secrets are reported instead of guessed.

The environment is read at import time, so each configuration runs in a subprocess of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.test import Client, override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]

SHOW_SETTINGS = """
import json
from django.conf import settings as s
names = ["DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
         "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "CSRF_COOKIE_SAMESITE", "X_FRAME_OPTIONS",
         "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "AXES_FAILURE_LIMIT", "AXES_ENABLED",
         "AXES_LOCKOUT_PARAMETERS"]
print(json.dumps({n: getattr(s, n) for n in names}))
"""


def production_env(tmp_path, **overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE",
                        "DJANGO_ALLOW_ASYNC_UNSAFE")}  # the browser tests need it; production must not
    env.update({
        "DEBUG": "false",
        "SECRET_KEY": "q4$wU9-rZp!7mN2xT0vLk8@hB3sD6fG1jE5yR+cA-production-like-key",
        "FIELD_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
        "ALLOWED_HOSTS": "solar.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://solar.example.org",
        "GROWATTWEB_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "growattweb.settings",
    })
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_reports_nothing_in_production(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout, result.stdout + result.stderr


def test_check_deploy_does_complain_about_an_unsafe_configuration(tmp_path):
    """The control: the same command fails when HTTPS is switched off and secrets are missing."""
    env = production_env(tmp_path, SECRET_KEY=None, FIELD_ENCRYPTION_KEYS=None, ALLOWED_HOSTS=None,
                         SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for code in ("growattweb.E001", "growattweb.E002", "growattweb.E004", "security.W004", "security.W008"):
        assert code in output, (code, output)


def test_production_security_settings(tmp_path):
    result = manage(production_env(tmp_path), "shell", "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax" and values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["AXES_ENABLED"] is True and values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]


def test_a_server_without_an_encryption_key_refuses_to_read_secrets(tmp_path):
    """DEBUG off and no FIELD_ENCRYPTION_KEYS: no key is generated silently; reading a password fails loudly."""
    code = ("from plants.crypto import encrypt, EncryptionKeyError\n"
            "try:\n    encrypt('x')\nexcept EncryptionKeyError as exc:\n    print('refused:', exc)\n")
    result = manage(production_env(tmp_path, FIELD_ENCRYPTION_KEYS=None), "shell", "-c", code)
    assert "refused:" in result.stdout, result.stdout + result.stderr
    assert not (tmp_path / "var" / "field_encryption_key").exists()


PRODUCTION = {
    "DEBUG": False, "SECURE_SSL_REDIRECT": True, "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
    "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "ALLOWED_HOSTS": ["solar.example.org"],
}


@pytest.mark.django_db
@override_settings(**PRODUCTION)
def test_in_production_http_is_redirected_and_https_gets_hsts_and_secure_cookies(owner):
    plain = Client(HTTP_HOST="solar.example.org")
    redirect = plain.get("/accounts/login/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://solar.example.org/accounts/login/"

    https = Client(HTTP_HOST="solar.example.org", HTTP_X_FORWARDED_PROTO="https")
    page = https.get("/accounts/login/")
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"
    logged_in = https.post("/accounts/login/", {"username": owner.username, "password": "pw-for-tests-123"})
    assert logged_in.status_code == 302, logged_in.content.decode()[:500]
    session = logged_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert https.get(reverse("home")).status_code == 200


@pytest.mark.django_db
@override_settings(**PRODUCTION)
def test_in_production_an_unknown_host_is_refused():
    response = Client(HTTP_HOST="attacker.example", HTTP_X_FORWARDED_PROTO="https",
                      raise_request_exception=False).get("/accounts/login/")
    assert response.status_code == 400


@pytest.mark.django_db
def test_rotating_secret_key_with_the_old_one_as_fallback_keeps_people_logged_in(owner, viewer, settings):
    """The SECRET_KEY runbook of docs/SECURITY.md: new key first, old key in SECRET_KEY_FALLBACKS for a
    while; whoever comes by in that window has their session moved to the new key."""
    settings.SECRET_KEY = "old-" + "k" * 60
    regular, away = Client(), Client()
    regular.force_login(owner)
    away.force_login(viewer)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-" + "n" * 60, ["old-" + "k" * 60]
    assert regular.get(reverse("home")).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []  # the old key retired
    assert regular.get(reverse("home")).status_code == 200
    assert away.get(reverse("home")).status_code == 302  # logged out: signed with the retired key only


SHOW_CACHE = """
import json
from django.conf import settings as s
print(json.dumps({"cache": s.CACHES["default"]["BACKEND"], "sessions": s.SESSION_ENGINE}))
"""


@pytest.mark.parametrize("redis, cache, sessions", [
    (None, "django.core.cache.backends.locmem.LocMemCache", "django.contrib.sessions.backends.db"),
    ("redis://127.0.0.1:6379/3", "growattweb.cache.RedisCache", "django.contrib.sessions.backends.cached_db"),
])
def test_sessions_come_from_the_cache_only_when_it_is_shared(tmp_path, redis, cache, sessions):
    """A per-process cache must not hold sessions: a logout in one gunicorn worker would not reach another."""
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + SHOW_CACHE], cwd=ROOT,
                            env=production_env(tmp_path, REDIS_URL=redis), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"cache": cache, "sessions": sessions}


@pytest.mark.django_db
def test_a_logout_ends_the_session_everywhere_and_a_lost_cache_logs_nobody_out(make_user, settings):
    from django.core.cache import cache

    user = make_user("sam")
    browser = Client()
    browser.force_login(user)
    assert browser.get(reverse("home")).status_code == 200
    cache.clear()  # Redis restarted: the session is still in the database
    assert browser.get(reverse("home")).status_code == 200
    stolen = Client()  # the same cookie elsewhere (a copied cookie, a second tab in another worker)
    stolen.cookies[settings.SESSION_COOKIE_NAME] = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert stolen.get(reverse("home")).status_code == 200
    assert browser.post(reverse("logout")).status_code in (200, 302)
    assert stolen.get(reverse("home")).status_code == 302
