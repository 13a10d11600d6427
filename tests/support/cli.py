"""The ``huashu`` command line in-process, for the tests of its commands."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner, Result

from huashu.cli import cli

__all__ = ["LIBRARY_SCRIPT_ID", "campaign_create", "invoke"]

LIBRARY_SCRIPT_ID = "data-pack-upgrade"  # the id of scripts_library/data_pack_upgrade.json


def invoke(args: list[str], code: int = 0, **kw: Any) -> Result:
    """Run ``huashu <args>``; the exit code must be ``code`` and nothing may print a traceback."""
    res = CliRunner().invoke(cli, args, catch_exceptions=False, **kw)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res


def campaign_create(url: str, *extra: str, name: str = "t", business: str = "data", code: int = 0) -> Result:
    """``huashu campaign create`` of a task on the approved library script (``cli_db``)."""
    return invoke(["campaign", "--db", url, "create", "--name", name, "--business", business,
                   "--script", LIBRARY_SCRIPT_ID, *extra], code)
