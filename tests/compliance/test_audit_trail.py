"""The audit trail: service functions shared by CLI, API and pages append who/what/before/after;
the hash chain detects an edited, removed or cut-off entry; concurrent appends stay linear."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import Engine

from designer import store
from huashu.core.db import init_db, make_engine
from runtime.audit.context import Actor, acting
from runtime.audit.log import AuditFilter, list_entries, record
from runtime.audit.verify import verify
from runtime.campaigns import blacklist
from runtime.campaigns.tasks import TaskSpec, create_task, set_status, update_task
from web.auth.users import create_user, set_role

pytestmark = pytest.mark.offline
ALICE = Actor("alice", "10.1.2.3")


def _by_action(engine: Engine) -> dict[str, dict]:
    return {e["action"]: e for e in list_entries(engine)}


def test_task_changes_are_recorded_with_actor_address_and_before_after(engine: Engine) -> None:
    with acting(ALICE):
        t = create_task(engine, TaskSpec(name="spring", business="b"))
        update_task(engine, t.id, {"max_concurrent": 9})
        set_status(engine, t.id, "delete")
    got = _by_action(engine)
    assert set(got) == {"task.create", "task.update", "task.delete"}
    upd = got["task.update"]
    assert (upd["actor"], upd["address"], upd["target_kind"], upd["target_id"]) == ("alice", "10.1.2.3", "task", str(t.id))
    assert json.loads(upd["before"]) == {"max_concurrent": 5} and json.loads(upd["after"]) == {"max_concurrent": 9}
    assert json.loads(got["task.delete"]["before"]) == {"status": "draft"}
    assert json.loads(got["task.delete"]["after"]) == {"status": "deleted"}
    assert verify(engine).ok


def test_blacklist_and_users_are_recorded_without_numbers_or_password_hashes(engine: Engine) -> None:
    with acting(ALICE):
        blacklist.add(engine, "13812345678")
        blacklist.remove(engine, "13812345678")
        create_user(engine, "bob", "a long password 1", "operator")
        set_role(engine, "bob", "reviewer")
    got = _by_action(engine)
    assert {"blacklist.add", "blacklist.remove", "user.create", "user.role"} <= set(got)
    assert json.loads(got["user.role"]["before"]) == {"role": "operator"}
    with engine.connect() as c:
        dump = " ".join(str(v) for row in c.execute(text("SELECT * FROM audit_entry")) for v in row)
    assert "13812345678" not in dump and "8613812345678" not in dump and "argon2" not in dump


def test_audience_saves_and_compliance_settings_are_recorded(engine: Engine) -> None:
    import numpy as np
    from sqlmodel import Session

    from runtime.audience.control import set_policy
    from runtime.audience.store import save_audience
    from runtime.campaigns.settings_store import set_compliance

    frame = {"customer_id": np.asarray([1, 2], dtype=np.int64), "phone": np.asarray(["13800000001", "13800000002"], dtype=object)}
    with acting(ALICE), Session(engine) as s:
        set_policy(s, 0.0, "salt")
        save_audience(s, "winback", frame, np.arange(2), None, "rule", rule={"plan": "4g"})
        save_audience(s, "winback", frame, np.arange(1), None, "rule", rule={"plan": "5g"})
        s.commit()
    with acting(ALICE):
        set_compliance(engine, cap_day=2, cap_week=5)
    got = _by_action(engine)
    assert json.loads(got["audience.save"]["after"])["size"] == 2
    refresh = got["audience.refresh"]
    assert json.loads(refresh["before"])["rule"] == {"plan": "4g"} and json.loads(refresh["after"])["size"] == 1
    settings = got["settings.compliance"]
    assert settings["actor"] == "alice" and json.loads(settings["after"]) == {"cap_day": 2, "cap_week": 5}
    assert set(json.loads(settings["before"])) == {"cap_day", "cap_week"}
    dump = " ".join(str(e) for e in list_entries(engine))
    assert "13800000001" not in dump
    assert verify(engine).ok


def test_script_transitions_are_recorded_through_the_store_hook(engine: Engine) -> None:
    doc = json.loads((Path(__file__).parents[2] / "scripts_library").glob("*.json").__next__().read_text("utf-8"))
    from sqlmodel import Session

    with Session(engine) as s:
        v = store.import_document(s, doc, actor="dora")
        s.commit()
        sid = v.script_id
    acts = [e["action"] for e in list_entries(engine, AuditFilter(action="script."))]
    assert acts == ["script.import"]
    e = list_entries(engine, AuditFilter(target_kind="script"))[0]
    assert e["actor"] == "dora" and e["target_id"] == f"{sid}@1"


def test_editing_an_entry_is_detected(engine: Engine) -> None:
    for i in range(5):
        record_now_(engine, i)
    with engine.begin() as c:
        c.execute(text("UPDATE audit_entry SET after = :v WHERE seq = 3"), {"v": '{"n":99}'})
    v = verify(engine)
    assert not v.ok and [p.seq for p in v.problems] == [3]
    assert "edited" in v.problems[0].what


def test_removing_an_entry_is_detected(engine: Engine) -> None:
    for i in range(5):
        record_now_(engine, i)
    with engine.begin() as c:
        c.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    v = verify(engine)
    assert not v.ok and v.problems[0].seq == 3 and "missing" in v.problems[0].what


def test_cutting_off_the_end_is_detected(engine: Engine) -> None:
    for i in range(4):
        record_now_(engine, i)
    with engine.begin() as c:
        c.execute(text("DELETE FROM audit_entry WHERE seq = 4"))
    v = verify(engine)
    assert not v.ok and "head" in v.problems[0].what


def test_rewriting_an_entry_with_a_fresh_hash_breaks_the_next_link(engine: Engine) -> None:
    from runtime.audit.chain import entry_hash

    for i in range(3):
        record_now_(engine, i)
    with engine.begin() as c:
        row = dict(c.execute(text("SELECT * FROM audit_entry WHERE seq = 2")).one()._mapping)
        row["actor"] = "nobody"
        c.execute(text("UPDATE audit_entry SET actor = 'nobody', hash = :h WHERE seq = 2"),
                  {"h": entry_hash(row["prev_hash"], row)})
    v = verify(engine)
    assert [p.seq for p in v.problems] == [3]


def test_a_failed_change_leaves_no_entry(engine: Engine) -> None:
    from runtime.campaigns.tasks import TaskStateError

    t = create_task(engine, TaskSpec(name="x", business="b"))
    with pytest.raises(TaskStateError):
        set_status(engine, t.id, "pause")
    assert [e["action"] for e in list_entries(engine)] == ["task.create"]


@pytest.mark.postgres
def test_concurrent_appends_on_postgres_keep_one_line(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=8)
    init_db(engine)

    def work(k: int) -> None:
        for i in range(25):
            with engine.begin() as c:
                record(c, "test.append", "thread", k, after={"i": i}, actor=Actor(f"t{k}"))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    v = verify(engine)
    assert v.ok and v.entries == 150 and v.last_seq == 150
    engine.dispose()


def test_cli_verify_and_list(tmp_path: Path) -> None:
    from huashu.cli import cli

    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    init_db(engine)
    for i in range(3):
        record_now_(engine, i)
    r = CliRunner().invoke(cli, ["audit", "--db", url, "verify", "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["entries"] == 3
    r = CliRunner().invoke(cli, ["audit", "--db", url, "list", "--json", "--action", "test."])
    assert [e["seq"] for e in json.loads(r.output)] == [3, 2, 1]
    r = CliRunner().invoke(cli, ["audit", "--db", url, "list", "--csv"])
    assert r.output.splitlines()[0].startswith("seq,at,actor")
    with engine.begin() as c:
        c.execute(text("UPDATE audit_entry SET actor = 'x' WHERE seq = 1"))
    r = CliRunner().invoke(cli, ["audit", "--db", url, "verify"])
    assert r.exit_code == 1 and "#1" in r.output
    engine.dispose()


def record_now_(engine: Engine, i: int) -> None:
    with engine.begin() as c:
        record(c, "test.append", "thing", i, after={"n": i}, actor=ALICE)


def test_number_like_values_never_enter_the_trail() -> None:
    """The trail cannot be edited after an erasure, so a number typed into any field (a task's
    query parameters, a note) is masked on the way in; hashes, ids and timestamps are kept."""
    from runtime.audit.log import redact

    got = redact({"query_params": {"phone": "+8613812345678", "note": "回拨13812345678。"},
                  "at": "2026-12-07T16:55:01.123456Z", "ref": "num:abcdef0123456789abcd", "max_concurrent": 5})
    assert got == {"query_params": {"phone": "[number]", "note": "回拨[number]。"},
                   "at": "2026-12-07T16:55:01.123456Z", "ref": "num:abcdef0123456789abcd", "max_concurrent": 5}
