"""growattweb settings: one file, read from environment variables.

Every variable is listed with its meaning in docs/DEPLOYMENT.md. In development
(DEBUG on, the default) missing secrets are generated once under ``var/``; with
DEBUG off they are required, and ``manage.py check`` says which are missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ

from growattweb import devsecrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GROWATTWEB_VAR_DIR", BASE_DIR / "var"))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=True)

# --- Secrets -----------------------------------------------------------------
# Development: generated once under var/ (git-ignored). Production: required;
# growattweb.checks reports the missing ones instead of crashing at import.
SECRET_KEY = env.str("SECRET_KEY", default="") or (
    devsecrets.secret_key(VAR_DIR) if DEBUG else "missing-secret-key-see-manage-py-check"
)
# Earlier SECRET_KEYs still accepted for signatures during a key rotation (docs/SECURITY.md).
SECRET_KEY_FALLBACKS: list[str] = env.list("SECRET_KEY_FALLBACKS", default=[])
FIELD_ENCRYPTION_KEYS: list[str] = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or (
    devsecrets.field_encryption_keys(VAR_DIR) if DEBUG else []
)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications --------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "growattweb",
    "plants",
    "settings_ui",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "growattweb.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "growattweb.urls"
WSGI_APPLICATION = "growattweb.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "growattweb.middleware.csp_nonce",
                "growattweb.context_processors.site",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------
# Default: SQLite in var/, WAL mode and IMMEDIATE transactions so the web
# server, the Celery worker and beat can write at the same time.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'growattweb.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so a Celery worker subprocess can share it in tests; one per test run,
    # so two runs on one machine never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("GROWATTWEB_TEST_DB", default=str(VAR_DIR / "test-dbs" / f"test-{os.getpid()}.sqlite3"))
    }
    (VAR_DIR / "test-dbs").mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A shared cache when Redis is there (production), a per-process one otherwise.
_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {"BACKEND": "growattweb.cache.RedisCache", "LOCATION": _cache_url}
        if _cache_url.startswith("redis")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions are read on every request: from the shared cache when there is one (written through to
# the database, so a restart of Redis logs nobody out). Not from a per-process cache: a logout in
# one gunicorn worker would not reach the copy in another.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if _cache_url.startswith("redis")
    else "django.contrib.sessions.backends.db"
)

# --- Auth ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
OPEN_SIGNUP = env.bool("OPEN_SIGNUP", default=False)

# django-axes: lock out after 5 failed logins for the same user from the same IP.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# --- I18n / time -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Email -------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="growattweb <noreply@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Security (production) -----------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Growatt -----------------------------------------------------------------------------
# The plant page is rendered once per role, data change and minute and shared (plants.views_dashboard);
# 0 renders it on every request.
PLANT_PAGE_CACHE_SECONDS = env.int("PLANT_PAGE_CACHE_SECONDS", default=120)

GROWATT_DEFAULT_SERVER = env.str("GROWATT_DEFAULT_SERVER", default="https://openapi.growatt.com/")
GROWATT_DEMO_SERVER = env.str("GROWATT_DEMO_SERVER", default="http://127.0.0.1:8081/")
GROWATT_REQUEST_TIMEOUT = env.float("GROWATT_REQUEST_TIMEOUT", default=20.0)
GROWATT_SYNC_INTERVAL_SECONDS = env.int("GROWATT_SYNC_INTERVAL_SECONDS", default=300)
GROWATT_DISCOVERY_INTERVAL_SECONDS = env.int("GROWATT_DISCOVERY_INTERVAL_SECONDS", default=6 * 3600)
GROWATT_MAX_LOGINS_PER_DAY = env.int("GROWATT_MAX_LOGINS_PER_DAY", default=6)
GROWATT_BACKFILL_DAYS = env.int("GROWATT_BACKFILL_DAYS", default=30)
GROWATT_BACKFILL_DAYS_PER_CYCLE = env.int("GROWATT_BACKFILL_DAYS_PER_CYCLE", default=31)
GROWATT_SYNC_LEASE_SECONDS = env.int("GROWATT_SYNC_LEASE_SECONDS", default=600)
GROWATT_DISPATCH_ON_WORKER_START = env.bool("GROWATT_DISPATCH_ON_WORKER_START", default=True)
GROWATT_RETRY_BASE_SECONDS = env.float("GROWATT_RETRY_BASE_SECONDS", default=1.0)
GROWATT_MAX_REQUESTS_PER_CYCLE = env.int("GROWATT_MAX_REQUESTS_PER_CYCLE", default=250)

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem"):
    _queue = VAR_DIR / "celery"
    for _sub in ("out", "ctl"):
        (_queue / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "out"),
        "data_folder_out": str(_queue / "out"),
        "control_folder": str(_queue / "ctl"),
    }
elif CELERY_BROKER_URL.startswith("redis"):
    # A task whose worker died before acknowledging it is redelivered after this many seconds.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True  # sync tasks are idempotent upserts
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-syncs": {"task": "plants.tasks.dispatch_due_syncs", "schedule": 60.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
