"""The REST API checks a task as the CLI does: an impossible cron is refused at creation and its
start is a 409 (not a 500), a cron needs a recurring schedule, a mapping must supply the script's
required variables, and a bad secondary number is reported in the response."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from runtime.campaigns import tables as T
from web.api.oauth import create_client

ALL = "config:read tasks:read tasks:write calls:read personal:read"
SID = "data-pack-upgrade"


@pytest.fixture
def api(app_env, tmp_path):
    client, engine = app_env
    cid, secret = create_client(engine, "crm", ALL)
    r = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
    assert r.status_code == 200, r.text
    yield client, {"Authorization": f"Bearer {r.json()['access_token']}"}, engine, tmp_path


def _task(client, h, **kw) -> dict:
    r = client.post("/api/v1/tasks", headers=h, json={"name": "t", "business": "data", "script_id": SID, "windows": "", **kw})
    return {**r.json(), "http": r.status_code}


def test_impossible_cron_is_refused_at_create_and_start_is_a_409_not_a_500(api):
    client, h, engine, _ = api
    got = _task(client, h, schedule="cron", cron="0 9 31 2 *")
    assert got["http"] == 400 and "never fires" in got["error"] and "day of month" in got["error"]
    tid = _task(client, h, schedule="cron", cron="0 9 * * *")["id"]
    with engine.begin() as c:  # a value stored before the check existed
        c.execute(update(T.tasks).where(T.tasks.c.id == tid).values(cron="0 9 31 2 *"))
    r = client.post(f"/api/v1/tasks/{tid}/status", headers=h, json={"action": "start"})
    assert r.status_code == 409, r.text
    assert f"cannot start task {tid}" in r.json()["error"] and "never fires" in r.json()["error"]


def test_cron_with_a_one_off_schedule_is_refused_not_stored(api):
    client, h, _, _ = api
    got = _task(client, h, schedule="once", cron="garbage")
    assert got["http"] == 400 and got["error"].startswith("cron:") and "once" in got["error"]
    assert client.get("/api/v1/tasks", headers=h).json() == []


def test_a_mapping_without_a_required_variable_is_refused(api):
    from runtime.campaigns.sources import SourceSpec, save_source

    client, h, engine, tmp = api
    f = tmp / "l.csv"
    f.write_text("phone,fee\n13800000010,20\n", encoding="utf-8")
    source_id = save_source(engine, "l", SourceSpec(kind="csv", path=str(f)))
    got = _task(client, h, source_id=source_id, mapping={"phone": "phone"})
    assert got["http"] == 400 and "extra_fee" in got["error"] and got["error"].startswith("mapping:")
    got = _task(client, h, source_id=source_id, mapping={"phone": "phone", "variables": {"extra_fee": "fee"}})
    assert got["http"] == 201
    with engine.begin() as c:  # stored before the check: start says why instead of cancelling every call
        c.execute(update(T.tasks).where(T.tasks.c.id == got["id"]).values(mapping=json.dumps({"phone": "phone"})))
    r = client.post(f"/api/v1/tasks/{got['id']}/status", headers=h, json={"action": "start"})
    assert r.status_code == 409 and "extra_fee" in r.json()["error"]


def test_add_numbers_reports_a_bad_secondary_number(api):
    client, h, _, _ = api
    tid = _task(client, h)["id"]
    r = client.post(f"/api/v1/tasks/{tid}/numbers", headers=h, json={"numbers": [
        {"phone": "13800000010", "secondary_phone": "abc", "variables": {"extra_fee": 3}},
        {"phone": "13800000021", "secondary_phone": "13900000021", "variables": {"extra_fee": 3}},
    ]})
    body = r.json()
    assert r.status_code == 200 and body["queued"] == 2 and body["dropped"] == 0
    assert body["flagged"] == 1
    (flag,) = body["flagged_numbers"]
    assert flag["index"] == 1 and flag["reason"] == "bad_secondary"
    assert "'abc'" in flag["message"] and "primary number is kept" in flag["message"]
