"""A test app with one user per role and signed-in clients, for the tests/security files of the
editor/page part (tests/security has no conftest.py: three engineers write there)."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from tests.support.web_client import (
    PASSWORD,
    ROLES,
    app_settings,
    app_with_users,
    cheap_hashing,
    csrf_of,
    signed_in,
)

__all__ = ["PASSWORD", "ROLES", "make_app", "signed_in", "csrf_of", "cheap_hashing"]


def make_app(data_dir: Path) -> Litestar:
    """The real app on a fresh SQLite file, one user per role (named after it). Tests make argon2
    cheap with :func:`cheap_hashing` first (dozens of hashes at production cost take seconds)."""
    return app_with_users(app_settings(data_dir, "sec-editor"))
