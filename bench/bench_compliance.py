"""Compliance benchmarks: what the audit trail, consent and region policies cost, how long
``audit verify`` takes over a million entries, and how long erasing one number takes from a
database holding a million calls.

    .venv/bin/python bench/bench_compliance.py                      # SQLite, full sizes
    .venv/bin/python bench/bench_compliance.py --entries 200000 --calls 200000 --postgres

Figures printed (medians of ``--runs``):
- one audit append in its own transaction (the head-row lock, hashing, insert), microseconds;
- ``add_numbers`` of ``--numbers`` rows: a plain task vs a marketing task with a consent column
  and the ``cn`` region policy, both with the same calling hours (the added per-row screen
  cost; one row in ten has no consent and is dropped), seconds;
- ``verify`` over ``--entries`` chained entries, seconds and entries/s;
- ``erase_number`` from a database with ``--calls`` call attempts (and as many queue rows):
  the deletion, and the search of every text column afterwards, seconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from huashu.core.config import Settings  # noqa: E402
from huashu.core.db import init_db, make_engine  # noqa: E402
from runtime.audit.chain import FIELDS, canonical, entry_hash  # noqa: E402,F401
from runtime.audit.log import record  # noqa: E402
from runtime.audit.models import GENESIS, AuditEntry  # noqa: E402
from runtime.audit.verify import verify  # noqa: E402
from runtime.campaigns import tables as T  # noqa: E402
from runtime.campaigns.loading import add_numbers  # noqa: E402
from runtime.campaigns.mapping import CustomerRow  # noqa: E402
from runtime.campaigns.tasks import TaskSpec, create_task  # noqa: E402
from runtime.privacy.erase import _forms, erase_number, find_traces  # noqa: E402


def _engine(kind: str, folder: Path, name: str) -> tuple[Engine, object]:
    if kind == "sqlite":
        e = make_engine(f"sqlite:///{folder / (name + '.db')}")
        init_db(e)
        return e, None
    from tests.pgdb import throwaway_database

    cm = throwaway_database("hs_bench_" + name)
    url = cm.__enter__()
    e = make_engine(url)
    init_db(e)
    return e, cm


def _close(e: Engine, cm: object) -> None:
    e.dispose()
    if cm is not None:
        cm.__exit__(None, None, None)  # type: ignore[attr-defined]


def bench_append(e: Engine, n: int = 500) -> float:
    t = time.perf_counter()
    for i in range(n):
        with e.begin() as c:
            record(c, "bench.append", "thing", i, after={"i": i})
    return (time.perf_counter() - t) / n * 1e6


def bench_screen(e: Engine, numbers: int, runs: int) -> tuple[float, float]:
    def rows(consent: bool) -> list[CustomerRow]:
        return [CustomerRow(i + 2, f"13{i % 10}{i:08d}", consent=("consent" if i % 10 else "none") if consent else None)
                for i in range(numbers)]

    plain, policy = [], []
    for _ in range(runs):
        # the same calling hours on both sides: deferring rows outside them costs the same with or without a policy
        t1 = create_task(e, TaskSpec(name="plain", business=f"p{time.time_ns()}", windows="09:00-12:00,13:30-20:00"))
        r = rows(False)
        t = time.perf_counter()
        add_numbers(e, t1.id, r)
        plain.append(time.perf_counter() - t)
        with e.begin() as c:  # the same numbers queued elsewhere would count against the caps
            c.execute(T.jobs.delete())
        t2 = create_task(e, TaskSpec(name="cn", business=f"c{time.time_ns()}", windows="09:00-12:00,13:30-20:00",
                                     business_type="marketing",
                                     region_policy="cn"))
        r = rows(True)
        t = time.perf_counter()
        add_numbers(e, t2.id, r)
        policy.append(time.perf_counter() - t)
        with e.begin() as c:
            c.execute(T.jobs.delete())
            c.execute(T.runs.delete())
    return statistics.median(plain), statistics.median(policy)


def fill_audit(e: Engine, entries: int) -> None:
    """``entries`` correctly chained entries, written in batches (as appends would have)."""
    prev, batch = GENESIS, []
    tab = AuditEntry.__table__  # type: ignore[attr-defined]
    with e.begin() as c:
        c.execute(text("DELETE FROM audit_entry"))
        for i in range(1, entries + 1):
            row = {"seq": i, "at": f"2026-12-07T10:00:00.{i % 1000000:06d}Z", "actor": "alice", "address": "10.0.0.1",
                   "action": "task.update", "target_kind": "task", "target_id": str(i % 977),
                   "before": '{"max_concurrent":5}', "after": '{"max_concurrent":9}'}
            row["prev_hash"] = prev
            row["hash"] = prev = entry_hash(prev, row)
            batch.append(row)
            if len(batch) == 20000:
                c.execute(insert(tab), batch)
                batch = []
        if batch:
            c.execute(insert(tab), batch)
        c.execute(text("UPDATE audit_head SET seq = :s, hash = :h WHERE id = 1"), {"s": entries, "h": prev})


def fill_calls(e: Engine, calls: int) -> str:
    """``calls`` queue rows and attempts on distinct numbers; returns one number to erase."""
    now = datetime.now(UTC)
    with e.begin() as c:
        for start in range(0, calls, 20000):
            n = min(20000, calls - start)
            phones = [f"+86139{(start + k):08d}" for k in range(n)]
            c.execute(insert(T.jobs), [
                {"task_id": 1, "run_id": 1, "business": "b", "row_no": start + k, "state": "done", "phone": p,
                 "phone_raw": p[3:], "name": "客户", "variables": '{"fee": 10}', "leg": "primary", "attempts": 1,
                 "created_at": now, "dial_phone": p} for k, p in enumerate(phones)])
        first = int(c.execute(text("SELECT min(id) FROM campaign_job")).scalar_one())
        for start in range(0, calls, 20000):
            n = min(20000, calls - start)
            c.execute(insert(T.attempts), [
                {"task_id": 1, "job_id": first + start + k, "phone": f"+86139{(start + k):08d}", "node_id": "n",
                 "state": "ended", "outcome": "connected", "started_at": now, "record": '{"transcript": []}'}
                for k in range(n)])
    return f"139{calls // 2:08d}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--numbers", type=int, default=200_000, help="rows for the screen comparison")
    ap.add_argument("--entries", type=int, default=1_000_000, help="audit entries for verify")
    ap.add_argument("--calls", type=int, default=1_000_000, help="call attempts for the erasure")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--postgres", action="store_true", help="also on PostgreSQL (127.0.0.1:5432)")
    a = ap.parse_args()
    kinds = ["sqlite", *(["postgres"] if a.postgres else [])]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        st = Settings(data_dir=folder / "var", secret_key="bench-" + "x" * 40)
        st.data_dir.mkdir()
        for kind in kinds:
            e, cm = _engine(kind, folder, "a")
            us = statistics.median(bench_append(e) for _ in range(a.runs))
            print(f"{kind}: one audit append in its own transaction: {us:.0f} µs (median of {a.runs} x 500)")
            plain, pol = bench_screen(e, a.numbers, a.runs)
            print(f"{kind}: add_numbers {a.numbers:,} rows: plain task {plain:.2f} s, marketing + consent column + "
                  f"cn policy {pol:.2f} s ({(pol / plain - 1) * 100:+.1f}%)")
            t = time.perf_counter()
            fill_audit(e, a.entries)
            fill_s = time.perf_counter() - t
            times = []
            for _ in range(a.runs):
                t = time.perf_counter()
                v = verify(e)
                times.append(time.perf_counter() - t)
                assert v.ok and v.entries == a.entries, v.as_dict()
            m = statistics.median(times)
            print(f"{kind}: audit verify over {a.entries:,} entries: {m:.2f} s ({a.entries / m:,.0f} entries/s; "
                  f"written in {fill_s:.1f} s)")
            _close(e, cm)
            e, cm = _engine(kind, folder, "b")
            number = fill_calls(e, a.calls)
            t = time.perf_counter()
            rep = erase_number(e, number, settings=st)
            total = time.perf_counter() - t
            t = time.perf_counter()
            left = find_traces(e, _forms("+86" + number, "CN"), st)
            scan = time.perf_counter() - t
            assert rep.deleted["call_attempts"] == 1 and rep.deleted["dial_jobs"] == 1 and not left, rep.as_dict()
            print(f"{kind}: erase one number from {a.calls:,} calls: {total:.2f} s in all, of which the search of "
                  f"every text column afterwards ~{scan:.2f} s")
            _close(e, cm)


if __name__ == "__main__":
    main()
