"""Development secrets, generated once under var/ (git-ignored) on first run.

Only used when DEBUG is on and the environment does not provide the value.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def _read_or_create(path: Path, make) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        value = make()
        # Exclusive create: two processes starting at once keep the first value.
        try:
            with open(path, "x") as fh:
                fh.write(value + "\n")
            path.chmod(0o600)
        except FileExistsError:
            return path.read_text().strip()
        return value


def secret_key(var_dir: Path) -> str:
    return _read_or_create(var_dir / "secret_key", lambda: secrets.token_urlsafe(50))


def field_encryption_keys(var_dir: Path) -> list[str]:
    value = _read_or_create(var_dir / "field_encryption_key", lambda: Fernet.generate_key().decode())
    return [value]
