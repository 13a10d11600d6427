"""Erasure and opt-out from the page (admin erases, operator records an opt-out) and the API
(``personal:erase`` / ``tasks:write`` scopes); bad input is a clear 400."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.campaigns import tables as T
from runtime.campaigns.optout import OptOut
from tests.support.compliance_web import compliance_app, seed_calls, sign_in
from web.api.oauth import create_client

pytestmark = pytest.mark.offline


@pytest.fixture
def app(tmp_path: Path) -> Any:
    a = compliance_app(tmp_path)
    seed_calls(a.state.engine, numbers=3)
    return a


def _count(app: Any, phone: str) -> int:
    with app.state.engine.connect() as c:
        return len(c.execute(select(T.attempts.c.id).where(T.attempts.c.phone == phone)).all())


def test_admin_erases_from_the_page_operator_cannot(app: Any) -> None:
    with TestClient(app) as c:
        tok = sign_in(c, "op")
        assert 'id="erase-phone"' not in c.get("/privacy").text
        assert c.post("/privacy/erase", data={"phone": "13800000000", "_csrf_token": tok}).status_code == 403
        r = c.post("/privacy/opt-out", data={"phone": "13800000001", "detail": "said stop", "_csrf_token": tok})
        assert r.status_code == 200 and 'id="privacy-opted"' in r.text
    with app.state.engine.connect() as conn:
        assert conn.execute(select(OptOut.__table__.c.channel)).scalars().all() == ["operator"]  # type: ignore[attr-defined]
    assert _count(app, "+8613800000000") > 0
    with TestClient(app) as c:
        tok = sign_in(c, "admin")
        r = c.post("/privacy/erase", data={"phone": "13800000000", "_csrf_token": tok})
        assert r.status_code == 200 and 'id="erase-complete"' in r.text and "13800000000" not in r.text
        bad = c.post("/privacy/erase", data={"phone": "x" * 500, "_csrf_token": tok})
        assert bad.status_code == 400 and 'id="privacy-error"' in bad.text
    assert _count(app, "+8613800000000") == 0


def test_api_erase_needs_its_scope(app: Any) -> None:
    with TestClient(app) as c:
        def auth(scopes: str) -> dict[str, str]:
            cid, secret = create_client(app.state.engine, "crm", scopes)
            r = c.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid,
                                             "client_secret": secret})
            return {"authorization": f"Bearer {r.json()['access_token']}"}

        assert c.post("/api/v1/privacy/erase", json={"phone": "13800000002"}, headers=auth("calls:read")).status_code == 403
        r = c.post("/api/v1/privacy/erase", json={"phone": "13800000002"}, headers=auth("personal:erase"))
        assert r.status_code == 200 and r.json()["complete"] is True
        bad = c.post("/api/v1/privacy/erase", json={"phone": "nope"}, headers=auth("personal:erase"))
        assert bad.status_code == 400 and "phone" in bad.text
        r = c.post("/api/v1/privacy/opt-out", json={"phone": "13800000001"}, headers=auth("tasks:write"))
        assert r.status_code == 200 and r.json() == {"recorded": True}
    assert _count(app, "+8613800000002") == 0
