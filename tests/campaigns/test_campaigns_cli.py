"""The campaign commands end to end: source, campaign, blacklist, runtime run --once on the simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli


@pytest.fixture
def env(cli_db, tmp_path):
    url, _ = cli_db
    yield url, tmp_path


def _run(args, code=0):
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == code, (res.output, res.stderr if hasattr(res, "stderr") else "")
    return res


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_campaign_lifecycle_from_the_command_line(env):
    url, tmp = env
    lst = tmp / "list.csv"
    lst.write_text("phone,fee,phone2\n13800000010,12,13900000010\nbad,3,\n13800000021,7,\n13800000032,9,\n"
                   "13800000043\n", encoding="utf-8")
    _run(["blacklist", "--db", url, "add", "13800000032"])
    out = _run(["campaign", "--db", url, "create", "--name", "cli", "--business", "data", "--script", "data-pack-upgrade",
                "--file", str(lst), "--var", "extra_fee=fee", "--map", "secondary_phone=phone2", "--windows", "",
                "--cps", "100", "--max-concurrent", "10", "--json"]).output
    tid = json.loads(out)["id"]
    _run(["campaign", "--db", url, "start", str(tid)])
    res = _run(["runtime", "run", "--db", url, "--once", "--node-id", "cli-node", "--json"])
    assert json.loads(res.output.strip().splitlines()[-1])["calls_started"] >= 2
    p = json.loads(_run(["campaign", "--db", url, "progress", str(tid), "--json"]).output)
    assert p["status"] == "completed"
    assert p["total"] == 5 and p["by_state"]["done"] == 2
    assert p["dropped_by_reason"] == {"bad_format": 1, "blacklisted": 1, "bad_row": 1}
    listed = json.loads(_run(["campaign", "--db", url, "list", "--json"]).output)
    assert [t["id"] for t in listed] == [tid] and listed[0]["progress"]["attempts"] >= 2
    _run(["campaign", "--db", url, "delete", str(tid)])
    assert json.loads(_run(["campaign", "--db", url, "list", "--json"]).output) == []
    assert len(json.loads(_run(["campaign", "--db", url, "list", "--all", "--json"]).output)) == 1


def test_errors_are_messages_with_exit_codes(env):
    url, tmp = env
    res = _run(["campaign", "--db", url, "create", "--name", "x", "--business", "b", "--script", "s", "--numbers-later", "--cron", "0 25 * * *"], 2)
    assert "hour field: 25" in res.output
    res = _run(["campaign", "--db", url, "start", "99"], 1)
    assert "no task with id 99" in res.output
    res = _run(["campaign", "--db", url, "create", "--name", "x", "--business", "b", "--script", "s", "--file", str(tmp / "nope.csv")], 2)
    assert "no such file" in res.output
    res = _run(["source", "--db", url, "preview", "--url", "postgresql://postgres@127.0.0.1/test", "--query", "drop table t"], 1)
    assert "DROP" in res.output
    res = _run(["blacklist", "--db", url, "add", "123"], 1)
    assert "not a valid number" in res.output
    bl = tmp / "bl.txt"
    bl.write_text("13800000010\nxx\n13800000020\n")
    res = _run(["blacklist", "--db", url, "import", str(bl), "--json"], 1)
    assert json.loads(res.output) == {"added": 2, "errors": ["line 2: 'xx' is not a phone number (The string supplied did not seem to be a phone number.)"]}


def test_source_add_keeps_password_encrypted(env):
    url, tmp = env
    _run(["source", "--db", url, "add", "crm", "--kind", "postgresql", "--host", "127.0.0.1", "--user", "postgres",
          "--database", "test", "--password", "hunter2"])
    raw = Path(tmp / "cli.db").read_bytes()
    assert b"hunter2" not in raw
    listed = json.loads(_run(["source", "--db", url, "list", "--json"]).output)
    assert listed[0]["has_password"] is True


@pytest.mark.slow  # minutes on the loaded 2-core machine: `make test` runs it
def test_export_and_caps(env):
    url, tmp = env
    lst = tmp / "l.csv"
    lst.write_text("phone,fee\n13800000010,1\nnope,2\n", encoding="utf-8")
    tid = json.loads(_run(["campaign", "--db", url, "create", "--name", "e", "--business", "b", "--script", "data-pack-upgrade",
                           "--file", str(lst), "--var", "extra_fee=fee", "--windows", "", "--cps", "50", "--json"]).output)["id"]
    _run(["campaign", "--db", url, "start", str(tid)])
    _run(["runtime", "run", "--db", url, "--once", "--node-id", "x", "--json"])
    out = _run(["campaign", "--db", url, "export", str(tid)]).output
    lines = out.strip().splitlines()
    assert lines[0].startswith("attempt_id,") and len(lines) >= 3
    assert any(",bad_format," in ln for ln in lines)
    x = tmp / "r.xlsx"
    _run(["campaign", "--db", url, "export", str(tid), "--format", "xlsx", "-o", str(x)])
    from openpyxl import load_workbook

    ws = load_workbook(x).active
    assert ws.max_row == len(lines)
    caps = json.loads(_run(["campaign", "--db", url, "caps", "--day", "1", "--json"]).output)
    assert caps["cap_day"] == 1 and caps["cap_week"] == 5
    res = _run(["campaign", "--db", url, "caps", "--week", "20"], 1)
    assert "caps must grow" in res.output
