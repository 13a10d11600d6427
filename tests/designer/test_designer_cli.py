"""``huashu script``: exit codes, JSON shapes, the library and the version workflow from the shell."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from huashu.cli.script import cli
from huashu.core.config import get_settings

Doc = dict[str, Any]


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HUASHU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("HUASHU_CONFIG", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path: Path, doc: Any, name: str = "s.json") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(p)


def test_validate_json_shape_and_exit_codes(tmp_path: Path, base: Doc, broken_dir: Path) -> None:
    ok = run("validate", write(tmp_path, base), "--json")
    assert ok.exit_code == 0
    assert json.loads(ok.output) == {"valid": True, "errors": [], "warnings": []}
    bad = run("validate", str(broken_dir / "no_match_loop.json"), "--json")
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["valid"] is False
    assert set(data["errors"][0]) == {"code", "node", "branch", "path", "message"}
    assert data["errors"][0]["code"] == "unbounded_loop"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"{not json", "not JSON"), (b"\xff\xfe{}", "not UTF-8"), (None, "no such file"), ("dir", "not a file"),
     (b"[" * 100_000 + b"]" * 100_000, "nested too deeply")],
)
def test_unreadable_input_exits_2_without_traceback(tmp_path: Path, content: Any, fragment: str) -> None:
    target = tmp_path / "x.json"
    if isinstance(content, bytes):
        target.write_bytes(content)
    elif content == "dir":
        target.mkdir()
    for cmd in ("validate", "qa"):
        r = CliRunner().invoke(cli, [cmd, str(target)])
        assert r.exit_code == 2, r.output
        assert fragment in r.output
        assert "Traceback" not in r.output


def test_too_large_input_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import designer.loader as loader

    p = tmp_path / "big.json"
    p.write_text(json.dumps({"pad": "x" * 2000}), encoding="utf-8")
    monkeypatch.setattr(loader.load_json_file, "__defaults__", (1000,))
    r = CliRunner().invoke(cli, ["validate", str(p)])
    assert r.exit_code == 2 and "too large" in r.output


def test_qa_json_and_min_score(tmp_path: Path, base: Doc) -> None:
    r = run("qa", write(tmp_path, base), "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert set(data) == {"score", "findings", "metrics"} and data["score"] == 100
    base["nodes"][2]["prompt"]["text"] = "保证最便宜！您需要办理吗？"
    r = run("qa", write(tmp_path, base), "--json", "--min-score", "95")
    assert r.exit_code == 1
    assert any(f["code"] == "forbidden_word" for f in json.loads(r.output)["findings"])
    r = run("qa", write(tmp_path, base), "--forbid", "需要", "--json")
    assert any("需要" in f["message"] for f in json.loads(r.output)["findings"] if f["code"] == "forbidden_word")
    r = run("qa", write(tmp_path, base))
    assert r.exit_code == 0 and "QA score" in r.output and "offer" in r.output


def test_schema_prints_the_schema() -> None:
    r = run("schema")
    assert r.exit_code == 0 and json.loads(r.output)["$schema"].endswith("2020-12/schema")


def test_new_from_library(tmp_path: Path) -> None:
    lib = json.loads(run("library", "--json").output)
    names = {x["name"] for x in lib}
    assert "mobile_semi_suspension" in names and len(names) >= 6
    out = tmp_path / "mine.json"
    r = run("new", "--from", "mobile_semi_suspension", "-o", str(out), "--id", "my-recharge")
    assert r.exit_code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["id"] == "my-recharge"
    assert run("validate", str(out)).exit_code == 0
    assert run("new", "--from", "mobile_semi_suspension", "-o", str(out)).exit_code == 2  # exists
    r = CliRunner().invoke(cli, ["new", "--from", "nope"])
    assert r.exit_code == 2 and "mobile_semi_suspension" in r.output


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_version_workflow_and_db_diff(db_env: Path, base: Doc) -> None:
    f1 = write(db_env, base, "v1.json")
    r = run("import", f1, "--by", "ann", "--json")
    assert json.loads(r.output)[0] == {"file": f1, "id": base["id"], "version": 1, "status": "draft"}
    base["nodes"][2]["prompt"]["text"] = "新的推荐词。您需要办理吗？"
    run("import", write(db_env, base, "v2.json"), "--by", "ann")
    assert run("submit", f"{base['id']}@1", "--by", "ann").exit_code == 0
    r = CliRunner().invoke(cli, ["approve", f"{base['id']}@1", "--by", "ann"])
    assert r.exit_code == 1 and "cannot review" in r.output
    r = run("approve", f"{base['id']}@1", "--by", "bob")
    assert r.exit_code == 0 and "prompts: " in r.output  # the static prompts are rendered on approval
    r = CliRunner().invoke(cli, ["submit", f"{base['id']}@1", "--by", "ann"])
    assert r.exit_code == 1 and "approved" in r.output
    listing = json.loads(run("list", "--json").output)
    assert listing[0]["latest"] == 2 and listing[0]["approved"] == 1
    d = json.loads(run("diff", f"{base['id']}@1", f"{base['id']}@2", "--json").output)
    assert [(c["key"], c["kind"]) for c in d["changes"]] == [("offer", "changed")]
    hist = json.loads(run("history", base["id"], "--json").output)
    assert [h["action"] for h in hist] == ["import", "import", "submit", "approve"]
    out = db_env / "exported.json"
    run("export", f"{base['id']}@2", "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["nodes"][2]["prompt"]["text"].startswith("新的")
    r = CliRunner().invoke(cli, ["export", "ghost@1"])
    assert r.exit_code == 1 and "no script version ghost@1" in r.output
    r = CliRunner().invoke(cli, ["submit", base["id"]])
    assert r.exit_code == 2


def test_invalid_script_cannot_be_submitted_from_cli(db_env: Path, broken_dir: Path) -> None:
    run("import", str(broken_dir / "no_match_loop.json"))
    r = CliRunner().invoke(cli, ["submit", "broken-loop@1"])
    assert r.exit_code == 1 and "unbounded_loop" in r.output


def test_real_entry_point_exit_codes(tmp_path: Path, broken_dir: Path, library_dir: Path) -> None:
    exe = [sys.executable, "-m", "huashu", "script"]
    good = subprocess.run([*exe, "validate", str(library_dir / "mobile_semi_suspension.json")],
                          capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    bad = subprocess.run([*exe, "validate", str(broken_dir / "say_without_next.json"), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and json.loads(bad.stdout)["errors"][0]["code"] == "dead_end"
    missing = subprocess.run([*exe, "qa", str(tmp_path / "none.json")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
