"""Call tasks refused at creation (mapping, script, file, no source) leave nothing behind, usage
errors exit 2, a run that fails is shown as failed with its error, and ``runtime run --once`` says
why it dialled nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from huashu.core.db import init_db, make_engine
from runtime.campaigns.models import DataSource
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task, update_task
from tests.support.cli import campaign_create, invoke

SID = "data-pack-upgrade"
FEE = ("--var", "extra_fee=fee")  # the script requires extra_fee: a task from a file must map it


@pytest.fixture
def qa_env(cli_db, tmp_path):
    url, engine = cli_db
    lst = tmp_path / "list.csv"
    lst.write_text("phone,name,fee\n13800000010,Li,20\n13800000021,Wang,35\n", encoding="utf-8")
    yield url, tmp_path, engine, lst


def _cli(args: list[str], code: int) -> str:
    return invoke(args, code).output


def _create(url: str, *extra: str, code: int = 0) -> str:
    return campaign_create(url, *extra, name="qa", business="b", code=code).output


def _uploads(engine, tmp: Path) -> tuple[int, list[Path]]:
    with Session(engine) as s:
        n = len(s.exec(select(DataSource)).all())
    folder = tmp / "var" / "uploads"
    return n, sorted(folder.iterdir()) if folder.exists() else []


def test_comma_separated_map_is_two_pairs(qa_env):
    url, _, _, lst = qa_env
    task = json.loads(_create(url, "--file", str(lst), "--map", "phone=phone,name=name", *FEE, "--json"))
    assert task["mapping"] == {"phone": "phone", "name": "name", "variables": {"extra_fee": "fee"}}


@pytest.mark.parametrize("args, code, words", [
    (["--map", "name=nosuch"], 1, "'nosuch' not in the source"),
    (["--map", "phone=phone,name"], 2, "'name' is not KEY=VALUE"),
    (["--script", "nosuchscript"], 1, "no script 'nosuchscript'"),
    (["--cron", ""], 2, "leave --cron out"),
    (["--cron", "0 25 * * *"], 2, "hour field: 25"),
    (["--tz", "Mars/Base"], 2, "unknown time zone"),
    (["--max-concurrent", "0"], 1, "max_concurrent"),
])
def test_refused_creates_leave_no_upload(qa_env, args, code, words):
    url, tmp, engine, lst = qa_env
    out = _create(url, "--file", str(lst), *args, code=code)
    assert words in out
    assert _uploads(engine, tmp) == (0, [])


def test_binary_file_and_no_source_are_refused(qa_env):
    url, tmp, engine, _ = qa_env
    for name, data in (("bin.bin", bytes(range(256)) * 3), ("bin.csv", b"\x00\xff\xfe\x01" * 200), ("empty.csv", b"phone\n")):
        (tmp / name).write_bytes(data)
        out = _create(url, "--file", str(tmp / name), code=1)
        assert "error:" in out and name in out
    assert _uploads(engine, tmp) == (0, [])
    assert "--numbers-later" in _create(url, code=2)
    assert "created task" in _create(url, "--numbers-later")


def test_core_refuses_bad_mapping_values_and_numbers(qa_env):
    _, _, engine, _ = qa_env
    for mapping, words in (({"phone": 5}, "not a column name"), ({"phone": "phone,name=name"}, "contains ','"),
                           ({"phone": "p", "variables": {"fee": "a=b"}}, "variable fee")):
        with pytest.raises(TaskError, match=words):
            create_task(engine, TaskSpec(name="x", business="b", script_id=SID, mapping=mapping))
    t = create_task(engine, TaskSpec(name="x", business="b", script_id=SID))
    assert t.id is not None
    for field, value in (("max_concurrent", "abc"), ("calls_per_second", "fast"), ("redial_count", 1.5),
                         ("spread", "yes")):
        with pytest.raises(TaskError, match=field):
            update_task(engine, t.id, {field: value})


def test_update_usage_errors_exit_2_and_bad_values_exit_1(qa_env):
    url, _, _, lst = qa_env
    tid = json.loads(_create(url, "--file", str(lst), *FEE, "--json"))["id"]
    assert "not a task field" in _cli(["campaign", "--db", url, "update", str(tid), "--set", "nosuchfield=1"], 2)
    assert "'abc' is not a whole number" in _cli(["campaign", "--db", url, "update", str(tid), "--set", "max_concurrent=abc"], 1)
    assert "'zz' not in the source" in _cli(["campaign", "--db", url, "update", str(tid), "--set", 'mapping={"phone": "zz"}'], 1)


def test_a_run_that_cannot_read_its_source_fails_the_task_visibly(qa_env):
    url, tmp, engine, lst = qa_env
    tid = json.loads(_create(url, "--file", str(lst), *FEE, "--windows", "", "--json"))["id"]
    _, files = _uploads(engine, tmp)
    files[0].unlink()  # the list disappears between creation and the run
    _cli(["campaign", "--db", url, "start", str(tid)], 0)
    out = _cli(["runtime", "run", "--db", url, "--once", "--node-id", "qa", "--json"], 0)
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["calls_started"] == 0
    assert any(f"task {tid} (qa) failed" in r and "cannot read" in r for r in summary["not_dialled"])
    prog = json.loads(_cli(["campaign", "--db", url, "progress", str(tid), "--json"], 0))
    assert prog["status"] == "failed" and prog["last_error"].startswith("run ") and "cannot read" in prog["last_error"]
    listed = json.loads(_cli(["campaign", "--db", url, "list", "--json"], 0))
    assert listed[0]["status"] == "failed" and "cannot read" in listed[0]["progress"]["last_error"]
    text = _cli(["campaign", "--db", url, "list"], 0)
    assert "failed" in text and "cannot read" in text
    _cli(["campaign", "--db", url, "delete", str(tid)], 0)


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_good_run_still_completes_without_error(qa_env):
    url, _, _, lst = qa_env
    tid = json.loads(_create(url, "--file", str(lst), *FEE, "--windows", "", "--cps", "100", "--json"))["id"]
    _cli(["campaign", "--db", url, "start", str(tid)], 0)
    summary = json.loads(_cli(["runtime", "run", "--db", url, "--once", "--node-id", "qa", "--json"], 0).strip().splitlines()[-1])
    assert summary["calls_started"] == 2
    prog = json.loads(_cli(["campaign", "--db", url, "progress", str(tid), "--json"], 0))
    assert prog["status"] == "completed" and prog["last_error"] is None


def test_once_run_says_numbers_wait_for_the_window_or_task_is_paused(qa_env):
    url, _, _, lst = qa_env
    hour = (datetime.now(ZoneInfo("Asia/Shanghai")).hour + 3) % 24  # a window that is closed now
    tid = json.loads(_create(url, "--file", str(lst), *FEE, "--windows", f"{hour:02d}:00-{hour:02d}:30", "--json"))["id"]
    _cli(["campaign", "--db", url, "start", str(tid)], 0)
    out = _cli(["runtime", "run", "--db", url, "--once", "--node-id", "qa"], 0)
    assert "0 calls started" in out and f"task {tid} (qa): 2 numbers wait for the calling window" in out
    _cli(["campaign", "--db", url, "pause", str(tid)], 0)
    out = _cli(["runtime", "run", "--db", url, "--once", "--node-id", "qa"], 0)
    assert "no running task" in out and f"task {tid} (qa) is paused with 2 numbers queued" in out


def test_progress_heading_uses_the_terminal_width(qa_env, monkeypatch):
    url, _, _, lst = qa_env
    tid = json.loads(_create(url, "--file", str(lst), *FEE, "--json"))["id"]
    monkeypatch.setenv("COLUMNS", "200")
    out = _cli(["campaign", "--db", url, "progress", str(tid)], 0)
    assert f"task {tid} — draft — 0/0 finished, connect rate 0.0%, 0 calls up" in out


def test_create_help_documents_every_option():
    from huashu.cli.campaign import cli as campaign_cli

    create = campaign_cli.commands["create"]
    bare = [p.name for p in create.params if getattr(p, "help", None) in (None, "")]
    assert bare == []
    assert "--max-concurrent" in _cli(["campaign", "create", "--help"], 0)


def test_api_rejects_unknown_mapping_value(tmp_path):
    from litestar.testing import TestClient

    from huashu.core.config import Settings
    from web.api.oauth import create_client
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'api.db'}", secret_key="test-secret")
    engine = make_engine(settings.db_url)
    init_db(engine)
    with TestClient(create_app(settings, engine, debug=True)) as client:
        cid, secret = create_client(engine, "crm", "tasks:write")
        tok = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
        h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
        r = client.post("/api/v1/tasks", headers=h, json={"name": "x", "business": "b", "script_id": "s", "mapping": {"phone": 5}})
        assert r.status_code == 400 and "not a column name" in r.text
    engine.dispose()
