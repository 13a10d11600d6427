"""Fresh SQLite databases at the current schema, fast: each is a copy of one made once per run.

Creating the schema and stamping it at the alembic head costs about half a second a database;
hundreds of tests want a fresh one, and a copy of the same bytes takes a millisecond. Tests of
creating and migrating a database (tests/migrations) call ``init_db`` themselves.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import text

from huashu.core.db import init_db, make_engine

__all__ = ["fresh_sqlite"]

_template: bytes | None = None


def _template_bytes() -> bytes:
    global _template
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="huashu-test-template-")) / "template.db"
        eng = make_engine(f"sqlite:///{path}")
        init_db(eng)
        with eng.connect() as c:  # everything into the main file: the copy takes that file alone
            c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        eng.dispose()
        _template = path.read_bytes()
    return _template


def fresh_sqlite(path: Path) -> str:
    """A new SQLite file at ``path`` with every table at the current schema; returns its URL.
    The file is 0600, as the product creates its database."""
    data = _template_bytes()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return f"sqlite:///{path}"
