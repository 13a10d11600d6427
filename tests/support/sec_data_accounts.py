"""Database accounts for the source-security tests: the privileged one people configure first
(PostgreSQL ``postgres``, MariaDB ``root``) and a read-only one made for the test and dropped after.

Each yields a :class:`~runtime.campaigns.sources.SourceSpec` and the name of a customer table
(3 rows) and a victim table (3 rows) that a bypass would read or delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import create_engine, text

from runtime.campaigns.sources import SourceSpec

__all__ = ["Accounts", "postgres_accounts", "mariadb_accounts", "PG_ROOT", "MY_ROOT"]

PG_ROOT = "postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
MY_ROOT = "mysql+pymysql://root@127.0.0.1:3306/test"


@dataclass(frozen=True)
class Accounts:
    privileged: SourceSpec
    read_only: SourceSpec
    customers: str
    victim: str
    admin_url: str

    def count(self, table: str) -> int:
        eng = create_engine(self.admin_url)
        try:
            with eng.connect() as c:
                return int(c.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        finally:
            eng.dispose()


@contextmanager
def postgres_accounts() -> Iterator[Accounts]:
    """A throwaway database with the two tables, and a LOGIN role that may only SELECT them."""
    from tests.pgdb import throwaway_database

    tag = uuid.uuid4().hex[:8]
    role, cust, victim = f"hs_ro_{tag}", f"hs_cust_{tag}", f"hs_victim_{tag}"
    with throwaway_database("hs_src") as url:
        db = url.rsplit("/", 1)[1]
        eng = create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text(f"CREATE TABLE {cust} AS SELECT g AS id, '1380000' || lpad(g::text, 4, '0') AS phone, "
                           f"'name ' || g AS name FROM generate_series(1, 3) g"))
            c.execute(text(f"CREATE TABLE {victim} AS SELECT g AS id FROM generate_series(1, 3) g"))
            c.execute(text(f"CREATE ROLE {role} LOGIN"))
            c.execute(text(f"GRANT SELECT ON {cust}, {victim} TO {role}"))
        try:
            yield Accounts(
                privileged=SourceSpec(kind="postgresql", host="127.0.0.1", user="postgres", database=db),
                read_only=SourceSpec(kind="postgresql", host="127.0.0.1", user=role, database=db),
                customers=cust, victim=victim, admin_url=url)
        finally:
            with eng.connect() as c:
                c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"))
                c.execute(text(f"DROP OWNED BY {role}"))
            eng.dispose()
            admin = create_engine(PG_ROOT.format(db="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f"DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"))
                c.execute(text(f"DROP ROLE IF EXISTS {role}"))
            admin.dispose()


@contextmanager
def mariadb_accounts() -> Iterator[Accounts]:
    """The two tables in database ``test``, and an account with SELECT on ``test`` only."""
    tag = uuid.uuid4().hex[:8]
    user, cust, victim = f"hs_ro_{tag}", f"hs_cust_{tag}", f"hs_victim_{tag}"
    eng = create_engine(MY_ROOT)
    with eng.begin() as c:
        c.execute(text(f"CREATE TABLE {cust} (id INT PRIMARY KEY, phone VARCHAR(20), name VARCHAR(40))"))
        c.execute(text(f"INSERT INTO {cust} VALUES (1, '13800000001', 'name 1'), (2, '13800000002', 'name 2'), "
                       f"(3, '13800000003', 'name 3')"))
        c.execute(text(f"CREATE TABLE {victim} (id INT PRIMARY KEY)"))
        c.execute(text(f"INSERT INTO {victim} VALUES (1), (2), (3)"))
        for host in ("%", "localhost"):
            c.execute(text(f"CREATE USER '{user}'@'{host}'"))
            c.execute(text(f"GRANT SELECT ON test.* TO '{user}'@'{host}'"))
    try:
        yield Accounts(
            privileged=SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test"),
            read_only=SourceSpec(kind="mysql", host="127.0.0.1", user=user, database="test"),
            customers=cust, victim=victim, admin_url=MY_ROOT)
    finally:
        with eng.begin() as c:
            for host in ("%", "localhost"):
                c.execute(text(f"DROP USER IF EXISTS '{user}'@'{host}'"))
            c.execute(text(f"DROP TABLE IF EXISTS {cust}, {victim}"))
        eng.dispose()
