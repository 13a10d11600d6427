"""Click's own errors (a missing argument, a bad option value, an unknown option or command) of a
command line with ``--json`` print the JSON error object of huashu.cli._common on stdout too,
exit 2; and a ``ValueError`` that is not a :class:`huashu.core.errors.UserError` is a bug, not a
user message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli

CASES = [
    (["campaign", "show", "--json"], "huashu campaign show: Missing argument 'TASK_ID'."),
    (["campaign", "show", "abc", "--json"], "huashu campaign show: Invalid value for 'TASK_ID': 'abc' is not a valid integer."),
    (["report", "compare", "1", "--json"], "huashu report compare: Missing argument 'CAMPAIGN_B'."),
    (["audience", "prepare", "c.csv", "--bogus", "--json"], "huashu audience prepare: No such option '--bogus'. Did you mean '--out'?"),
    (["nosuch", "--json"], "huashu: No such command 'nosuch'."),
]


@pytest.mark.parametrize(("args", "message"), CASES)
def test_a_usage_error_with_json_prints_a_json_error(args: list[str], message: str) -> None:
    res = CliRunner().invoke(cli, args, prog_name="huashu")
    assert res.exit_code == 2, (res.stdout, res.stderr)
    assert json.loads(res.stdout) == {"error": message, "code": "usage"}
    assert "Error: " in res.stderr


def test_without_json_a_usage_error_prints_nothing_on_stdout() -> None:
    res = CliRunner().invoke(cli, ["campaign", "show"])
    assert res.exit_code == 2 and res.stdout == "" and "Missing argument 'TASK_ID'" in res.stderr


def test_json_after_a_double_dash_is_an_argument_not_the_option() -> None:
    res = CliRunner().invoke(cli, ["report", "compare", "1", "--", "--json"])
    assert res.exit_code == 2 and res.stdout == "" and "'--json' is not a valid integer" in res.stderr


def test_a_plain_value_error_is_a_bug_not_a_user_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import web.api.oauth

    def broken(*_args: object, **_kw: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(web.api.oauth, "create_client", broken)
    res = CliRunner().invoke(cli, ["client", "--db", f"sqlite:///{tmp_path / 'h.db'}", "create", "c1", "--scopes",
                                   "tasks:read", "--json"])
    assert isinstance(res.exception, ValueError) and str(res.exception) == "a bug" and res.stdout == ""
