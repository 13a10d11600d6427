"""Each layer registers its own tables (huashu.core.db.register_table_modules): a process that
knows only the runtime creates a new database without the web's tables, and a web process
started on that database afterwards adds them (a runtime node that starts first on an empty
PostgreSQL must not leave the web without its users table)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

ROOT = Path(__file__).resolve().parents[2]

_INIT = """
import sys
import {package}
from huashu.core.db import init_db, make_engine, table_modules
engine = make_engine(sys.argv[1])
init_db(engine)
print(",".join(table_modules()))
"""


def _init_from(package: str, url: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _INIT.format(package=package), url], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    return proc.stdout.strip().split(",")


def test_runtime_registers_its_layer_and_the_one_below(tmp_path: Path) -> None:
    registered = _init_from("runtime", f"sqlite:///{tmp_path / 'a.db'}")
    assert "designer.store" in registered and "runtime.campaigns.models" in registered
    assert not any(name.startswith("web.") for name in registered)


def test_a_web_process_adds_its_tables_to_a_database_a_runtime_node_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'huashu.db'}"
    _init_from("runtime", url)
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"script_version", "campaign_task", "campaign_attempt"} <= tables
    assert "web_user" not in tables and "api_client" not in tables

    registered = _init_from("web", url)
    assert "web.auth.models" in registered
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"web_user", "api_client", "alembic_version"} <= tables
