"""The installation secret: signs CSRF tokens (web) and keys the hashes of erased numbers (privacy).

From the settings, else generated once into the data directory (mode 0600)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from huashu.core.config import Settings

__all__ = ["server_secret"]


def server_secret(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret.key"
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
    settings.ensure_dirs()
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return value
