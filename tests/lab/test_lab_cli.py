"""``huashu script attack`` / ``test`` / ``cases`` on the command line, with --json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli.script import cli

pytestmark = pytest.mark.offline

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


def test_attack_json_is_deterministic_and_complete() -> None:
    f = str(LIB / "mobile_semi_suspension.json")
    a = CliRunner().invoke(cli, ["attack", f, "--json", "--seed", "3"])
    b = CliRunner().invoke(cli, ["attack", f, "--json", "--seed", "3"])
    assert a.exit_code == 0, a.output
    da, db = json.loads(a.output), json.loads(b.output)
    da.pop("seconds"), db.pop("seconds")
    assert da == db and da["seed"] == 3 and da["variants"] > 300
    node = da["nodes"][0]
    assert {"node", "branches", "confusion", "worst", "suggestions"} <= set(node)
    assert {"recall", "false_capture", "variants"} <= set(node["branches"][0])


def test_attack_text_in_both_languages_and_gates() -> None:
    f = str(LIB / "mobile_semi_suspension.json")
    zh = CliRunner().invoke(cli, ["attack", f, "--lang", "zh", "--node", "remind"])
    en = CliRunner().invoke(cli, ["attack", f, "--lang", "en", "--node", "remind"])
    assert zh.exit_code == en.exit_code == 0
    assert "召回率" in zh.output and "混淆表" in zh.output and "recall" in en.output
    assert CliRunner().invoke(cli, ["attack", f, "--min-recall", "0.999"]).exit_code == 1
    assert CliRunner().invoke(cli, ["attack", f, "--node", "nope"]).exit_code == 2
    bad = CliRunner().invoke(cli, ["attack", str(LIB / "cases" / "mobile_semi_suspension.json")])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_cases_add_test_and_break(tmp_path: Path) -> None:
    f = tmp_path / "s.json"
    shutil.copy(LIB / "mobile_semi_suspension.json", f)
    r = CliRunner().invoke(cli, ["cases", "add", str(f), "已充值", "是的", "我已经充过了",
                                 "--vars", '{"name": "张先生", "arrears": 36.5}'])
    assert r.exit_code == 0, r.output
    out = CliRunner().invoke(cli, ["test", str(f), "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["passed"] == 1
    doc = json.loads(f.read_text(encoding="utf-8"))
    remind = next(n for n in doc["nodes"] if n["id"] == "remind")
    remind["branches"] = [b for b in remind["branches"] if b["id"] != "remind_done"]
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = CliRunner().invoke(cli, ["test", str(f), "--json"])
    assert out.exit_code == 1 and json.loads(out.output)["failed"] == ["已充值"]
    assert CliRunner().invoke(cli, ["cases", "add", str(f), "x", "好", "--vars", "[1]"]).exit_code == 2
