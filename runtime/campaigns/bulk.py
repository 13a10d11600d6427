"""Bulk inserts for a million-row dial queue: COPY on PostgreSQL, a raw ``executemany`` on SQLite.

SQLAlchemy's per-row parameter processing costs more than the database itself at this size;
here values pass through each column's own bind processor once (so a row written here reads
back exactly like one the ORM wrote) and go to the driver as plain tuples, inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

__all__ = ["bulk_insert", "big_write"]

_SQLITE_LOAD_CACHE_KIB = 131072  # 128 MiB page cache while a big list loads


@contextmanager
def big_write(conn: Connection) -> Iterator[None]:
    """On SQLite, a large page cache for the duration of one big load: index pages of a
    million-row insert stop spilling to disk (about twice as fast); restored afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(old or -2000)}")


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    dialect = conn.dialect
    if dialect.name == "postgresql":
        dbapi: Any = conn.connection.dbapi_connection  # psycopg 3: cursor().copy()
        cols = ", ".join(f'"{c}"' for c in columns)
        with dbapi.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as cp:
            for r in rows:
                cp.write_row(r)
        return
    if dialect.name == "sqlite":
        procs = [table.c[c].type._cached_bind_processor(dialect) for c in columns]
        conv = [(i, p) for i, p in enumerate(procs) if p is not None]
        if conv:
            memo: dict[Any, Any] = {}  # one batch shares few distinct timestamps
            out = []
            for r in rows:
                lst = list(r)
                for i, p in conv:
                    v = lst[i]
                    if v is not None:
                        got = memo.get(v)
                        if got is None:
                            got = memo[v] = p(v)
                        lst[i] = got
                out.append(tuple(lst))
            rows = out
        sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
        conn.exec_driver_sql(sql, list(rows))
        return
    conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
