"""``huashu script`` errors: usage errors exit 2 and create nothing, a bad file is named, JSON
errors are JSON (said once), and the findings table has the same order in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


LIBRARY = ROOT / "scripts_library"


def _codes_in_table(output: str, codes: set[str]) -> list[str]:
    return [tok for line in output.splitlines() for tok in re.findall(r"[a-z][a-z0-9_]+", line) if tok in codes]


def test_script_new_into_missing_folder_is_exit_2_and_creates_nothing(run, tmp_path: Path) -> None:
    target = tmp_path / "nope" / "dir" / "x.json"
    res = run("script", "new", "--from", "mobile_semi_suspension", "-o", str(target))
    assert res.exit_code == 2, res.output
    assert "cannot write" in res.output and "does not exist" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (tmp_path / "nope").exists()
    ok = tmp_path / "x.json"
    assert run("script", "new", "--from", "mobile_semi_suspension", "-o", str(ok)).exit_code == 0
    assert json.loads(ok.read_text(encoding="utf-8"))["id"].endswith("-copy")


def test_script_import_error_names_the_file_and_diff_unknown_ref_is_usage(run, tmp_path: Path) -> None:
    bad = tmp_path / "notscript.json"
    bad.write_text('{"a": 1}', encoding="utf-8")
    res = run("script", "import", str(bad))
    assert res.exit_code == 1 and f"{bad}:" in res.output and "id" in res.output
    res = run("script", "diff", "nosuch@1", str(bad))
    assert res.exit_code == 2 and "no script version nosuch@1" in res.output
    good = LIBRARY / "mobile_semi_suspension.json"
    assert run("script", "import", str(good)).exit_code == 0
    sid = json.loads(good.read_text(encoding="utf-8"))["id"]
    res = run("script", "export", f"{sid}@1", "-o", str(tmp_path / "missing" / "out.json"))
    assert res.exit_code == 2 and "cannot write" in res.output and not (tmp_path / "missing").exists()


def test_script_json_errors_are_json(run, tmp_path: Path) -> None:
    res = run("script", "qa", str(tmp_path / "absent.json"), "--json")
    assert res.exit_code == 2 and "no such file" in json.loads(res.output.splitlines()[0])["error"]
    res = run("script", "validate", str(tmp_path / "absent.json"), "--json")  # its own JSON shape, once
    assert res.exit_code == 2 and json.loads(res.output.splitlines()[0])["errors"][0]["code"] == "unreadable"
    assert res.output.count("{") == res.output.count("}") and '"error":' not in res.output


def test_json_error_does_not_double_at(tmp_path: Path) -> None:
    from designer.loader import UnreadableInput, load_json_file

    f = tmp_path / "cut.json"
    f.write_text('{\n  "id": "x",\n  "name": "unterminated', encoding="utf-8")
    with pytest.raises(UnreadableInput) as info:
        load_json_file(f)
    text = str(info.value)
    assert "at at" not in text and "Unterminated string starting at line 3, column 11" in text
    f.write_text('{"id": 1,,}', encoding="utf-8")
    with pytest.raises(UnreadableInput, match=r"at line 1, column \d+$"):
        load_json_file(f)


@pytest.mark.parametrize("command", ["qa", "validate"])
def test_findings_table_order_is_the_same_in_both_languages(run, tmp_path: Path, command: str) -> None:
    doc = json.loads((LIBRARY / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
    doc["nodes"].append({**doc["nodes"][-1], "id": "orphan_a"})  # unreachable nodes: several findings
    doc["nodes"].append({**doc["nodes"][-1], "id": "orphan_b"})
    f = tmp_path / "s.json"
    f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    data = json.loads(run("script", command, str(f), "--json", "--lang", "en").output)
    found = data.get("findings") or [*data["errors"], *data["warnings"]]
    codes = {x["code"] for x in found}
    assert len(found) >= 2
    en = _codes_in_table(run("script", command, str(f), "--lang", "en").output, codes)
    zh = _codes_in_table(run("script", command, str(f), "--lang", "zh").output, codes)
    assert en == zh and len(en) >= len(found)


def test_ordered_rows_sort_by_severity_then_columns() -> None:
    from huashu.cli.script import _ordered

    rows = [("warning", "b", "n1"), ("error", "z", "n9"), ("info", "a", "n1"), ("warning", "a", "n2"),
            ("warning", "a", "n1")]
    assert _ordered(rows, (1, 2)) == [("error", "z", "n9"), ("warning", "a", "n1"), ("warning", "a", "n2"),
                                      ("warning", "b", "n1"), ("info", "a", "n1")]
    assert _ordered(list(reversed(rows)), (1, 2)) == _ordered(rows, (1, 2))
