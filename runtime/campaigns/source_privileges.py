"""What a source's database account could do beyond reading: the warnings of ``huashu source test``.

The query guard is one lock; the account is the other. A superuser, a member of
``pg_read_server_files`` or a MariaDB account with ``FILE`` turns any hole in the guard into
reading or writing server files, and dblink/postgres_fdw into reaching other servers. These
checks run our own fixed catalogue queries (never user text) and say what they found, so an
operator sees before the first campaign that the source should get a read-only account
(docs/campaigns.md, "A read-only account for a source").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

__all__ = ["account_risks", "READ_ONLY_ADVICE"]

READ_ONLY_ADVICE = ("give this source a read-only account (SELECT on the tables it reads, nothing else): "
                    "see docs/campaigns.md, 'A read-only account for a source'")

_PG_ROLES = {
    "pg_read_server_files": "can read any file on the database server (pg_read_server_files)",
    "pg_write_server_files": "can write files on the database server (pg_write_server_files)",
    "pg_execute_server_program": "can run programs on the database server (pg_execute_server_program)",
}


def _postgres(conn: Connection) -> list[str]:
    risks: list[str] = []
    if conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar():
        risks.append("the account is a superuser: it can read and write server files, run programs and change any data")
    for role, what in _PG_ROLES.items():
        member = conn.exec_driver_sql(
            "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %(r)s", {"r": role}).scalar()
        if member:
            risks.append(f"the account {what}")
    for (ext,) in conn.exec_driver_sql(
            "SELECT extname FROM pg_extension WHERE extname IN ('dblink', 'postgres_fdw') ORDER BY extname"):
        risks.append(f"the extension {ext} is installed in this database: queries can reach other servers")
    writable = conn.exec_driver_sql(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')").scalar() or 0
    if writable:
        risks.append(f"the account can change {writable} table(s) (INSERT/UPDATE/DELETE/TRUNCATE)")
    return risks


#: global MariaDB/MySQL privileges that reach past reading, and what each allows
_MY_GLOBAL = {
    "FILE": "can read and write files on the database server (FILE privilege)",
    "SUPER": "has SUPER (can change server settings and kill other sessions)",
    "PROCESS": "can see every session's queries (PROCESS)",
    "SHUTDOWN": "can shut the server down (SHUTDOWN)",
    "CREATE USER": "can create accounts (CREATE USER)",
}
_MY_WRITES = ("INSERT", "UPDATE", "DELETE", "DROP", "ALTER", "CREATE", "CREATE ROUTINE", "ALTER ROUTINE", "EXECUTE")


def _grantee(conn: Connection) -> str:
    user, host = str(conn.exec_driver_sql("SELECT CURRENT_USER()").scalar()).rsplit("@", 1)
    return f"'{user}'@'{host}'"


def _mysql(conn: Connection) -> list[str]:
    risks: list[str] = []
    grantee = _grantee(conn)
    glob = {p for (p,) in conn.exec_driver_sql(
        "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %(g)s", {"g": grantee})}
    for priv, what in _MY_GLOBAL.items():
        if priv in glob:
            risks.append(f"the account {what}")
    writes = sorted(glob.intersection(_MY_WRITES))
    if writes:
        risks.append(f"the account can change every database ({', '.join(writes)} on *.*)")
    schema_writes = conn.exec_driver_sql(
        "SELECT TABLE_SCHEMA, GROUP_CONCAT(DISTINCT PRIVILEGE_TYPE ORDER BY PRIVILEGE_TYPE) "
        "FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %(g)s "
        "AND PRIVILEGE_TYPE IN ('INSERT','UPDATE','DELETE','DROP','ALTER','CREATE') GROUP BY TABLE_SCHEMA",
        {"g": grantee}).all()
    for schema, privs in schema_writes:
        risks.append(f"the account can change the database {schema} ({privs})")
    if "FILE" in glob:
        where = conn.exec_driver_sql("SELECT @@GLOBAL.secure_file_priv").scalar()
        if where is None or where == "":
            risks.append("secure_file_priv is empty: FILE reaches every file the server can read or write")
    return risks


_CHECKS: dict[str, Callable[[Connection], list[str]]] = {"postgresql": _postgres, "mysql": _mysql}


def account_risks(kind: str, conn: Connection) -> list[str]:
    """What the connected account can do beyond reading (empty: nothing found); Oracle: not checked."""
    check = _CHECKS.get(kind)
    return check(conn) if check is not None else []


def describe(risks: list[str]) -> list[Any]:
    """Warnings with the advice last, for printing one a line."""
    return [*risks, READ_ONLY_ADVICE] if risks else []
