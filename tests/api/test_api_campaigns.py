"""The REST API with OAuth2 client credentials, over the real app (``web.app.create_app``)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session

from runtime.campaigns.clock import utcnow
from web.api.models import ApiToken
from web.api.oauth import create_client, revoke_client

ALL = "config:read tasks:read tasks:write calls:read personal:read"


def _token(client, cid, secret, scope=None):
    data = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    if scope:
        data["scope"] = scope
    return client.post("/oauth/token", data=data)


def _auth(client, engine, scopes=ALL):
    cid, secret = create_client(engine, "crm", scopes)
    r = _token(client, cid, secret)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_token_endpoint_follows_rfc6749(app_env):
    client, engine = app_env
    cid, secret = create_client(engine, "crm", "config:read tasks:read")
    r = _token(client, cid, secret)
    body = r.json()
    assert r.status_code == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "config:read tasks:read" and r.headers["cache-control"] == "no-store"
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200
    assert _token(client, cid, "wrong").json()["error"] == "invalid_client"
    assert _token(client, cid, "wrong").status_code == 401
    assert _token(client, cid, secret, "tasks:write").json()["error"] == "invalid_scope"
    r = client.post("/oauth/token", data={"grant_type": "password", "client_id": cid, "client_secret": secret})
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")
    revoke_client(engine, cid)
    assert _token(client, cid, secret).status_code == 401


def test_wrong_expired_and_underscoped_tokens(app_env):
    client, engine = app_env
    assert client.get("/api/v1/scripts").status_code == 401
    r = client.get("/api/v1/scripts", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["status"] == 401 and "bearer" in r.headers["www-authenticate"].lower()
    h = _auth(client, engine, "config:read")
    assert client.get("/api/v1/scripts", headers=h).status_code == 200
    r = client.post("/api/v1/tasks", json={"name": "x", "business": "b", "script_id": "s"}, headers=h)
    assert r.status_code == 403 and "tasks:write" in r.json()["error"]
    with Session(engine) as s:
        s.exec(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))  # type: ignore[call-overload]
        s.commit()
    assert client.get("/api/v1/scripts", headers=h).status_code == 401


def test_task_numbers_status_and_calls(app_env):
    client, engine = app_env
    h = _auth(client, engine)
    cfg = client.get("/api/v1/scripts", headers=h).json()
    assert [s["id"] for s in cfg] == ["data-pack-upgrade"] and cfg[0]["approved_version"] == 1
    assert client.get("/api/v1/lines", headers=h).json()[0]["driver"] == "simulator"
    assert {v["provider"] for v in client.get("/api/v1/voices", headers=h).json()} >= {"espeak"}

    r = client.post("/api/v1/tasks", headers=h, json={
        "name": "api", "business": "data", "script_id": "data-pack-upgrade", "script_version": 1, "windows": "",
        "mapping": {"phone": "phone", "variables": {"extra_fee": "extra_fee"}}, "calls_per_second": 100,
    })
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    r = client.post(f"/api/v1/tasks/{tid}/numbers", headers=h, json={"numbers": [
        {"phone": "13800000010", "variables": {"extra_fee": 30}}, {"phone": "oops"}, {"phone": "13800000021", "variables": {"extra_fee": 9}}]})
    body = r.json()
    assert (body["queued"], body["dropped"]) == (2, 1) and body["dropped_numbers"][0]["index"] == 2
    assert client.post(f"/api/v1/tasks/{tid}/status", headers=h, json={"action": "pause"}).status_code == 409
    r = client.post(f"/api/v1/tasks/{tid}/status", headers=h, json={"action": "start"})
    assert r.json() == {"id": tid, "status": "running"}

    import asyncio

    from runtime.campaigns.node import RuntimeNode
    from runtime.campaigns.scripts import store_resolver
    from runtime.campaigns.sim_runner import SimulatorRunner

    node = RuntimeNode(engine, SimulatorRunner(store_resolver(engine), seed=1), lambda t, e: [], node_id="api")
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))

    calls = client.get(f"/api/v1/calls?task_id={tid}", headers=h).json()
    assert calls["total"] >= 2 and {c["phone"] for c in calls["calls"]} >= {"+8613800000010", "+8613800000021"}
    one = client.get(f"/api/v1/calls/{calls['calls'][0]['id']}", headers=h).json()
    assert "record" in one and one["outcome"]
    t = client.get(f"/api/v1/tasks/{tid}", headers=h).json()
    assert t["progress"]["attempts"] == calls["total"] and t["status"] == "completed"


def test_malformed_payloads_get_400_json(app_env):
    client, engine = app_env
    h = _auth(client, engine)
    r = client.post("/api/v1/tasks", headers=h, content=b"{not json", )
    assert r.status_code == 400 and r.json()["status"] == 400
    r = client.post("/api/v1/tasks", headers=h, json={"name": "x"})
    assert r.status_code == 400
    r = client.post("/api/v1/tasks", headers=h, json={"name": "x", "business": "b", "script_id": "s", "cron": "0 99 * * *", "schedule": "cron"})
    assert r.status_code == 400 and "hour field: 99" in r.json()["error"]
    r = client.post("/api/v1/tasks/999/status", headers=h, json={"action": "start"})
    assert r.status_code == 404
    r = client.post("/api/v1/tasks/1/status", headers=h, json={"action": "explode"})
    assert r.status_code == 400
    assert client.get("/api/v1/calls?limit=0", headers=h).status_code == 400
    assert client.get(f"/api/v1/tasks/{10**30}", headers=h).status_code == 400
    r = client.post("/api/v1/tasks", headers=h, json={"name": "x", "business": "b", "script_id": "s", "max_concurrent": 10**30})
    assert r.status_code == 400 and "out of range" in r.json()["error"]


def test_client_command(tmp_path):
    from click.testing import CliRunner

    from huashu.cli import cli

    url = f"sqlite:///{tmp_path / 'c.db'}"
    r = CliRunner().invoke(cli, ["client", "--db", url, "create", "crm", "--scopes", "tasks:read", "--json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.output)
    listed = json.loads(CliRunner().invoke(cli, ["client", "--db", url, "list", "--json"]).output)
    assert [c["client_id"] for c in listed] == [made["client_id"]] and made["client_secret"] not in json.dumps(listed)
    r = CliRunner().invoke(cli, ["client", "--db", url, "create", "x", "--scopes", "root"])
    assert r.exit_code == 1 and "unknown scope" in r.output
    assert CliRunner().invoke(cli, ["client", "--db", url, "revoke", made["client_id"]]).exit_code == 0
    assert CliRunner().invoke(cli, ["client", "--db", url, "revoke", made["client_id"]]).exit_code == 1


def _audience(engine, phones: list[str]) -> int:
    import numpy as np

    from runtime.audience.control import set_policy
    from runtime.audience.store import save_audience

    frame = {"customer_id": np.arange(1, len(phones) + 1, dtype=np.int64), "phone": np.asarray(phones, dtype=object),
             "plan": np.asarray(["4g_58"] * len(phones), dtype=object)}
    with Session(engine) as s:
        set_policy(s, 0.0, "api-salt")  # no hold-out: every member is callable
        aud = save_audience(s, "winback", frame, np.arange(len(phones)), None, "rule")
        s.commit()
        assert aud.id is not None
        return aud.id


def test_task_from_a_saved_audience_dials_its_members(app_env):
    client, engine = app_env
    h = _auth(client, engine)
    phones = ["13900000101", "13900000102", "13900000103"]
    aid = _audience(engine, phones)
    r = client.post("/api/v1/tasks", headers=h, json={
        "name": "winback", "business": "data", "script_id": "data-pack-upgrade", "script_version": 1, "windows": "",
        "audience_id": aid, "calls_per_second": 100})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["audience_id"], body["best_time"], body["source_id"]) == (aid, False, None)
    tid = body["id"]
    assert client.get(f"/api/v1/tasks/{tid}", headers=h).json()["audience_id"] == aid
    assert client.post(f"/api/v1/tasks/{tid}/status", headers=h, json={"action": "start"}).status_code == 200

    import asyncio

    from runtime.campaigns.loading import source_rows
    from runtime.campaigns.node import RuntimeNode
    from runtime.campaigns.scripts import store_resolver
    from runtime.campaigns.sim_runner import SimulatorRunner

    node = RuntimeNode(engine, SimulatorRunner(store_resolver(engine), seed=1), source_rows(engine), node_id="api-aud")
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))
    calls = client.get(f"/api/v1/calls?task_id={tid}", headers=h).json()["calls"]
    assert {c["phone"] for c in calls} == {f"+86{p}" for p in phones}
    assert client.get(f"/api/v1/tasks/{tid}", headers=h).json()["status"] == "completed"

    r = client.post("/api/v1/tasks", headers=h, json={
        "name": "best", "business": "card", "script_id": "data-pack-upgrade", "audience_id": aid, "best_time": True})
    assert r.status_code == 201 and r.json()["best_time"] is True


def test_audience_and_data_source_together_are_refused(app_env):
    client, engine = app_env
    h = _auth(client, engine)
    aid = _audience(engine, ["13900000201"])
    base = {"name": "x", "business": "b", "script_id": "data-pack-upgrade"}
    r = client.post("/api/v1/tasks", headers=h, json={**base, "audience_id": aid, "source_id": 1})
    assert r.status_code == 400 and r.json()["status"] == 400
    assert r.json()["error"].startswith("audience_id:") and "source_id" in r.json()["error"]
    r = client.post("/api/v1/tasks", headers=h, json={**base, "audience_id": aid, "query": "SELECT 1"})
    assert r.status_code == 400 and r.json()["error"].startswith("query:")
    r = client.post("/api/v1/tasks", headers=h, json={**base, "audience_id": aid + 99})
    assert r.status_code == 400 and r.json()["error"] == f"audience_id: no audience with id {aid + 99}"
    r = client.post("/api/v1/tasks", headers=h, json={**base, "audience_id": 0})
    assert r.status_code == 400 and "audience_id" in r.json()["error"]
    r = client.post("/api/v1/tasks", headers=h, json={**base, "best_time": "often"})
    assert r.status_code == 400
    assert client.get("/api/v1/tasks", headers=h).json() == []  # nothing half-created


def test_openapi_shows_the_audience_fields(app_env):
    client, _ = app_env
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    task_in = next(v for k, v in schemas.items() if k.endswith("TaskIn"))
    assert {"audience_id", "best_time"} <= set(task_in["properties"])
    assert "boolean" in json.dumps(task_in["properties"]["best_time"])
