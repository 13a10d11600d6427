"""Every command and sub-command of ``huashu`` answers --help without error."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from huashu.cli import cli

pytestmark = pytest.mark.offline


def _walk(group: click.Group, ctx: click.Context, prefix: list[str]) -> list[list[str]]:
    out = [prefix]
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            sub = click.Context(cmd, info_name=name, parent=ctx)
            out.extend(_walk(cmd, sub, [*prefix, name]))
        else:
            out.append([*prefix, name])
    return out


def _all_commands() -> list[list[str]]:
    ctx = click.Context(cli, info_name="huashu")
    return _walk(cli, ctx, [])


def test_the_command_tree_is_complete() -> None:
    top = {c[0] for c in _all_commands() if c}
    for name in ("script", "chat", "serve", "user", "demo", "campaign", "runtime", "report", "audience", "models"):
        assert name in top, name


@pytest.mark.parametrize("argv", _all_commands(), ids=lambda a: " ".join(a) or "huashu")
def test_help(argv: list[str]) -> None:
    result = CliRunner().invoke(cli, [*argv, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
