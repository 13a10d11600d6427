"""The analytics store: a DuckDB file with the call records, the business outcomes and their rollups.

Why DuckDB: columnar and vectorised, one file like SQLite, so loading millions of calls and
aggregating them is seconds, not minutes. Rows are appended in (campaign_id, started_at)
order so per-campaign queries skip row groups through DuckDB's min/max zone maps (its index).

Why rollups: the report must stay under two seconds over ten million calls even on a busy
machine, so every ingest rebuilds, for the campaigns it touched only, small pre-aggregated
tables the report reads instead of the calls:

- ``campaign_customer``: one row per (campaign, customer): attempts, best intent level,
  effective contact, joined to the business outcome (balance, recharge);
- ``r_calls``: call counts and talk time by (campaign, UTC half hour, outcome, last node, answered);
- ``r_customers``: customer counts and recharge sums by (campaign, level, effective, balance bin,
  recharge bin, has business data);
- ``r_business``: per (campaign, arm) count, recharged count, sum and sum of squares of recharge.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from huashu.core.errors import UserError
from runtime.analytics.records import (
    BALANCE_BINS,
    BUSINESS_COLUMNS,
    CALL_COLUMNS,
    CATEGORY_LEVEL,
    EFFECTIVE_TALK_S,
    RECHARGE_BINS,
)
from runtime.audience.frame import Frame, frame_len

__all__ = ["AnalyticsStore", "StoreError", "bin_sql"]


class StoreError(UserError):
    """Records that do not have the documented shape."""


def bin_sql(col: str, edges: tuple[float, ...]) -> str:
    """Bin number of ``col``: 0 below ``edges[0]``, i for edges[i-1] <= x < edges[i], len(edges) above."""
    parts = " ".join(f"WHEN {col} < {e} THEN {i}" for i, e in enumerate(edges))
    return f"(CASE {parts} ELSE {len(edges)} END)::UTINYINT"


def _level_sql() -> str:
    cases = " ".join(f"WHEN '{k}' THEN {v}" for k, v in CATEGORY_LEVEL.items())
    return f"CASE WHEN NOT answered THEN 0 ELSE (CASE intent_category {cases} ELSE 1 END) END"


class AnalyticsStore:
    """One DuckDB database (a file, or ``:memory:``) holding calls, business data and rollups."""

    def __init__(self, path: str | Path = ":memory:", read_only: bool = False, threads: int | None = None) -> None:
        """Open (and create) the store; a file being written by another process cannot be opened meanwhile."""
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        if read_only and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreError(f"no analytics store at {self.path}")
        try:
            self.con = duckdb.connect(self.path, read_only=read_only and self.path != ":memory:")
        except duckdb.Error as e:
            raise StoreError(f"cannot open the analytics store {self.path}: {e}") from e
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if not read_only:
            self._schema()
        else:
            tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
            if not {"calls", "r_calls", "r_customers", "r_business"} <= tables:
                self.con.close()
                raise StoreError(f"{self.path} lacks tables of this version; run `huashu report refresh` once")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> AnalyticsStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _schema(self) -> None:
        calls = ", ".join(f"{k} {v}" for k, v in CALL_COLUMNS.items())
        business = ", ".join(f"{k} {v}" for k, v in BUSINESS_COLUMNS.items())
        # slot_utc: the half hour of the UTC day, stored once so the by-slot chart needs no date arithmetic.
        self.con.execute(f"CREATE TABLE IF NOT EXISTS calls ({calls}, slot_utc UTINYINT)")
        self.con.execute(f"CREATE TABLE IF NOT EXISTS business ({business})")
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS campaign_customer (campaign_id BIGINT, customer_id BIGINT, "
            "attempts INTEGER, answered BOOLEAN, effective BOOLEAN, level INTEGER, max_talk_s DOUBLE, "
            "balance DOUBLE, recharge_amount DOUBLE)"
        )
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS r_calls (campaign_id BIGINT, slot_utc UTINYINT, outcome VARCHAR, "
            "last_node VARCHAR, answered BOOLEAN, n BIGINT, effective BIGINT, talk_sum DOUBLE, "
            "first_at TIMESTAMP, last_at TIMESTAMP)"
        )
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS r_customers (campaign_id BIGINT, level INTEGER, effective BOOLEAN, "
            "balance_bin UTINYINT, recharge_bin UTINYINT, has_business BOOLEAN, n BIGINT, r0 BIGINT, r100 BIGINT, "
            "r200 BIGINT, recharge_sum DOUBLE, balance_sum DOUBLE)"
        )
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS r_business (campaign_id BIGINT, arm VARCHAR, n BIGINT, recharged BIGINT, "
            "amount_sum DOUBLE, amount_sq DOUBLE)"
        )

    @staticmethod
    def _check(frame: Frame, columns: dict[str, str], what: str) -> None:
        missing = [c for c in columns if c not in frame]
        if missing:
            raise StoreError(f"{what} lack the column(s): {', '.join(missing)}")
        frame_len(frame)

    def add_calls(self, calls: Frame, refresh: bool = True) -> int:
        """Append call records (the documented shape); returns how many were added."""
        self._check(calls, CALL_COLUMNS, "call records")
        n = frame_len(calls)
        if n == 0:
            return 0
        self.con.register("_in_calls", {c: calls[c] for c in CALL_COLUMNS})
        cols = ", ".join(CALL_COLUMNS)
        casts = ", ".join(f"CAST({c} AS {t})" for c, t in CALL_COLUMNS.items())
        slot = "(hour(CAST(started_at AS TIMESTAMP)) * 2 + minute(CAST(started_at AS TIMESTAMP)) // 30)::UTINYINT"
        self.con.execute(
            f"INSERT INTO calls ({cols}, slot_utc) SELECT {casts}, {slot} FROM _in_calls ORDER BY campaign_id, started_at"
        )
        campaigns = [int(c) for c in np.unique(calls["campaign_id"])]
        self.con.unregister("_in_calls")
        if refresh:
            self.refresh(campaigns)
        return n

    def add_business(self, business: Frame, replace: bool = True, refresh: bool = True) -> int:
        """Load business outcomes; by default they replace earlier rows of the same campaigns."""
        self._check(business, BUSINESS_COLUMNS, "business data")
        n = frame_len(business)
        if n == 0:
            return 0
        arms = set(np.unique(business["arm"].astype(str)))
        if not arms <= {"treated", "control"}:
            raise StoreError(f"business data: arm must be 'treated' or 'control', got {sorted(arms - {'treated', 'control'})}")
        self.con.register("_in_bus", {c: business[c] for c in BUSINESS_COLUMNS})
        if replace:
            self.con.execute("DELETE FROM business WHERE campaign_id IN (SELECT DISTINCT campaign_id FROM _in_bus)")
        casts = ", ".join(f"CAST({c} AS {t})" for c, t in BUSINESS_COLUMNS.items())
        self.con.execute(f"INSERT INTO business SELECT {casts} FROM _in_bus ORDER BY campaign_id, customer_id")
        campaigns = [int(c) for c in np.unique(business["campaign_id"])]
        self.con.unregister("_in_bus")
        if refresh:
            self.refresh(campaigns)
        return n

    def refresh(self, campaigns: Iterable[int] | None = None) -> None:
        """Rebuild every rollup for ``campaigns`` (all when None)."""
        where = ""
        if campaigns is not None:
            ids = ",".join(str(int(c)) for c in campaigns)
            if not ids:
                return
            where = f"WHERE campaign_id IN ({ids})"
        for table in ("campaign_customer", "r_calls", "r_customers", "r_business"):
            self.con.execute(f"DELETE FROM {table} {where}")
        # Customers called, joined to their business outcome (balance, recharge after the campaign).
        self.con.execute(
            f"""INSERT INTO campaign_customer
            WITH c AS (
                SELECT campaign_id, customer_id, count(*)::INTEGER AS attempts, bool_or(answered) AS answered,
                       bool_or(talk_s > {EFFECTIVE_TALK_S}) AS effective, max({_level_sql()})::INTEGER AS level,
                       max(talk_s) AS max_talk_s
                FROM calls {where} GROUP BY campaign_id, customer_id)
            SELECT c.*, b.balance, b.recharge_amount FROM c LEFT JOIN business b
              ON b.campaign_id = c.campaign_id AND b.customer_id = c.customer_id
            ORDER BY c.campaign_id, c.customer_id"""
        )
        self.con.execute(
            f"""INSERT INTO r_calls
            SELECT campaign_id, slot_utc, outcome, last_node, answered, count(*),
                   count(*) FILTER (talk_s > {EFFECTIVE_TALK_S}), sum(talk_s), min(started_at), max(started_at)
            FROM calls {where} GROUP BY ALL"""
        )
        bal = bin_sql("coalesce(balance, 0)", BALANCE_BINS)
        rec = bin_sql("coalesce(recharge_amount, 0)", RECHARGE_BINS)
        self.con.execute(
            f"""INSERT INTO r_customers
            SELECT campaign_id, level, effective, {bal}, {rec}, recharge_amount IS NOT NULL, count(*),
                   count(*) FILTER (coalesce(recharge_amount, 0) > 0), count(*) FILTER (recharge_amount >= 100),
                   count(*) FILTER (recharge_amount >= 200), coalesce(sum(recharge_amount), 0),
                   coalesce(sum(balance), 0)
            FROM campaign_customer {where} GROUP BY campaign_id, level, effective, 4, 5, 6"""
        )
        self.con.execute(
            f"""INSERT INTO r_business
            SELECT campaign_id, arm, count(*), count(*) FILTER (recharge_amount > 0),
                   coalesce(sum(recharge_amount), 0), coalesce(sum(recharge_amount * recharge_amount), 0)
            FROM business {where} GROUP BY ALL"""
        )

    def campaigns(self) -> list[int]:
        return [r[0] for r in self.con.execute("SELECT DISTINCT campaign_id FROM r_calls ORDER BY 1").fetchall()]

    def count(self, table: str = "calls") -> int:
        if table not in ("calls", "business", "campaign_customer", "r_calls", "r_customers", "r_business"):
            raise StoreError(f"no table {table!r}")
        row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(row[0]) if row else 0

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()
