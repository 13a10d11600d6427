"""Every command group fails one way (huashu.cli._common.fail): ``error: ...`` on stderr with exit 1
(content) or 2 (usage, unreadable input), and under ``--json`` also ``{"error", "code"}`` on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from huashu.cli import COMMANDS, cli

# group -> (arguments; "{tmp}" is a fresh folder, "{db}" a fresh SQLite URL), exit status, part of the message
CASES: dict[str, tuple[list[str], int, str]] = {
    "audience": (["audience", "prepare", "{tmp}/missing.csv", "--json"], 2, "missing.csv"),
    "campaign": (["campaign", "--db", "{db}", "show", "999", "--json"], 1, "no task with id 999"),
    "blacklist": (["blacklist", "--db", "{db}", "import", "{tmp}/missing.csv", "--json"], 2, "cannot read"),
    "callerid": (["callerid", "--db", "{db}", "pick", "13800138000", "--pool", "nope", "--json"], 1, "nope"),
    "sms": (["sms", "--db", "{db}", "add-rule", "999", "--name", "n", "--template", "t", "--json"], 1,
            "a rule needs at least one condition"),
    "source": (["source", "--db", "{db}", "preview", "nope", "--json"], 1, "no data source named 'nope'"),
    "report": (["report", "show", "x", "--json"], 2, "campaign must be a number or 'all'"),
    "script": (["script", "qa", "{tmp}/missing.json", "--json"], 2, "missing.json"),
    "chat": (["chat", "{tmp}/missing.json", "--json"], 2, "missing.json: no such file"),
    "hotwords": (["hotwords", "{tmp}/missing.json", "--json"], 2, "missing.json: no such file"),
    "tts": (["tts", "--script", "{tmp}/missing.json", "--json"], 2, "missing.json"),
    "media": (["media", "classify", "{tmp}/missing.wav", "--json"], 2, "missing.wav"),
    "user": (["user", "create", "bad name!", "--role", "admin", "--json"], 1, "bad user name"),
    "runtime": (["runtime", "run", "--best-times", "{tmp}/missing.json", "--json"], 2, "no such file"),
    "demo": (["demo", "--json"], 2, "--json needs --headless"),
    "client": (["client", "--db", "{db}", "create", "c1", "--scopes", "root", "--json"], 1, "unknown scope"),
    "freeswitch": (["freeswitch", "install-config", "{tmp}", "--set", "nope=1", "--json"], 1, "vars.xml not found"),
    "data": (["data", "synth", "--customers", "60", "-o", "{tmp}/c.txt", "--json"], 2, "must end in .csv or .parquet"),
    "asr": (["asr", "{tmp}/missing.wav", "--json"], 2, "missing.wav"),
}


@pytest.mark.parametrize("group", sorted(CASES))
def test_a_failing_command_run_with_json_prints_a_json_error(group: str, tmp_path: Path) -> None:
    args, status, text = CASES[group]
    args = [a.format(tmp=tmp_path, db=f"sqlite:///{tmp_path / 'h.db'}") for a in args]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == status, (res.stdout, res.stderr, res.exception)
    err = json.loads(res.stdout.splitlines()[0])
    assert set(err) == {"error", "code"} and text in err["error"], err
    assert err["code"] == ("usage" if status == 2 else "error")
    assert f"error: {err['error']}" in res.stderr


def test_without_json_the_error_is_on_stderr_only(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["campaign", "--db", f"sqlite:///{tmp_path / 'h.db'}", "show", "999"])
    assert res.exit_code == 1 and res.stdout == "" and res.stderr == "error: no task with id 999\n"


def test_a_database_that_cannot_be_opened_is_a_usage_error_naming_it_without_its_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'h.db'}"
    res = CliRunner().invoke(cli, ["campaign", "--db", url, "list", "--json"])
    assert res.exit_code == 2 and "cannot open the database" in json.loads(res.stdout)["error"]
    res = CliRunner().invoke(cli, ["blacklist", "--db", "postgresql://u:s3cret@127.0.0.1:1/x", "list"])
    assert res.exit_code == 2 and "s3cret" not in res.stderr and "***" in res.stderr


def test_every_command_module_loads_and_a_missing_one_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:  # every listed module imports and defines its command
        assert cli.get_command(ctx, name) is not None, name
    monkeypatch.setitem(COMMANDS, "ghost", ("huashu.cli.no_such_module", "A command whose module is gone."))
    assert "ghost" in cli.list_commands(ctx)  # listed: `huashu --help` shows what should be there
    with pytest.raises(ModuleNotFoundError):
        cli.get_command(ctx, "ghost")
    res = CliRunner().invoke(cli, ["ghost"])
    assert isinstance(res.exception, ModuleNotFoundError)
