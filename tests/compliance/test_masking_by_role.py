"""Masking by role: numbers and names masked for operators (admins see them), in the calls page,
the call detail, the CSV/XLSX exports and the API (the ``personal:read`` scope unmasks);
recordings and transcripts need ``recordings.play``."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from runtime.campaigns import tables as T
from runtime.privacy.masking import mask_name, mask_phone, mask_text_numbers
from tests.support.compliance_web import compliance_app, seed_calls, sign_in
from tests.support.web_client import csrf_of
from web.api.oauth import create_client

pytestmark = pytest.mark.offline


def test_mask_functions() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_phone("12345") == "***45"
    assert mask_name("张三丰") == "张**" and mask_name("张三") == "张*" and mask_name("Alice Smith") == "A**** S****"
    assert mask_phone(None) is None and mask_name("") == ""
    assert mask_text_numbers("call me on 13812345678 ok") == "call me on 138****5678 ok"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    a = compliance_app(tmp_path_factory.mktemp("mask"))
    seed_calls(a.state.engine)
    return a


def _first_call(app: Any) -> int:
    with app.state.engine.connect() as c:
        return int(c.execute(select(T.attempts.c.id).where(T.attempts.c.recording.is_not(None))
                             .order_by(T.attempts.c.id)).scalars().first()
                   or c.execute(select(T.attempts.c.id)).scalars().first())


def test_calls_page_and_exports_masked_for_operators_not_for_admins(app: Any) -> None:
    with TestClient(app) as c:
        sign_in(c, "op")
        html = c.get("/operator/calls", headers={"accept": "text/html"}).text
        assert "+86138****0000" in html and "+8613800000000" not in html
        assert "张***" in html and "张客户0" not in html
        body = c.get("/operator/calls/export.csv", params={"header": "keys"}).content.decode("utf-8-sig")
        assert "+8613800000000" not in body and "****" in body
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows and all("****" in r["phone"] for r in rows)
        x = c.get("/operator/calls/export.xlsx").content
        assert b"13800000000" not in x
    with TestClient(app) as c:
        sign_in(c, "admin")
        html = c.get("/operator/calls", headers={"accept": "text/html"}).text
        assert "+8613800000000" in html and "张客户0" in html
        body = c.get("/operator/calls/export.csv", params={"header": "keys"}).content.decode("utf-8-sig")
        assert "+8613800000000" in body


def test_call_detail_masked_and_recordings_need_their_permission(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.auth import roles

    call_id = _first_call(app)
    with TestClient(app) as c:
        sign_in(c, "op")
        html = c.get(f"/operator/calls/{call_id}", headers={"accept": "text/html"}).text
        assert "****" in html and "+861380000000" not in html
        without = {**roles.ROLE_PERMISSIONS,
                   roles.Role.OPERATOR: roles.ROLE_PERMISSIONS[roles.Role.OPERATOR] - {roles.Permission.PLAY_RECORDINGS}}
        monkeypatch.setattr(roles, "ROLE_PERMISSIONS", without)
        assert c.get(f"/operator/calls/{call_id}/recording").status_code == 403
        html = c.get(f"/operator/calls/{call_id}", headers={"accept": "text/html"}).text
        assert 'id="player"' not in html


def _token(c: TestClient[Any], app: Any, scopes: str) -> dict[str, str]:
    cid, secret = create_client(app.state.engine, "crm", scopes)
    r = c.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    return {"authorization": f"Bearer {r.json()['access_token']}"}


def test_api_masks_unless_the_token_has_personal_read(app: Any) -> None:
    with TestClient(app) as c:
        masked = c.get("/api/v1/calls", headers=_token(c, app, "calls:read")).json()["calls"]
        assert masked and all("****" in x["phone"] for x in masked)
        assert all(x["name"] is None or "*" in x["name"] for x in masked)
        one = c.get(f"/api/v1/calls/{masked[0]['id']}", headers=_token(c, app, "calls:read")).json()
        assert one["record"] is None and "****" in one["phone"]
        full = c.get("/api/v1/calls", headers=_token(c, app, "calls:read personal:read")).json()["calls"]
        assert any(x["phone"] == "+8613800000000" for x in full)


def test_blacklist_page_masks_for_operators_and_removes_by_entry(app: Any) -> None:
    """The blacklist page shows an operator 139****1234 and never puts the number in the page
    (the remove button sends the entry's id); an admin sees the number."""
    from runtime.campaigns import blacklist

    blacklist.add(app.state.engine, "13955550123")
    with TestClient(app) as c:
        sign_in(c, "op")
        html = c.get("/operator/blacklist", headers={"accept": "text/html"}).text
        assert "+86139****0123" in html and "13955550123" not in html
        with app.state.engine.connect() as conn:
            entry = conn.execute(select(T.blacklist.c.id).where(T.blacklist.c.phone == "+8613955550123")).scalar_one()
        assert f'name="entry" value="{entry}"' in html
        r = c.post("/operator/blacklist/remove", data={"entry": str(entry), "_csrf_token": csrf_of(c)},
                   headers={"accept": "text/html"}, follow_redirects=True)
        assert r.status_code == 200 and "13955550123" not in r.text
    with app.state.engine.connect() as conn:
        assert conn.execute(select(T.blacklist.c.id).where(T.blacklist.c.id == entry)).first() is None
    blacklist.add(app.state.engine, "13955550123")
    with TestClient(app) as c:
        sign_in(c, "admin")
        assert "+8613955550123" in c.get("/operator/blacklist", headers={"accept": "text/html"}).text


def test_opening_a_call_is_audited(app: Any) -> None:
    from runtime.audit.log import AuditFilter, list_entries

    call_id = _first_call(app)
    with TestClient(app) as c:
        sign_in(c, "op")
        assert c.get(f"/operator/calls/{call_id}", headers={"accept": "text/html"}).status_code == 200
    seen = list_entries(app.state.engine, AuditFilter(action="call.view", target_id=str(call_id)))
    assert seen and seen[0]["actor"] == "op"
