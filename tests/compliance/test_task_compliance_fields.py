"""A task's business type, region policy and consent mapping from the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlmodel import Session

from designer import store
from huashu.core.db import init_db, make_engine
from tests.support.compliance_web import compliance_app
from web.api.oauth import create_client

pytestmark = pytest.mark.offline


def test_api_task_with_business_type_and_policy(tmp_path: Path) -> None:
    app: Any = compliance_app(tmp_path)
    with TestClient(app) as c:
        cid, secret = create_client(app.state.engine, "crm", "tasks:write tasks:read")
        tok = c.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid,
                                           "client_secret": secret}).json()["access_token"]
        h = {"authorization": f"Bearer {tok}"}
        body = {"name": "t", "business": "b", "script_id": "s", "business_type": "marketing", "region_policy": "cn",
                "mapping": {"phone": "phone", "consent": {"basis": "basis"}}}
        r = c.post("/api/v1/tasks", json=body, headers=h)
        assert r.status_code == 201, r.text
        got = r.json()
        assert (got["business_type"], got["region_policy"], got["mapping"]["consent"]) == ("marketing", "cn",
                                                                                         {"basis": "basis"})
        from runtime.audit.log import AuditFilter, list_entries

        e = list_entries(app.state.engine, AuditFilter(action="task.create"))[0]
        assert e["actor"] == f"client:{cid}" and e["address"] == "testclient"
        bad = c.post("/api/v1/tasks", json={**body, "region_policy": "mars"}, headers=h)
        assert bad.status_code == 400 and "region_policy" in bad.text
        bad = c.post("/api/v1/tasks", json={**body, "business_type": "spam"}, headers=h)
        assert bad.status_code == 400


def test_cli_task_with_consent_columns(tmp_path: Path) -> None:
    from huashu.cli import cli

    url = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(url)
    init_db(engine)
    doc = json.loads((Path(__file__).parents[2] / "scripts_library" / "broadband_renewal.json").read_text("utf-8"))
    with Session(engine) as s:
        sid = store.import_document(s, doc, actor="des").script_id
        s.commit()
    r = CliRunner().invoke(cli, ["campaign", "--db", url, "create", "--name", "t", "--business", "b", "--script", sid,
                                 "--numbers-later", "--business-type", "marketing", "--region-policy", "us",
                                 "--consent", "basis=optin,date=optin_at", "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["business_type"] == "marketing" and got["region_policy"] == "us"
    assert json.loads(got["mapping"])["consent"] == {"basis": "optin", "date": "optin_at"} if isinstance(
        got["mapping"], str) else got["mapping"]["consent"] == {"basis": "optin", "date": "optin_at"}
