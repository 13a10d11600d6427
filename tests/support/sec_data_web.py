"""A signed-in operator on the real app (``web.app.create_app``) over a fresh SQLite database,
for the upload-bomb tests and ``bench/bench_upload_bomb.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huashu.core.config import UploadSettings
from tests.support.web_client import PASSWORD, app_settings, app_with_users, sign_in_token
from tests.support.web_client import csrf_of as csrf_token

__all__ = ["PASSWORD", "operator_app", "sign_in", "csrf_token"]


def operator_app(data_dir: Path, uploads: UploadSettings | None = None) -> Any:
    """The app with one operator ``op`` (password :data:`PASSWORD`) and the given upload limits."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = app_settings(data_dir, "bomb-secret", espeak=False, uploads=uploads or UploadSettings())
    return app_with_users(settings, {"op": "operator"}, debug=False)


def sign_in(client: Any, user: str = "op") -> str:
    """Sign ``user`` in through the login form; returns the CSRF token for later posts."""
    return sign_in_token(client, user, landing="/analytics")
