"""Campaign benchmarks: a big number list through validation, blacklist, dedupe and caps (SQLite and
PostgreSQL), and the dialer driving the telephony simulator at 50 call attempts per second.

    .venv/bin/python bench/bench_campaigns.py                 # 1,000,000 numbers, both databases, dialer
    .venv/bin/python bench/bench_campaigns.py --numbers 200000 --skip-postgres

Prints medians where runs repeat; the screen figure is the wall time of ``add_numbers`` (read the
blacklist / history / counts, screen every row, write every verdict in one transaction). On a
machine with two or more CPUs a big list is screened by a worker process while this one writes
(runtime/campaigns/screening.py); "CPU of this process" leaves the worker's CPU out.
``--variables`` gives every row a name and two script variables, as real lists have.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.progress import Progress  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from huashu.core.db import init_db, make_engine  # noqa: E402
from runtime.campaigns import tables as T  # noqa: E402
from runtime.campaigns.clock import utcnow  # noqa: E402
from runtime.campaigns.dialer import LineLimits  # noqa: E402
from runtime.campaigns.loading import add_numbers  # noqa: E402
from runtime.campaigns.mapping import CustomerRow  # noqa: E402
from runtime.campaigns.node import RuntimeNode  # noqa: E402
from runtime.campaigns.progress import progress  # noqa: E402
from runtime.campaigns.sim_runner import SimulatorRunner  # noqa: E402
from runtime.campaigns.tasks import TaskSpec, create_task, set_status  # noqa: E402

SCRIPT = json.loads((ROOT / "scripts_library" / "data_pack_upgrade.json").read_text())
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _resolver(_sid: str, _v: int | None) -> dict:
    return SCRIPT


def _numbers(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    prefixes = ["130", "131", "132", "135", "136", "138", "139", "150", "151", "186", "188", "199"]
    out = [f"{rng.choice(prefixes)}{rng.randrange(10**8):08d}" for _ in range(n)]
    for i in range(0, n, 200):  # 0.5 % malformed rows
        out[i] = "12345"
    return out


def _seed_history(engine, phones: list[str], task_id: int) -> None:
    """A realistic starting state: 1 % blacklisted, 5 % called for the business, 3 % at the weekly
    cap and 2 % at the daily cap (caps: 2 a day, 5 a week, 10 a month)."""
    now = utcnow()
    bl = [{"phone": f"+86{p}", "task_id": 0, "reason": "seed", "source": None, "created_at": now} for p in phones[1::100]]
    hist = [{"task_id": task_id, "run_id": 0, "business": "bench", "row_no": 0, "phone": f"+86{p}", "dial_phone": None,
             "variables": "{}", "state": "done", "leg": "primary", "attempts": 1, "created_at": now - timedelta(days=3)}
            for p in phones[3::20]]
    att = [{"job_id": 0, "task_id": task_id, "phone": f"+86{p}", "leg": "primary", "node_id": "seed", "state": "ended",
            "outcome": "no_answer", "started_at": now - timedelta(hours=k), "ring_ms": 0, "talk_ms": 0, "opt_out": False}
           for p in phones[7::33] for k in (30, 50, 80, 100, 120)]  # 5 this week: weekly cap
    att += [{**att[0], "phone": f"+86{p}", "started_at": now - timedelta(hours=k)} for p in phones[9::50] for k in (1, 2)]
    with engine.begin() as c:
        for table, rows in ((T.blacklist, bl), (T.jobs, hist), (T.attempts, att)):
            for i in range(0, len(rows), 50000):
                c.execute(insert(table), rows[i:i + 50000])
        # "called for the business" means a call was placed: each seeded job has its attempt
        called = c.execute(select(T.jobs.c.id, T.jobs.c.phone).where(T.jobs.c.run_id == 0)).all()
        placed = [{**att[0], "job_id": jid, "phone": ph, "started_at": now - timedelta(days=3)} for jid, ph in called]
        for i in range(0, len(placed), 50000):
            c.execute(insert(T.attempts), placed[i:i + 50000])


def bench_screen(url: str, n: int, label: str, variables: bool = False) -> float:
    engine = make_engine(url)
    init_db(engine)
    phones = _numbers(n)
    if variables:  # a list as operators upload it: a name and two script variables a row
        rows = [CustomerRow(i + 2, p, customer_id=str(i), name=f"客户{i}",
                            variables={"name": f"客户{i}", "extra_fee": f"{i % 200}.50"}) for i, p in enumerate(phones)]
        label += " (name + 2 variables a row)"
    else:
        rows = [CustomerRow(i + 2, p, customer_id=str(i)) for i, p in enumerate(phones)]
    task = create_task(engine, TaskSpec(name="bench", business="bench", script_id="s", windows=""))
    set_status(engine, task.id, "start", _resolver)
    _seed_history(engine, phones, task.id)
    with Progress(transient=True) as bar:
        job = bar.add_task(f"{label}: screening {n:,} numbers", total=n)
        t0, c0 = time.perf_counter(), time.process_time()
        _, stats = add_numbers(engine, task.id, rows, progress=lambda k: bar.update(job, completed=k))
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {label}: {n:,} numbers in {dt:.2f} s wall, {cpu:.2f} s CPU of this process ({n / dt:,.0f}/s)")
    print(f"    queued {stats.queued:,}, dropped {stats.dropped:,} {dict(sorted(stats.reasons.items()))}")
    engine.dispose()
    return dt


def _pg_db() -> tuple[str, callable]:
    name = f"hs_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def bench_dialer(url: str, calls: int, cps: float, run: int = 0) -> float:
    engine = make_engine(url)
    init_db(engine)
    task = create_task(engine, TaskSpec(name="dial", business=f"dial{cps}-{run}", script_id="s", windows="", max_concurrent=500,
                                        calls_per_second=cps, mapping={"phone": "phone", "variables": {"extra_fee": "fee"}}))
    set_status(engine, task.id, "start", _resolver)
    phones = [f"139{run % 10}{i:07d}" for i in range(calls)]  # fresh numbers each run: no dedupe, no opt-outs
    add_numbers(engine, task.id, [CustomerRow(i, p, variables={"extra_fee": 40}) for i, p in enumerate(phones)])
    runner = SimulatorRunner(_resolver, seed=5, fast=True)
    node = RuntimeNode(engine, runner, lambda t, e: [], node_id="bench", line=LineLimits(500, cps), lease_s=30)
    t0 = time.perf_counter()
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))
    dt = time.perf_counter() - t0
    p = progress(engine, task.id)
    engine.dispose()
    assert p.attempts == calls and p.by_state.get("done") == calls, p
    return calls / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--numbers", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=1000, help="call attempts for the dialer figures")
    ap.add_argument("--runs", type=int, default=3, help="dialer runs (median)")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--only", choices=["screen", "dialer"], help="run one half only")
    ap.add_argument("--variables", action="store_true",
                    help="screen a list whose rows carry a name and two script variables (stored as JSON)")
    a = ap.parse_args()

    print(f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall times suffer on a busy machine)")
    with tempfile.TemporaryDirectory() as tmp:
        if a.only != "dialer":
            print(f"screen: validation + blacklist + dedupe + caps + write, {a.numbers:,} numbers (target < 20 s)")
            bench_screen(f"sqlite:///{tmp}/bench.db", a.numbers, "SQLite", a.variables)
            if not a.skip_postgres:
                url, drop = _pg_db()
                try:
                    bench_screen(url, a.numbers, "PostgreSQL", a.variables)
                finally:
                    drop()
        if a.only == "screen":
            return
        print(f"dialer: {a.calls:,} attempts over the simulator (real run_call, virtual-time customers), median of {a.runs}")
        for cps in (50.0, 1000.0):
            rates = [bench_dialer(f"sqlite:///{tmp}/dial{cps}_{i}.db", a.calls, cps, i) for i in range(a.runs)]
            label = "paced at 50/s" if cps == 50 else "unpaced (dialer limit)"
            print(f"  SQLite, {label}: {statistics.median(rates):.1f} attempts/s")
        if not a.skip_postgres:
            url, drop = _pg_db()
            try:
                rates = [bench_dialer(url, a.calls, 50.0, i) for i in range(a.runs)]
                print(f"  PostgreSQL, paced at 50/s: {statistics.median(rates):.1f} attempts/s")
            finally:
                drop()


if __name__ == "__main__":
    main()
