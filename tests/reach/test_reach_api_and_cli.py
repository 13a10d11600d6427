"""Caller-id pools, priority and SMS rules over the REST API (the real app, OAuth2) and the CLI:
the same services answer, errors are messages with a status, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from designer import store
from huashu.cli import cli
from huashu.core.db import init_db, make_engine
from tests.support.web_client import api_app
from web.api.oauth import create_client

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


@pytest.fixture
def api(tmp_path):
    with api_app(tmp_path) as (client, engine):
        cid, secret = create_client(engine, "crm", "config:read tasks:read tasks:write calls:read")
        tok = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid,
                                                 "client_secret": secret}).json()["access_token"]
        yield client, {"Authorization": f"Bearer {tok}"}


def test_pools_priority_and_sms_rules_over_the_api(api) -> None:
    client, h = api
    r = client.post("/api/v1/callerid/pools/local/numbers", headers=h,
                    json={"numbers": [{"number": "13912345678"}, {"number": "13800138000", "cap": 5}, {"number": "x"}]})
    assert r.status_code == 200 and r.json()["added"] == 2 and r.json()["errors"][0].startswith("numbers[3]")
    assert client.get("/api/v1/callerid/pools", headers=h).json()[0]["numbers"] == 2
    pick = client.get("/api/v1/callerid/pools/local/pick", params={"number": "13912340000"}, headers=h).json()
    assert pick["caller_id"] == "+8613912345678" and pick["rule"] == "city"
    assert client.get("/api/v1/callerid/pools/nope/numbers", headers=h).status_code == 404
    r = client.post("/api/v1/tasks", headers=h, json={"name": "t", "business": "b", "script_id": "data-pack-upgrade",
                                                     "caller_pool": "local", "priority": 7})
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["caller_pool"] == "local" and t["priority"] == 7
    r = client.patch(f"/api/v1/tasks/{t['id']}/reach", headers=h, json={"priority": 2})
    assert r.json()["priority"] == 2
    r = client.patch(f"/api/v1/tasks/{t['id']}/reach", headers=h, json={"caller_pool": "nope"})
    assert r.status_code == 400 and "no caller-id pool named 'nope'" in r.json()["detail"]
    r = client.post(f"/api/v1/tasks/{t['id']}/sms/rules", headers=h,
                    json={"name": "link", "template": "${name}您好，充值链接 https://x.cn", "intent": "再考虑"})
    assert r.status_code == 201 and r.json()["length"]["segments"] == 1
    r = client.post(f"/api/v1/tasks/{t['id']}/sms/rules", headers=h, json={"name": "x", "template": "hi"})
    assert r.status_code == 400 and "at least one condition" in r.json()["detail"]
    assert len(client.get(f"/api/v1/tasks/{t['id']}/sms/rules", headers=h).json()) == 1
    msgs = client.get(f"/api/v1/tasks/{t['id']}/sms/messages", headers=h).json()
    assert msgs["summary"]["queued"] == 0 and msgs["messages"] == []


@pytest.mark.offline
def test_sms_cli(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(db)
    init_db(engine)
    from tests.support.scripts import running_task

    tid = running_task(engine)
    run = CliRunner().invoke
    r = run(cli, ["sms", "--db", db, "add-rule", str(tid), "--name", "twice", "--template", "两次未接通，请回电",
                  "--outcome", "no_answer", "--attempts", "2", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["attempts"] == 2
    r = run(cli, ["sms", "--db", db, "add-rule", str(tid), "--name", "bad", "--template", "x", "--outcome", "nope"])
    assert r.exit_code != 0 and "outcome: 'nope'" in r.output and "Traceback" not in r.output
    assert "twice" in run(cli, ["sms", "--db", db, "rules", str(tid)]).output
    r = run(cli, ["sms", "count", "您" * 71, "--json"])
    assert json.loads(r.output) == {"encoding": "ucs2", "units": 71, "segments": 2, "per_segment": 67}
    assert json.loads(run(cli, ["sms", "--db", db, "messages", str(tid), "--json"]).output)["messages"] == []


def test_campaign_create_with_a_pool_and_priority_and_the_list_shows_it(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    engine = make_engine(db)
    init_db(engine)
    with Session(engine) as s:
        script_id = store.import_document(s, json.loads((LIB / "data_pack_upgrade.json").read_text()), actor="d").script_id
        s.commit()
    run = CliRunner().invoke
    f = tmp_path / "pool.csv"
    f.write_text("13912345678\n", encoding="utf-8")
    assert run(cli, ["callerid", "--db", db, "import", "local", str(f)]).exit_code == 0
    r = run(cli, ["campaign", "--db", db, "create", "--name", "urgent", "--business", "b", "--script", script_id,
                  "--numbers-later", "--caller-pool", "local", "--priority", "9", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert (d["caller_pool"], d["priority"]) == ("local", 9)
    r = run(cli, ["campaign", "--db", db, "create", "--name", "x", "--business", "b", "--script", script_id,
                  "--numbers-later", "--caller-pool", "nope"])
    assert r.exit_code != 0 and "caller_pool: no caller-id pool named 'nope'" in r.output
    r = run(cli, ["campaign", "--db", db, "update", str(d["id"]), "--set", "priority=4"])
    assert r.exit_code == 0, r.output
    listing = run(cli, ["campaign", "--db", db, "list", "--json"]).output
    assert json.loads(listing)[0]["priority"] == 4
    assert "priority" in run(cli, ["campaign", "--db", db, "list"], env={"COLUMNS": "220"}).output
