"""Every script in the library is valid, scores at least 80 in QA, and replays its cases as written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from designer.model import Script
from designer.qa import qa
from designer.validate import validate
from runtime.dialog.harness import run_script
from scripts_library import LIBRARY_DIR, library_paths

pytestmark = pytest.mark.offline

SCRIPTS = library_paths()
CASE_FILES = sorted((LIBRARY_DIR / "cases").glob("*.json"))


def _cases() -> list[Any]:
    params = []
    for f in CASE_FILES:
        spec = json.loads(f.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            params.append(pytest.param(spec["script"], case, id=f"{f.stem}: {case['name']}"))
    return params


def test_library_has_the_promised_scripts() -> None:
    ids = {json.loads(p.read_text(encoding="utf-8"))["id"] for p in SCRIPTS}
    assert len(SCRIPTS) >= 6
    assert "mobile-semi-suspension-recharge" in ids
    assert any(json.loads(p.read_text(encoding="utf-8"))["language"].startswith("en") for p in SCRIPTS)
    # every script ships replay cases
    assert {p.name for p in SCRIPTS} == {json.loads(f.read_text(encoding="utf-8"))["script"] for f in CASE_FILES}


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_library_script_is_valid_and_scores_well(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    report = validate(doc)
    assert report.valid, [e.to_dict() for e in report.errors]
    assert not report.warnings, [w.to_dict() for w in report.warnings]
    q = qa(doc)
    assert q.score >= 80, [f.to_dict() for f in q.findings]


@pytest.mark.parametrize("script_file,case", _cases())
def test_library_replay_case(script_file: str, case: dict[str, Any]) -> None:
    doc = json.loads((LIBRARY_DIR / script_file).read_text(encoding="utf-8"))
    record = run_script(Script.from_dict(doc), case["replies"], case.get("vars", {}))
    out = record.to_dict()
    expect = case["expect"]
    why = json.dumps(out, ensure_ascii=False, indent=1)[:3000]
    if "last_node" in expect:
        assert out["path"][-1] == expect["last_node"], why
    for node in expect.get("path_includes", []):
        assert node in out["path"], why
    for tag in expect.get("tags_include", []):
        assert tag in out["tags"], why
    if "intent" in expect:
        assert out["intent"]["label"] == expect["intent"]["label"], why
        assert out["intent"]["category"] == expect["intent"]["category"], why
    if "ended_by" in expect:
        assert out["ended_by"] == expect["ended_by"], why
