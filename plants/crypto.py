"""Encryption at rest for Growatt secrets: Fernet tokens under MultiFernet key rotation.

``FIELD_ENCRYPTION_KEYS`` lists keys newest first: the first encrypts, any of
them decrypts, and ``manage.py rotate_encryption_keys`` re-encrypts every value
with the first. A value that no configured key opens raises
``EncryptionKeyError`` — ciphertext is never handed back as if it were the secret.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models


class EncryptionKeyError(ImproperlyConfigured):
    """No configured key decrypts a stored value (wrong or missing FIELD_ENCRYPTION_KEYS)."""


@lru_cache(maxsize=1)
def _keys_tuple(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise EncryptionKeyError("FIELD_ENCRYPTION_KEYS is empty: stored Growatt secrets cannot be read.")
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError) as exc:
        raise EncryptionKeyError("FIELD_ENCRYPTION_KEYS holds a malformed key.") from exc


def fernet() -> MultiFernet:
    return _keys_tuple(tuple(settings.FIELD_ENCRYPTION_KEYS))


def _reset(**kwargs):
    if kwargs.get("setting") == "FIELD_ENCRYPTION_KEYS":
        _keys_tuple.cache_clear()


setting_changed.connect(_reset)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionKeyError(
            "A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEYS "
            "(wrong key, or the key it was written with was removed)."
        ) from exc


def rotate(token: str) -> str:
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise EncryptionKeyError("A stored secret cannot be rotated: no configured key opens it.") from exc


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token. Not filterable: look rows up by id."""

    description = "Text encrypted with FIELD_ENCRYPTION_KEYS"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt(value)

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        # Serialisation (dumpdata) must not write secrets in clear.
        return "<encrypted>"
