"""`huashu campaign create --audience NAME --best-time`, and the clear errors around it."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from integ_helpers import control_policy, customers, make_audience

from huashu.cli import cli
from huashu.core.db import init_db, make_engine


def _run(args: list[str], code: int = 0) -> str:
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res.output


SCRIPT = "mobile-semi-suspension-recharge"


def _import_library_script(engine: Any) -> None:
    """`campaign create` refuses a script id the designer store does not know."""
    from sqlmodel import Session

    from designer import store
    from scripts_library import LIBRARY_DIR

    with Session(engine) as s:
        store.import_document(s, json.loads((LIBRARY_DIR / "mobile_semi_suspension.json").read_text("utf-8")), actor="d")
        s.commit()


def test_create_from_an_audience_with_best_time(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    init_db(engine)
    control_policy(engine, 0.1)
    _import_library_script(engine)
    aud = make_audience(engine, "winback", customers([1, 2, 3]))
    out = _run(["campaign", "--db", url, "create", "--name", "wb", "--business", "data", "--script", SCRIPT,
                "--audience", "winback", "--best-time", "--json"])
    task = json.loads(out)
    assert task["audience_id"] == aud and task["best_time"] is True and task["source_id"] is None
    err = _run(["campaign", "--db", url, "create", "--name", "x", "--business", "b", "--script", SCRIPT,
                "--audience", "nope"], code=1)
    assert "no audience 'nope'" in err
    err = _run(["campaign", "--db", url, "create", "--name", "x", "--business", "b", "--script", SCRIPT,
                "--audience", "winback", "--file", "x.csv"], code=2)
    assert "one of --source, --file or --audience" in err
    engine.dispose()
