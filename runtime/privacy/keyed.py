"""Keyed hashes of phone numbers: what the suppression list and the audit trail keep instead of
the number, so an erased number leaves no readable trace yet is still recognised (same key,
same hash) if it turns up again in a list."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from huashu.core.config import Settings, get_settings
from runtime.privacy.secret import server_secret

__all__ = ["number_hash", "number_key", "number_ref"]


def number_key(settings: Settings | None = None) -> bytes:
    """The HMAC key (for the screen, which hashes each row itself when there are erased numbers)."""
    return _key(settings or get_settings())


def _key(settings: Settings) -> bytes:
    return _derive(server_secret(settings))


@lru_cache(maxsize=8)
def _derive(secret: str) -> bytes:
    return hashlib.sha256(b"huashu-number-key\0" + secret.encode()).digest()


def number_hash(e164: str, settings: Settings | None = None) -> str:
    """HMAC-SHA256 of the E.164 number under the installation secret (hex)."""
    return hmac.new(_key(settings or get_settings()), e164.encode(), hashlib.sha256).hexdigest()


def number_ref(e164: str, settings: Settings | None = None) -> str:
    """How the audit trail names a number: a keyed-hash prefix, never the number itself."""
    return "num:" + number_hash(e164, settings)[:20]
