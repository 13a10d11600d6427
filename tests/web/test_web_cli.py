"""``huashu user`` and ``huashu serve``: the commands a deployment starts with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HUASHU_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_user_create_list_set_role(env: Path) -> None:
    run = CliRunner().invoke
    r = run(cli, ["user", "create", "boss", "--role", "admin", "--json"])
    assert r.exit_code == 0, r.output
    created = json.loads(r.output)
    assert created["role"] == "admin" and len(created["password"]) >= 12
    r = run(cli, ["user", "create", "dee", "--role", "designer", "--password-stdin"], input="long-enough-pw\n")
    assert r.exit_code == 0 and "password:" not in r.output
    listed = json.loads(run(cli, ["user", "list", "--json"]).output)
    assert [(u["username"], u["role"]) for u in listed] == [("boss", "admin"), ("dee", "designer")]
    assert run(cli, ["user", "set-role", "dee", "reviewer"]).exit_code == 0
    assert json.loads(run(cli, ["user", "list", "--json"]).output)[1]["role"] == "reviewer"
    from huashu.core.config import get_settings
    from huashu.core.db import make_engine
    from web.auth.users import authenticate

    assert authenticate(make_engine(get_settings().db_url), "dee", "long-enough-pw") is not None


def test_user_errors_exit_1_without_traceback(env: Path) -> None:
    run = CliRunner().invoke
    r = run(cli, ["user", "create", "x y", "--role", "admin"])
    assert r.exit_code == 1 and "bad user name" in r.output and "Traceback" not in r.output
    r = run(cli, ["user", "create", "zed", "--role", "king"])
    assert r.exit_code == 2 and "unknown role" in r.output  # a bad option value is a usage error
    r = run(cli, ["user", "create", "zed", "--role", "admin", "--password-stdin"], input="short\n")
    assert r.exit_code == 1 and "too short" in r.output
    r = run(cli, ["user", "set-role", "ghost", "admin"])
    assert r.exit_code == 1 and "no user named" in r.output
    r = run(cli, ["user", "create", "zed", "--role", "admin", "--password-stdin"], input="")
    assert r.exit_code == 2


def test_serve_help() -> None:
    r = CliRunner().invoke(cli, ["serve", "--help"])
    assert r.exit_code == 0 and "--port" in r.output and "--reload" in r.output
