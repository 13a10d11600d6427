"""Bulk inserts (multi-row INSERT on SQLite, binary COPY on PostgreSQL) store exactly what the ORM stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, select

from runtime.campaigns import tables as T
from runtime.campaigns.bulk import big_write, bulk_insert

COLS = ("row_no", "phone", "name", "variables", "state", "drop_message", "not_before")
SHANGHAI = timezone(timedelta(hours=8))


def _stored(engine, run_id):
    j = T.jobs
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(
            select(j.c.row_no, j.c.phone, j.c.name, j.c.variables, j.c.state, j.c.drop_message, j.c.not_before,
                   j.c.task_id, j.c.business, j.c.created_at, j.c.leg, j.c.attempts).where(j.c.run_id == run_id)
            .order_by(j.c.id))]


def test_bulk_rows_read_back_like_orm_rows(engine):
    now = datetime(2026, 3, 2, 1, 30, 15, 123456, tzinfo=UTC)
    later = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # 02:00 UTC
    business = "O'Brien's \"流量\" 包; DROP TABLE campaign_job; --"
    rows = [(i, f"+86139{i:08d}", None if i % 2 else f"客户'{i}", "{}", "queued" if i % 3 else "dropped",
             None if i % 3 else f"row {i}: it's capped", later if i % 5 == 0 else None) for i in range(457)]
    constants = {"task_id": 7, "run_id": 1, "business": business, "leg": "primary", "attempts": 0, "created_at": now}
    with engine.begin() as c, big_write(c):
        bulk_insert(c, T.jobs, COLS, rows, constants)  # 457 = 2 x 200 + 57: both statement shapes
    with engine.begin() as c:  # the same rows through the ORM's insert
        c.execute(insert(T.jobs), [{**dict(zip(COLS, r, strict=True)), **constants, "run_id": 2} for r in rows])
    bulk, orm = _stored(engine, 1), _stored(engine, 2)
    assert len(bulk) == 457 and bulk == orm
    assert bulk[0][6] == datetime(2026, 3, 2, 2, 0, tzinfo=UTC) and bulk[1][6] is None
    assert bulk[0][8] == business and bulk[0][9] == now
    with engine.connect() as c:  # the table is intact
        assert c.execute(select(T.jobs.c.id).limit(1)).first() is not None
