"""Property-based tests of the REST API with schemathesis against the OpenAPI the app serves:
no input the schema allows (or a malformed one) may produce a server error or a non-JSON answer.

Random ids almost never name a row, so the database is seeded with tasks in every state the
status endpoint can meet — including rows that predate today's checks (a cron that never fires,
a mapping without the script's required variable) — and with calls; generated ``task_id`` and
``call_id`` values are drawn from those ids as well as from the schema. Every operation,
task creation and the status change included, runs ``MAX_EXAMPLES`` examples; the file takes
25-40 s here (2 shared cores, depending on load). ``test_every_action_on_every_seeded_task_is_not_a_server_error``
walks the status matrix deterministically, so the 500 of an impossible cron cannot hide
behind the luck of the draw.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlalchemy import insert, update
from sqlmodel import Session

from designer import store
from huashu.core.config import Settings
from huashu.core.db import init_db, make_engine
from runtime.campaigns import tables as T
from runtime.campaigns.claims import CallReport, claim, finish_attempt, start_attempt
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.scripts import store_resolver
from runtime.campaigns.sources import SourceSpec, save_source
from runtime.campaigns.tasks import TaskSpec, create_task, get_task, set_status
from web.api.oauth import create_client, issue_token

MAX_EXAMPLES = 100
SID = "data-pack-upgrade"

_TMP = Path(tempfile.mkdtemp(prefix="hs_api_st_"))
_SETTINGS = Settings(data_dir=_TMP, database_url=f"sqlite:///{_TMP / 'api.db'}", secret_key="schemathesis")
_ENGINE = make_engine(_SETTINGS.db_url)
init_db(_ENGINE)
with Session(_ENGINE) as _s:
    _v = store.import_document(
        _s, json.loads((Path(__file__).resolve().parents[2] / "scripts_library" / "data_pack_upgrade.json").read_text()), actor="d"
    )
    store.submit(_s, _v.script_id, _v.number, actor="d")
    store.approve(_s, _v.script_id, _v.number, actor="r")
    _s.commit()
_CID, _SECRET = create_client(_ENGINE, "schemathesis", "config:read tasks:read tasks:write calls:read")
_TOKEN = issue_token(_ENGINE, _CID, _SECRET).access_token


def _seed() -> tuple[list[int], list[int]]:
    """Tasks in every status (and two stored before today's checks) with numbers and calls."""
    resolver = store_resolver(_ENGINE)
    lst = _TMP / "list.csv"
    lst.write_text("phone,fee\n13800000010,20\n13800000021,35\n", encoding="utf-8")
    source_id = save_source(_ENGINE, "list", SourceSpec(kind="csv", path=str(lst)))

    def task(name: str, **kw: Any) -> int:
        t = create_task(_ENGINE, TaskSpec(name=name, business="data", script_id=SID, windows="", **kw))
        assert t.id is not None
        return t.id

    fee = {"phone": "phone", "variables": {"extra_fee": "fee"}}
    ids = {
        "draft": task("draft"),
        "bad_cron": task("bad cron", schedule_kind="cron", cron="0 9 * * *", timezone="UTC"),
        "no_var": task("no variable", source_id=source_id, mapping=fee),
        "running": task("running", source_id=source_id, mapping=fee),
        "paused": task("paused"),
        "completed": task("completed"),
        "cron": task("cron", schedule_kind="cron", cron="*/5 * * * *"),
    }
    with _ENGINE.begin() as c:  # values stored before the checks existed
        c.execute(update(T.tasks).where(T.tasks.c.id == ids["bad_cron"]).values(cron="0 9 31 2 *"))
        c.execute(update(T.tasks).where(T.tasks.c.id == ids["no_var"]).values(mapping=json.dumps({"phone": "phone"})))
    for name in ("running", "paused", "completed", "cron"):
        set_status(_ENGINE, ids[name], "start", resolver)
    rows = [CustomerRow(i, f"1390000{i:04d}", "abc" if i == 2 else None, variables={"extra_fee": i}) for i in range(1, 6)]
    add_numbers(_ENGINE, ids["running"], rows)
    task_row = get_task(_ENGINE, ids["running"])
    calls = []
    for job, outcome in zip(claim(_ENGINE, "st", ids["running"], 3), ("connected", "no_answer", "busy"), strict=False):
        att = start_attempt(_ENGINE, job, "st")
        assert att is not None
        finish_attempt(_ENGINE, att, job, CallReport(outcome, record={"turns": []}), task_row, "st")
        calls.append(att)
    with _ENGINE.begin() as c:  # a call still up, no record yet
        r = c.execute(insert(T.attempts).values(job_id=1, task_id=ids["running"], phone="+8613900000005", leg="primary",
                                                node_id="st", state="up", started_at=task_row.created_at, ring_ms=0,
                                                talk_ms=0, opt_out=False).returning(T.attempts.c.id)).one()
        calls.append(int(r[0]))
    set_status(_ENGINE, ids["paused"], "pause")
    set_status(_ENGINE, ids["completed"], "stop")
    return sorted(ids.values()), calls


_TASK_IDS, _CALL_IDS = _seed()


def _app():
    from web.app import create_app

    return create_app(_SETTINGS, _ENGINE, debug=True)


schema = schemathesis.openapi.from_asgi("/schema/openapi.json", _app()).include(path_regex=r"^/(api/v1|oauth)/")


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Draw ``task_id`` / ``call_id`` from the seeded rows as often as from the schema."""
    if not path_parameters:
        return st.just(path_parameters)
    for key, seeded in (("task_id", _TASK_IDS), ("call_id", _CALL_IDS)):
        if key in path_parameters:
            return st.sampled_from([*seeded, path_parameters[key]]).map(lambda v, k=key: {**path_parameters, k: v})
    return st.just(path_parameters)


def no_5xx(ctx: Any, response: Any, case: Any) -> bool | None:
    """Said plainly, with the body: whatever the input, the API answers 2xx-4xx."""
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:800]}")
    return None


@pytest.mark.slow  # MAX_EXAMPLES per operation: most of the file's 25-40 s; `make test` runs it
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_input(case):
    headers = {"Authorization": f"Bearer {_TOKEN}"}
    case.call_and_validate(headers=headers,
                           checks=[no_5xx, not_a_server_error, content_type_conformance, response_schema_conformance])


def test_every_action_on_every_seeded_task_is_not_a_server_error():
    from litestar.testing import TestClient

    headers = {"Authorization": f"Bearer {_TOKEN}"}
    with TestClient(_app()) as client:
        for action in ("start", "pause", "start", "stop", "delete", "start"):
            for tid in _TASK_IDS:
                r = client.post(f"/api/v1/tasks/{tid}/status", headers=headers, json={"action": action})
                assert r.status_code in (200, 404, 409), (tid, action, r.status_code, r.text)
                assert r.headers["content-type"].startswith("application/json")
