"""The real app over a fresh SQLite database with one user per role, for the compliance tests
(audit page, masking by role, erasure page). Every user's password is :data:`PASSWORD`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from runtime.config import Settings
from runtime.db import init_db, make_engine

__all__ = ["PASSWORD", "compliance_app", "sign_in"]

PASSWORD = "correct-horse-1"
USERS = {"admin": "admin", "op": "operator", "rev": "reviewer", "des": "designer"}


def compliance_app(data_dir: Path) -> Any:
    from web.app import create_app
    from web.auth.users import create_user

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, secret_key="compliance-secret-" + "x" * 32)
    engine = make_engine(settings.db_url)
    init_db(engine)
    for name, role in USERS.items():
        create_user(engine, name, PASSWORD, role)
    return create_app(settings, engine, secure_cookies=False, debug=False)


def _csrf(client: Any, html: str = "") -> str:
    token = client.cookies.get("huashu_csrf")
    if token is None:
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m, "no CSRF token on the page"
        token = m.group(1)
    return str(token)


def sign_in(client: Any, user: str) -> str:
    """Sign ``user`` in through the login form; returns the CSRF token for later posts."""
    html = client.get("/login", headers={"accept": "text/html"}).text
    r = client.post("/login", data={"username": user, "password": PASSWORD, "next": "/scripts",
                                    "_csrf_token": _csrf(client, html)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return _csrf(client, client.get("/scripts", headers={"accept": "text/html"}).text)
