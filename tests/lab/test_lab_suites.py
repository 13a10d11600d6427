"""Regression suites: saved from a conversation or a replay file, run, diffed against the last
approved version; approval blocked by a failing case unless overridden with a comment."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from designer import store
from designer.validate import validate
from huashu.core.db import make_engine
from runtime.lab.gate import approve_checked, review_suite, submit_checked
from runtime.lab.suites import CaseError, add_case, case_from_replies, compare, merge_replay_file, run_suite
from tests.support.dbfiles import fresh_sqlite

pytestmark = pytest.mark.offline

LIB = Path(__file__).resolve().parents[2] / "scripts_library"
VARS = {"name": "张先生", "arrears": 36.5}


def _doc() -> dict[str, Any]:
    return json.loads((LIB / "mobile_semi_suspension.json").read_text(encoding="utf-8"))


def _with_cases() -> dict[str, Any]:
    doc = _doc()
    doc = add_case(doc, case_from_replies(doc, "已充值", ["是的", "我已经充过了"], VARS))
    return add_case(doc, case_from_replies(doc, "拒绝", ["是的", "不需要", "不用了"], VARS))


def _break(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop the 'already recharged' branch: the 已充值 case now takes another path at turn 2."""
    out = copy.deepcopy(doc)
    remind = next(n for n in out["nodes"] if n["id"] == "remind")
    remind["branches"] = [b for b in remind["branches"] if b["id"] != "remind_done"]
    return out


def test_a_conversation_becomes_a_case_that_passes_and_stays_valid() -> None:
    doc = _with_cases()
    assert [c["name"] for c in doc["cases"]] == ["已充值", "拒绝"]
    assert doc["cases"][0]["expect"]["path"] == ["open", "remind", "thanks_recharged"]
    assert doc["cases"][0]["expect"]["intent"] == {"label": "成功1", "category": "success"}
    assert validate(doc).valid  # cases sit beside the graph, the schema knows them
    run = run_suite(doc)
    assert run.ok and len(run.cases) == 2
    # a case of the same name replaces the old one
    again = add_case(doc, case_from_replies(doc, "拒绝", ["是的", "不需要", "不需要"], VARS))
    assert [c["name"] for c in again["cases"]] == ["已充值", "拒绝"]


def test_a_broken_version_fails_and_the_diff_names_the_first_differing_turn() -> None:
    doc = _with_cases()
    broken = _break(doc)
    run = run_suite(broken)
    assert run.failed == ["已充值"]
    new, changes = compare(doc, broken)
    assert [c.name for c in changes] == ["已充值"]
    ch = changes[0]
    assert ch.turn == 2 and ch.reply == "我已经充过了"
    assert ch.old_step == "remind -> remind_done" and ch.new_step.startswith("remind -> ")
    assert ch.old_path == ("open", "remind", "thanks_recharged") and not ch.now_ok


def test_replay_file_import_and_bad_cases() -> None:
    replay = json.loads((LIB / "cases" / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
    doc = merge_replay_file(_doc(), replay)
    assert len(doc["cases"]) == len(replay["cases"]) and run_suite(doc).ok
    with pytest.raises(CaseError, match="name"):
        case_from_replies(_doc(), "", ["好"], VARS)
    with pytest.raises(CaseError, match="replies"):
        case_from_replies(_doc(), "x", [], VARS)
    with pytest.raises(CaseError, match="unknown expectation"):
        add_case(_doc(), {"name": "x", "replies": ["好"], "expect": {"pathh": []}})


@pytest.fixture
def session(tmp_path: Path) -> Any:
    engine = make_engine(fresh_sqlite(tmp_path / "h.db"))
    with Session(engine, expire_on_commit=False) as s:
        yield s


def test_approval_is_blocked_by_a_failing_case_unless_overridden_with_a_comment(session: Session) -> None:
    good = _with_cases()
    v1 = store.import_document(session, good, actor="ann")
    submit_checked(session, v1.script_id, 1, actor="ann")
    approve_checked(session, v1.script_id, 1, actor="bob")
    store.import_document(session, _break(good), actor="ann")
    v2, review = submit_checked(session, v1.script_id, 2, actor="ann")
    assert review.base == 1 and [c.name for c in review.changes] == ["已充值"]
    assert review.run.failed == ["已充值"]
    with pytest.raises(store.CasesFailingError) as e:
        approve_checked(session, v1.script_id, 2, actor="bob")
    assert e.value.failing == ("已充值",)
    with pytest.raises(store.CasesFailingError, match="comment"):
        approve_checked(session, v1.script_id, 2, actor="bob", override=True)
    v = approve_checked(session, v1.script_id, 2, actor="bob", override=True, comment="业务确认下线已充值分支")
    assert v.status == "approved" and "override" in (v.review_comment or "") and "已充值" in (v.review_comment or "")
    assert review_suite(session, v1.script_id, 2).base == 1


def test_the_store_refuses_cases_that_were_not_run(session: Session) -> None:
    v = store.import_document(session, _with_cases(), actor="ann")
    store.submit(session, v.script_id, 1, actor="ann")
    with pytest.raises(store.CasesFailingError, match="run them"):
        store.approve(session, v.script_id, 1, actor="bob")
