"""System checks for configuration: problems are reported by `manage.py check`, not by crashes."""

from __future__ import annotations

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def check_secrets(app_configs, **kwargs):
    errors = []
    if not settings.DEBUG and settings.SECRET_KEY.startswith("missing-"):
        errors.append(Error("SECRET_KEY is not set.", hint="Set the SECRET_KEY environment variable.",
                            id="growattweb.E001"))
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        errors.append(Error(
            "FIELD_ENCRYPTION_KEYS is not set: Growatt passwords cannot be encrypted.",
            hint="Generate one with: python -c 'from cryptography.fernet import Fernet; "
                 "print(Fernet.generate_key().decode())'",
            id="growattweb.E002"))
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except Exception:  # noqa: BLE001 - any parsing problem means the key is unusable
            errors.append(Error(f"FIELD_ENCRYPTION_KEYS entry {index + 1} is not a valid Fernet key.",
                                hint="Each key is 32 url-safe base64-encoded bytes.", id="growattweb.E003"))
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        errors.append(Error("ALLOWED_HOSTS is empty.", hint="Set ALLOWED_HOSTS to your host names.",
                            id="growattweb.E004"))
    return errors
