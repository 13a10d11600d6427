"""The admin's audit page: filters, chain verdict, CSV download (itself audited); changes made
through pages are recorded with the signed-in user and the client address; other roles are refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from litestar.testing import TestClient

from runtime.audit.log import AuditFilter, list_entries
from tests.support.compliance_web import compliance_app, sign_in

pytestmark = pytest.mark.offline


def test_page_change_is_audited_with_user_and_address_and_page_filters_it(tmp_path: Path) -> None:
    app = compliance_app(tmp_path)
    with TestClient(app) as c:
        tok = sign_in(c, "admin")
        r = c.post("/users/op/role", data={"role": "reviewer", "_csrf_token": tok}, follow_redirects=False)
        assert r.status_code in (302, 303)
        e = list_entries(app.state.engine, AuditFilter(action="user.role"))[0]
        assert (e["actor"], e["address"], e["target_id"]) == ("admin", "testclient", "op")
        html = c.get("/audit", params={"action": "user."}, headers={"accept": "text/html"}).text
        assert "user.role" in html and "user.create" in html
        html = c.get("/audit", params={"action": "user.role"}, headers={"accept": "text/html"}).text
        assert "user.role" in html and "user.create" not in html
        assert "nav-audit" in html
        html = c.get("/audit", params={"verify": "1"}).text
        assert 'id="audit-verdict"' in html and "flash ok" in html
        bad = c.get("/audit", params={"since": "yesterday"})
        assert bad.status_code == 400 and "since" in bad.text


def test_csv_download_holds_the_filtered_entries_and_is_itself_audited(tmp_path: Path) -> None:
    app = compliance_app(tmp_path)
    with TestClient(app) as c:
        sign_in(c, "admin")
        r = c.get("/audit/export.csv", params={"action": "user.create"})
        assert r.status_code == 200
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0][:5] == ["seq", "at", "actor", "address", "action"]
        assert {row[6] for row in rows[1:]} == {"admin", "op", "rev", "des"}
        got = list_entries(app.state.engine, AuditFilter(action="export.audit"))
        assert len(got) == 1 and got[0]["actor"] == "admin"


@pytest.mark.parametrize("user", ["op", "rev", "des"])
def test_other_roles_cannot_read_the_trail(tmp_path: Path, user: str) -> None:
    app = compliance_app(tmp_path)
    with TestClient(app) as c:
        sign_in(c, user)
        assert c.get("/audit").status_code == 403
        assert c.get("/audit/export.csv").status_code == 403
        assert "nav-audit" not in c.get("/scripts", headers={"accept": "text/html"}).text
