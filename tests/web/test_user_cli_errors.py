"""``huashu user`` errors: ``--json`` errors are JSON."""

from __future__ import annotations

import json


def test_user_create_json_error_is_json(run) -> None:
    res = run("user", "create", "x y", "--role", "admin", "--json")
    assert res.exit_code == 1 and "bad user name" in json.loads(res.output.splitlines()[0])["error"]
