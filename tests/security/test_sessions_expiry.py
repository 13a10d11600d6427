"""Issue 15 finding 8: anonymous requests create no session, expired sessions are deleted.

Every anonymous GET wrote a session file (and set a session cookie); nothing deleted a file
whose session had expired unless the same id came back.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.stores.base import StorageObject
from litestar.testing import TestClient

from tests.support import secserver_app as fx
from tests.support.secserver_app import csrf_of, sign_in
from web.sessions import sweep_expired

cheap_hashing, sec_settings, sec_app, client_for = fx.cheap_hashing, fx.sec_settings, fx.sec_app, fx.client_for


def _session_files(app: Litestar) -> list[Path]:
    folder = Path(app.state.settings.data_dir) / "sessions"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_anonymous_requests_create_no_session(sec_app: Litestar) -> None:
    for url in ("/login", "/", "/scripts", "/lang/zh", "/nope", "/healthz", "/operator/calls"):
        c: TestClient[Any] = TestClient(sec_app)
        r = c.get(url, headers={"accept": "text/html"}, follow_redirects=False)
        assert "huashu_session" not in r.cookies, url
    # a wrong password is anonymous too
    c = TestClient(sec_app)
    c.post("/login", data={"username": "admin", "password": "nope-nope", "_csrf_token": csrf_of(c)})
    assert _session_files(sec_app) == []


def test_signing_in_creates_one_and_signing_out_deletes_it(sec_app: Litestar) -> None:
    c: TestClient[Any] = TestClient(sec_app)
    assert sign_in(c, "admin").status_code in (302, 303)
    assert len(_session_files(sec_app)) == 1
    assert c.get("/scripts", headers={"accept": "text/html"}).status_code == 200
    assert len(_session_files(sec_app)) == 1
    c.post("/logout", data={"_csrf_token": csrf_of(c)}, follow_redirects=False)
    assert _session_files(sec_app) == []


def _expire(path: Path, when: datetime) -> None:
    obj = StorageObject.from_bytes(path.read_bytes())
    path.write_bytes(StorageObject(expires_at=when, data=obj.data).to_bytes())


def test_expired_sessions_are_swept_on_a_clock(sec_app: Litestar) -> None:
    clients = []
    for role in ("admin", "designer", "operator"):
        c: TestClient[Any] = TestClient(sec_app)
        assert sign_in(c, role).status_code in (302, 303)
        clients.append(c)
    files = _session_files(sec_app)
    assert len(files) == 3
    now = datetime.now(UTC)
    _expire(files[0], now - timedelta(seconds=1))
    _expire(files[1], now + timedelta(hours=1))
    store = sec_app.stores.get("sessions")
    assert asyncio.run(sweep_expired(store, now)) == 1
    assert _session_files(sec_app) == files[1:]
    # an hour and a bit later the second one goes too; the third (8 h) stays
    assert asyncio.run(sweep_expired(store, now + timedelta(hours=1, seconds=1))) == 1
    assert _session_files(sec_app) == files[2:]


def test_the_app_sweeps_at_start(sec_app: Litestar) -> None:
    c: TestClient[Any] = TestClient(sec_app)
    assert sign_in(c, "admin").status_code in (302, 303)
    [f] = _session_files(sec_app)
    _expire(f, datetime.now(UTC) - timedelta(minutes=1))
    with TestClient(sec_app) as running:  # runs the lifespan: the sweeper's first pass
        running.get("/healthz")
    assert _session_files(sec_app) == []
