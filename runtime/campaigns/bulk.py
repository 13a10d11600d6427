"""Bulk inserts for a million-row dial queue: COPY on PostgreSQL, a raw ``executemany`` on SQLite.

SQLAlchemy's per-row parameter processing costs more than the database itself at this size;
here values pass through each column's own bind processor once per distinct value (so a row
written here reads back exactly like one the ORM wrote) and go to the driver as plain tuples,
inside the caller's transaction.

Values shared by every row of a load (task, run, business, creation time, ...) are passed as
``constants``: on SQLite they are written into the statement as literals (quoted by SQLite's
own ``quote()``), so they are not bound again for each of a million rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection, Dialect

__all__ = ["bulk_insert", "big_write"]

_SQLITE_LOAD_CACHE_KIB = 131072  # 128 MiB page cache while a big list loads
_ROWS_PER_STATEMENT = 200


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


def _processed(table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
               dialect: Dialect) -> Sequence[tuple[Any, ...]]:
    """``rows`` with each column's bind processor applied, once per distinct value of the column
    (a batch shares a handful of timestamps); columns without a processor, or all NULL, are left alone."""
    for i, c in enumerate(columns):
        proc = table.c[c].type._cached_bind_processor(dialect)
        if proc is None:
            continue
        try:
            distinct = {r[i] for r in rows}
        except TypeError:  # unhashable values (JSON): one call each
            memo = None
        else:
            distinct.discard(None)
            if not distinct:
                continue
            memo = {v: proc(v) for v in distinct}
            memo[None] = None
        if memo is not None:
            rows = [(*r[:i], memo[r[i]], *r[i + 1:]) for r in rows]
        else:
            rows = [(*r[:i], None if r[i] is None else proc(r[i]), *r[i + 1:]) for r in rows]
    return rows


def _copy_binary(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]],
                 tail: tuple[Any, ...]) -> None:
    """PostgreSQL: COPY in binary, typed by the table's own column types (read from the catalogue):
    a quarter of the client CPU of text COPY, and less parsing for the server."""
    dbapi: Any = conn.connection.dbapi_connection  # psycopg 3: cursor().copy()
    with dbapi.cursor() as cur:
        cur.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                    (f'"{table.name}"',))
        oids = dict(cur.fetchall())
        types = [int(oids[n]) for n in names]
        cols = ", ".join(f'"{n}"' for n in names)
        with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN (FORMAT BINARY)') as cp:
            cp.set_types(types)
            write = cp.write_row
            if tail:
                for r in rows:
                    write(r + tail)
            else:
                for r in rows:
                    write(r)


def _rows_per_statement(conn: Connection, ncols: int) -> int:
    """Rows in one multi-row INSERT: up to 200, within the build's limit on bound parameters."""
    dbapi: Any = conn.connection.dbapi_connection
    try:
        limit = int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except AttributeError:  # Python < 3.11
        limit = 999
    return max(1, min(_ROWS_PER_STATEMENT, limit // max(1, ncols)))


def _bound(table: Table, column: str, value: Any, dialect: Dialect) -> Any:
    proc = table.c[column].type._cached_bind_processor(dialect)
    return proc(value) if proc is not None and value is not None else value


def _sqlite_literal(conn: Connection, table: Table, column: str, value: Any) -> str:
    bound = _bound(table, column, value, conn.dialect)
    return str(conn.exec_driver_sql("SELECT quote(?)", (bound,)).scalar_one())


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
                constants: Mapping[str, Any] | None = None) -> None:
    """Insert ``rows`` (tuples in ``columns`` order), each completed by ``constants`` (column -> value)."""
    if not rows:
        return
    constants = dict(constants or {})
    dialect = conn.dialect
    if dialect.name == "postgresql":
        rows = _processed(table, columns, rows, dialect)
        tail = tuple(_bound(table, c, v, dialect) for c, v in constants.items())
        _copy_binary(conn, table, [*columns, *constants], rows, tail)
        return
    if dialect.name == "sqlite":
        rows = _processed(table, columns, rows, dialect)
        one = "(" + ", ".join(["?"] * len(columns) + [_sqlite_literal(conn, table, c, v) for c, v in constants.items()]) + ")"
        head = f'INSERT INTO "{table.name}" ({", ".join([*columns, *constants])}) VALUES '
        per = _rows_per_statement(conn, len(columns))
        whole = len(rows) // per * per
        if whole:  # many rows a statement: the driver's per-statement cost is paid once for all of them
            flat = chain.from_iterable
            conn.exec_driver_sql(head + ", ".join([one] * per),
                                 [tuple(flat(rows[i:i + per])) for i in range(0, whole, per)])
        if whole < len(rows):
            conn.exec_driver_sql(head + one, list(rows[whole:]))
        return
    conn.execute(insert(table), [{**dict(zip(columns, r, strict=True)), **constants} for r in rows])
