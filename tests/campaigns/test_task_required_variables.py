"""A task whose mapping does not supply a variable the script requires is refused at creation,
update, start and when numbers are added, naming the variables."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from runtime.campaigns import tables as T
from runtime.campaigns.tasks import (
    TaskError,
    TaskSpec,
    TaskStateError,
    create_task,
    set_status,
    update_task,
)
from tests.support.cli import campaign_create, invoke


def test_cli_refuses_a_task_whose_mapping_lacks_a_required_variable(task_env):
    url, tmp, engine, lst = task_env
    out = campaign_create(url, "--file", str(lst), code=1).output
    assert "extra_fee" in out and "--var" in out
    with engine.connect() as c:  # refused, not stored, and the upload removed
        assert c.execute(select(T.tasks.c.id)).first() is None
        assert c.execute(select(T.sources.c.id)).first() is None
    assert "created task" in campaign_create(url, "--file", str(lst), "--var", "extra_fee=fee").output


def test_core_refuses_at_creation_update_and_start_naming_the_variables(task_env):
    url, tmp, engine, lst = task_env
    tid = json.loads(campaign_create(url, "--file", str(lst), "--var", "extra_fee=fee", "--json").output)["id"]
    with pytest.raises(TaskError, match="requires variable.*extra_fee"):
        update_task(engine, tid, {"mapping": {"phone": "phone"}})
    with engine.begin() as c:  # a mapping stored before the check: start refuses it
        c.execute(update(T.tasks).where(T.tasks.c.id == tid).values(mapping=json.dumps({"phone": "phone"})))
    out = invoke(["campaign", "--db", url, "start", str(tid)], 1).output
    assert f"cannot start task {tid}" in out and "extra_fee" in out
    with pytest.raises(TaskStateError, match="extra_fee"):  # the web operator page calls this
        from runtime.campaigns.scripts import store_resolver

        set_status(engine, tid, "start", store_resolver(engine))


def test_start_checks_the_resolved_script_when_the_store_does_not_have_it(sqlite_engine, tmp_path):
    from runtime.campaigns.sources import SourceSpec, save_source

    f = tmp_path / "l.csv"
    f.write_text("phone,fee\n13800000010,1\n", encoding="utf-8")
    source_id = save_source(sqlite_engine, "l", SourceSpec(kind="csv", path=str(f)))
    doc = {"format": "huashu.script/1", "id": "own", "name": "own", "language": "zh-CN", "start": "a",
           "variables": {"fee": {"type": "amount", "required": True}},
           "nodes": [{"id": "a", "type": "end", "outcome": "done", "prompt": {"text": "${fee} ${who}"}}]}
    t = create_task(sqlite_engine, TaskSpec(name="x", business="b", script_id="own", source_id=source_id,
                                            mapping={"phone": "phone", "variables": {"fee": "fee"}}))
    with pytest.raises(TaskStateError, match=r"requires variable\(s\) who"):  # used in a prompt, undeclared
        set_status(sqlite_engine, t.id, "start", lambda sid, v: doc)


def test_cli_add_numbers_refuses_a_mapping_without_the_variable(task_env):
    url, tmp, _, lst = task_env
    tid = json.loads(campaign_create(url, "--numbers-later", "--json").output)["id"]
    out = invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst)], 1).output
    assert "extra_fee" in out
