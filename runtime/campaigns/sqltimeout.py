"""Time limits for a source query, kept by the database server, and stopping it when we give up.

A client-side read timeout alone leaves the query running on the server (the probe of issue 15
saw MariaDB's ``SLEEP(30)`` go on after the client had left). So each server is told the limit
itself — PostgreSQL ``statement_timeout`` (a connection option), MariaDB
``max_statement_time`` (MySQL ``max_execution_time``), Oracle's call timeout — and the client's
own read timeout is set a little later, so the server's clean error normally wins.

When the reader stops early (a preview has its rows, a load failed, the consumer left), what
still runs differs. MariaDB/MySQL stream a result by running the query on while the client
reads (pymysql's unbuffered cursor), so the query is killed: ``KILL QUERY`` from a second
connection, then the rest of the result is read as the "interrupted" error it has become.
PostgreSQL reads through a server-side cursor, one FETCH at a time: while the reader is
suspended no statement runs, closing the connection ends the cursor, each FETCH is bounded by
``statement_timeout``, and psycopg sends the cancel request itself when interrupted mid-FETCH
(Ctrl-C). Oracle's call timeout bounds every round trip likewise. A cancel request sent by us
there would only race the rollback that follows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from huashu.core.errors import UserError

__all__ = ["DEFAULT_STATEMENT_TIMEOUT_S", "MAX_STATEMENT_TIMEOUT_S", "check_timeout", "connect_args",
           "limit_session", "is_timeout"]

_log = logging.getLogger(__name__)

#: seconds one source query may run when the source sets nothing else
DEFAULT_STATEMENT_TIMEOUT_S = 60.0
#: the most a source may allow (a day): a number, not "forever"
MAX_STATEMENT_TIMEOUT_S = 86_400.0
#: the client waits this much longer than the server's limit before it gives up on its own
_CLIENT_GRACE_S = 5.0
#: a connection attempt never waits longer than this, whatever the statement limit
_MAX_CONNECT_S = 30.0


def check_timeout(seconds: float, what: str = "statement timeout") -> float:
    """``seconds`` if it is a usable limit; a :class:`UserError` that names the field and the range otherwise."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not (0.1 <= float(seconds) <= MAX_STATEMENT_TIMEOUT_S):
        raise UserError(f"{what}: {seconds!r} is not a number of seconds from 0.1 to {MAX_STATEMENT_TIMEOUT_S:g}")
    return float(seconds)


def connect_args(kind: str, seconds: float) -> dict[str, Any]:
    """Each driver's own connect and read limits; PostgreSQL's statement limit rides on the connection."""
    connect = max(1, round(min(seconds, _MAX_CONNECT_S)))
    if kind == "mysql":
        client = seconds + _CLIENT_GRACE_S
        return {"connect_timeout": connect, "read_timeout": client, "write_timeout": client}
    if kind == "postgresql":
        return {"connect_timeout": connect, "options": f"-c statement_timeout={max(1, int(seconds * 1000))}"}
    return {"tcp_connect_timeout": min(seconds, _MAX_CONNECT_S)}


def on_connect(engine: Engine, kind: str, seconds: float) -> None:
    """Oracle's limit is an attribute of each connection (every round trip, in milliseconds)."""
    if kind != "oracle":
        return
    ms = max(1, int(seconds * 1000))

    @event.listens_for(engine, "connect")
    def _call_timeout(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.call_timeout = ms


def limit_session(engine: Engine, conn: Connection, kind: str, seconds: float) -> Callable[[Any], None]:
    """Set the server-side limit of this session; returns what cancels its running query (given
    the DBAPI cursor of the result being read, or None).

    Ends the transaction it used, so the caller's ``SET TRANSACTION READ ONLY`` comes first in
    the next one (MySQL refuses it inside a transaction)."""
    if kind == "mysql":
        version, conn_id = conn.exec_driver_sql("SELECT VERSION(), CONNECTION_ID()").one()
        if "mariadb" in str(version).lower():
            conn.exec_driver_sql(f"SET SESSION max_statement_time = {seconds:.3f}")
        else:
            conn.exec_driver_sql(f"SET SESSION max_execution_time = {max(1, int(seconds * 1000))}")
        conn.commit()
        return lambda cursor: _kill_query(engine, int(conn_id), cursor)
    return lambda _cursor: None  # nothing runs on the server between fetches (see the module docstring)


def _kill_query(engine: Engine, conn_id: int, cursor: Any) -> None:
    """``KILL QUERY`` from a second connection (an account may always kill its own queries), then
    read the streamed result to its end, which is now the server's "interrupted" error: without
    this, closing the result would read every remaining row of the query."""
    try:
        with engine.connect() as k:
            k.exec_driver_sql(f"KILL QUERY {conn_id}")
    except Exception as e:  # the query may have ended meanwhile; never mask the caller's own error
        _log.info("KILL QUERY %s: %s", conn_id, e)
    if cursor is not None:
        with contextlib.suppress(Exception):
            cursor.fetchall()


def is_timeout(e: BaseException) -> bool:
    """Whether ``e`` is a time limit firing: the server's (any of the three) or the client's read timeout."""
    orig = getattr(e, "orig", None) or e
    if getattr(orig, "sqlstate", None) == "57014":  # postgresql query_canceled (statement_timeout)
        return True
    args = tuple(getattr(orig, "args", ()))
    if args and args[0] in (1969, 3024):  # MariaDB max_statement_time, MySQL max_execution_time
        return True
    msg = str(orig).lower()
    return "timed out" in msg or "timeout" in msg or "dpy-4024" in msg or "max_statement_time" in msg
