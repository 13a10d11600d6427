"""Cheap password hashing for the tests (its own module: tests/conftest.py applies it to every test
and imports nothing heavier than the product's password modules)."""

from __future__ import annotations

from typing import Any

__all__ = ["cheap_hashing", "production_hashing"]

_cheap: dict[str, Any] = {}


def cheap_hashing(monkeypatch: Any) -> None:
    """argon2 at production cost is ~0.1 s of CPU and 64 MB a hash and the tests hash thousands
    (four users per app, a sign-in per client): the same algorithm with less work, through
    ``monkeypatch`` so a test marked ``argon2_cost`` keeps the real cost. The fixed hash an unknown
    user name is checked against (``web.auth.users._DUMMY_HASH``) carries its cost in the hash
    itself, so it is replaced by one made with the cheap hasher too."""
    from argon2 import PasswordHasher

    import web.auth.passwords as passwords
    import web.auth.users as users

    if not _cheap:
        _cheap["production"] = (passwords._hasher, users._DUMMY_HASH)
        _cheap["hasher"] = hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        _cheap["dummy"] = hasher.hash("not-a-real-password")
    monkeypatch.setattr(passwords, "_hasher", _cheap["hasher"])
    monkeypatch.setattr(users, "_DUMMY_HASH", _cheap["dummy"])


def production_hashing(monkeypatch: Any) -> None:
    """The product's own hasher and dummy hash again (for a test marked ``argon2_cost`` while the
    session's cheap hashing is in force)."""
    import web.auth.passwords as passwords
    import web.auth.users as users

    if _cheap:
        hasher, dummy = _cheap["production"]
        monkeypatch.setattr(passwords, "_hasher", hasher)
        monkeypatch.setattr(users, "_DUMMY_HASH", dummy)
