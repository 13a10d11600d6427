"""Migration 0002 turns recording paths already stored (absolute, or relative to the node's
working directory as the demo wrote them) into locations inside the recordings store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select

import web  # noqa: F401 - registers every layer's tables
from huashu.core.db import import_table_modules, make_engine
from huashu.core.migrate import alembic_config
from runtime.campaigns import tables as T

CASES = {
    "/srv/huashu/var/call-recordings/2026/07/01/attempt-1.wav": "2026/07/01/attempt-1.wav",
    "var/call-recordings/2026/12/07/attempt-2.wav": "2026/12/07/attempt-2.wav",
    "C:\\huashu\\var\\call-recordings\\2026\\07\\03\\attempt-3.wav": "2026/07/03/attempt-3.wav",
    "2026/07/04/attempt-4.wav": "2026/07/04/attempt-4.wav",
    "secret.key": "secret.key",  # no store layout: left alone, and never served (served by id)
    "../x": "../x",
}


def _migrate(url: str) -> dict[int, str | None]:
    import_table_modules()
    cfg = alembic_config(url)
    command.upgrade(cfg, "0001")
    engine = make_engine(url)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    with engine.begin() as c:
        for i, stored in enumerate([*CASES, None], start=1):
            c.execute(insert(T.attempts).values(id=i, job_id=i, task_id=1, phone="+8613900000001", node_id="n",
                                                state="ended", started_at=now, recording=stored))
    command.upgrade(cfg, "head")
    with engine.connect() as c:
        got = dict(c.execute(select(T.attempts.c.id, T.attempts.c.recording)).tuples().all())
    engine.dispose()
    return got


def _expect() -> dict[int, str | None]:
    return {i: v for i, v in enumerate([*CASES.values(), None], start=1)}


def test_sqlite_rows_are_converted(tmp_path: Path) -> None:
    assert _migrate(f"sqlite:///{tmp_path / 'm.db'}") == _expect()


@pytest.mark.postgres
def test_postgres_rows_are_converted() -> None:
    from tests.pgdb import throwaway_database

    with throwaway_database("hs_mig0002") as url:
        assert _migrate(url) == _expect()
