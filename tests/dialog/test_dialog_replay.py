"""Every library script's replay cases (replies -> expected path and intent) run here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.dialog.harness import run_script
from runtime.dialog.replay import check_record, load_cases, run_case

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "scripts_library"


def _case_params() -> list[object]:
    params: list[object] = []
    for cases_file in sorted((LIBRARY / "cases").glob("*.json")):
        doc = json.loads(cases_file.read_text(encoding="utf-8"))
        script_file = LIBRARY / doc.get("script", cases_file.name)
        for case in load_cases(doc):
            params.append(pytest.param(script_file, case, id=f"{cases_file.stem}:{case.name}"))
    if not params:
        params.append(pytest.param(None, None, marks=pytest.mark.skip(reason="scripts_library has no replay cases yet")))
    return params


@pytest.mark.parametrize(("script_file", "case"), _case_params())
def test_library_replay_case(script_file: Path, case: object) -> None:
    doc = json.loads(script_file.read_text(encoding="utf-8"))
    result = run_case(doc, case)  # type: ignore[arg-type]
    assert result.ok, f"{result.problems}; path={result.record.path} turns={[t.why for t in result.record.turns]}"


def test_every_library_script_has_cases() -> None:
    scripts = sorted(p.stem for p in LIBRARY.glob("*.json"))
    with_cases = {json.loads(p.read_text(encoding="utf-8")).get("script", p.name).removesuffix(".json")
                  for p in (LIBRARY / "cases").glob("*.json")}
    assert [s for s in scripts if s not in with_cases] == []


def test_check_record_reports_mismatches_and_unknown_keys() -> None:
    doc = json.loads((Path(__file__).parent / "scripts" / "en_billing.json").read_text())
    record = run_script(doc, ["yes"], {"name": "A", "due": 1})
    assert check_record({"last_node": "pay", "intent": {"category": "success"}, "tags": []}, record) == []
    problems = check_record({"last_node": "bye_no", "path_includez": ["x"]}, record)
    assert len(problems) == 2 and "last_node" in problems[0] and "unknown expectation" in problems[1]


def _case_files() -> list[Path]:
    return sorted((LIBRARY / "cases").glob("*.json"))


@pytest.mark.parametrize("cases_file", _case_files(), ids=[p.stem for p in _case_files()])
def test_cases_cover_success_failure_silence_opt_out_and_no_match(cases_file: Path) -> None:
    doc = json.loads(cases_file.read_text(encoding="utf-8"))
    script = json.loads((LIBRARY / doc.get("script", cases_file.name)).read_text(encoding="utf-8"))
    seen: set[str] = set()
    for case in load_cases(doc):
        r = run_case(script, case).record
        seen.add(r.intent.category)
        if r.ended_by in ("silence", "opt_out"):
            seen.add(r.ended_by)
        if any(t.branch is None or "no_match" in t.why for t in r.customer_turns):
            seen.add("no_match")
    missing = {"success", "failure", "silence", "opt_out", "no_match"} - seen
    assert not missing, f"{cases_file.name}: no replay case reaches {sorted(missing)}"


@pytest.mark.parametrize("doc", [{}, {"cases": {}}, {"cases": [{"replies": "yes", "expect": {}}]},
                                 {"cases": [{"replies": ["yes"]}]}])
def test_load_cases_rejects_malformed_files(doc: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="replay"):
        load_cases(doc)


def test_a_replay_file_that_is_not_cases_is_a_user_error() -> None:
    """The checks of a replay file are the user's to fix (UserError, the same messages), and
    'vars' that are not an object are named instead of dict()'s own ValueError."""
    from huashu.core.errors import UserError

    with pytest.raises(UserError, match="'cases' must be a list"):
        load_cases({"cases": {}})
    with pytest.raises(UserError, match=r"replay case 0: needs 'replies'"):
        load_cases({"cases": [{"expect": {}}]})
    with pytest.raises(UserError, match=r"replay case 0: 'vars' must be an object"):
        load_cases({"cases": [{"replies": [], "expect": {}, "vars": ["amount"]}]})
