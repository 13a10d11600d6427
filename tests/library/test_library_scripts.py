"""Every script in the library is valid and scores at least 80 in QA (its replay cases run in
``tests/dialog/test_dialog_replay.py`` through ``runtime.dialog.replay``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.qa import qa
from designer.validate import validate
from scripts_library import LIBRARY_DIR, library_paths

pytestmark = pytest.mark.offline

SCRIPTS = library_paths()
CASE_FILES = sorted((LIBRARY_DIR / "cases").glob("*.json"))


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


@pytest.mark.parametrize("cases_file", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_replay_cases_pin_intent_and_full_paths(cases_file: Path) -> None:
    """Every case says which intent the call gets; the success and failure cases pin the whole path."""
    cases = json.loads(cases_file.read_text(encoding="utf-8"))["cases"]
    assert [c["name"] for c in cases if "intent" not in c["expect"]] == []
    for category in ("success", "failure"):
        pinned = [c for c in cases if c["expect"]["intent"].get("category") == category and "path" in c["expect"]]
        assert pinned, f"{cases_file.name}: no {category} case expects the full path"
