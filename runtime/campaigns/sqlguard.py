"""The read-only guard for customer queries: exactly one SELECT, nothing that writes or locks.

Parsed with sqlglot (in the source's dialect), so a keyword inside a string literal is not
mistaken for a statement and ``SELECT ... ; DROP ...`` is seen as two statements. The guard is
one of two locks: the query also runs inside a read-only transaction where the server has one.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

__all__ = ["UnsafeQuery", "check_select", "DIALECTS"]

DIALECTS = {"mysql": "mysql", "postgresql": "postgres", "oracle": "oracle"}
_OUTFILE = re.compile(r"\binto\s+(outfile|dumpfile)\b", re.IGNORECASE)

_FORBIDDEN: tuple[tuple[type[exp.Expression], str], ...] = (
    (exp.Insert, "INSERT"),
    (exp.Update, "UPDATE"),
    (exp.Delete, "DELETE"),
    (exp.Merge, "MERGE"),
    (exp.Create, "CREATE"),
    (exp.Drop, "DROP"),
    (exp.Alter, "ALTER"),
    (exp.TruncateTable, "TRUNCATE"),
    (exp.Command, "a command"),
    (exp.Into, "SELECT ... INTO"),
    (exp.Lock, "a locking clause (FOR UPDATE / FOR SHARE)"),
)


class UnsafeQuery(ValueError):
    """The query is not a single read-only SELECT; the message says what was found."""


def check_select(sql: str, kind: str = "postgresql") -> str:
    """Return the query stripped of a trailing semicolon, or raise :class:`UnsafeQuery`."""
    text = sql.strip()
    if not text:
        raise UnsafeQuery("the query is empty")
    if _OUTFILE.search(text):
        raise UnsafeQuery("INTO OUTFILE/DUMPFILE writes files on the server; only plain SELECT is allowed")
    dialect = DIALECTS.get(kind, "postgres")
    try:
        statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
    except ParseError as e:
        raise UnsafeQuery(f"the query does not parse: {str(e).splitlines()[0]}") from e
    if len(statements) != 1:
        raise UnsafeQuery(f"exactly one statement is allowed, found {len(statements)}")
    stmt = statements[0]
    for node in stmt.walk():
        for klass, label in _FORBIDDEN:
            if isinstance(node, klass):
                raise UnsafeQuery(f"only read-only SELECT queries are allowed; found {label}")
    if not isinstance(stmt, exp.Query):
        raise UnsafeQuery(f"only SELECT queries are allowed; found {stmt.key.upper()}")
    return text.rstrip().rstrip(";").rstrip()
