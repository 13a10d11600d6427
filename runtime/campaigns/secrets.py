"""Encryption at rest for data-source passwords: Fernet keyed from the app secret.

The key is derived from ``settings.secret_key``; when that is unset a random secret is
generated once into ``data_dir/secret.key`` (mode 0600) and reused, so a restart can still
decrypt what an earlier process stored.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets as _secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from huashu.core.config import Settings, get_settings
from huashu.core.errors import UserError

__all__ = ["SecretBox", "app_secret", "DecryptError"]


class DecryptError(UserError):
    """A stored secret cannot be decrypted: the app secret changed or the value is corrupt."""


def app_secret(settings: Settings | None = None) -> str:
    s = settings or get_settings()
    if s.secret_key:
        return s.secret_key
    path = Path(s.data_dir) / "secret.key"
    if path.is_file():
        return path.read_text().strip()
    s.ensure_dirs()
    value = _secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    return value


class SecretBox:
    """Encrypt/decrypt short strings with a key derived from the app secret."""

    def __init__(self, secret: str | None = None) -> None:
        raw = hashlib.sha256(b"huashu-datasource:" + (secret or app_secret()).encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(raw))

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as e:
            raise DecryptError("cannot decrypt a stored secret: the app secret changed or the value is corrupt") from e
