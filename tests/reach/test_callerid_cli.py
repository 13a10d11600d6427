"""``huashu callerid import`` and ``pick --json``: the decision with both regions, the rule and
what was skipped; a bad file row is named, an unknown pool is a message, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli


@pytest.mark.offline
def test_import_then_pick_json(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    f = tmp_path / "pool.csv"
    f.write_text("13912345678\n13800138000,1\nxyz\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["callerid", "--db", db, "import", "local", str(f), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["added"] == 2 and rep["errors"][0].startswith("line 3")
    r = CliRunner().invoke(cli, ["callerid", "--db", db, "pick", "13912340000", "--pool", "local", "--json"])
    d = json.loads(r.output)
    assert d["caller_id"] == "+8613912345678" and d["rule"] == "city"
    assert d["callee_region"]["label"] == "江苏省常州市" and d["caller_region"]["operator_label"] == "中国移动"
    r = CliRunner().invoke(cli, ["callerid", "--db", db, "pick", "18612340000", "--pool", "local"])
    assert "+8613800138000" in r.output and "rule city" in r.output
    r = CliRunner().invoke(cli, ["callerid", "--db", db, "pick", "13912340000", "--pool", "nope"])
    assert r.exit_code != 0 and "no caller-id pool named 'nope'" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["callerid", "--db", db, "health", "local", "--json"])
    assert {x["number"] for x in json.loads(r.output)} == {"+8613912345678", "+8613800138000"}
