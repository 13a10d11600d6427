"""A signed-in operator on the real app (``web.app.create_app``) over a fresh SQLite database,
for the upload-bomb tests and ``bench/bench_upload_bomb.py``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from huashu.core.config import Settings, UploadSettings
from huashu.core.db import init_db, make_engine

__all__ = ["PASSWORD", "operator_app", "sign_in", "csrf_token"]

PASSWORD = "correct-horse-1"


def operator_app(data_dir: Path, uploads: UploadSettings | None = None) -> Any:
    """The app with one operator ``op`` (password :data:`PASSWORD`) and the given upload limits."""
    from web.app import create_app
    from web.auth.users import create_user

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, secret_key="bomb-secret-" + "x" * 32, uploads=uploads or UploadSettings())
    engine = make_engine(settings.db_url)
    init_db(engine)
    create_user(engine, "op", PASSWORD, "operator")
    return create_app(settings, engine, secure_cookies=False, debug=False)


def csrf_token(client: Any, html: str = "") -> str:
    token = client.cookies.get("huashu_csrf")
    if token is None:
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m, "no CSRF token on the page"
        token = m.group(1)
    return str(token)


def sign_in(client: Any, user: str = "op") -> str:
    """Sign ``user`` in through the login form; returns the CSRF token for later posts."""
    html = client.get("/login", headers={"accept": "text/html"}).text
    r = client.post("/login", data={"username": user, "password": PASSWORD, "next": "/analytics",
                                    "_csrf_token": csrf_token(client, html)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return csrf_token(client, client.get("/analytics", headers={"accept": "text/html"}).text)
