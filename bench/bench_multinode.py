"""Three runtime processes on PostgreSQL driving the simulator vs one process.

Each run gets a throwaway database ``huashu_mn_bench_<random>`` with the script library, the
approved demo script and one task of N numbers (the demo's synthetic semi-suspended
customers, cycled to N with distinct numbers), then 1 or 3 ``huashu runtime run --once``
processes dial it on the simulator (virtual time). Figures come from the database: calls per
second = attempts / (last end - first start); concurrency held = peak of attempts ``up``,
sampled every 50 ms. Prints the medians of the runs and the 3-vs-1 ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from huashu.core.db import init_db, make_engine  # noqa: E402
from huashu.demo.audience import build_audience, customer_rows  # noqa: E402
from huashu.demo.library import ensure_approved, ensure_library  # noqa: E402
from huashu.demo.task import demo_spec  # noqa: E402
from runtime.campaigns import tables as T  # noqa: E402
from runtime.campaigns.loading import add_numbers  # noqa: E402
from runtime.campaigns.scripts import store_resolver  # noqa: E402
from runtime.campaigns.tasks import create_task, set_status  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _rows(n: int) -> list:
    aud = build_audience(max(2000, n * 14), 7, "bench", 0.0)
    base = customer_rows(aud)
    out = []
    for i in range(n):
        r = base[i % len(base)]
        out.append(replace(r, row_no=i + 2, phone=f"1390{i:07d}", phone2=None, customer_id=str(i)))
    return out


def _one_run(nodes: int, numbers: int, concurrency: int) -> tuple[float, int, int]:
    name = f"huashu_mn_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG}/{name}"
    engine = make_engine(url)
    try:
        init_db(engine)
        ensure_library(engine)
        version = ensure_approved(engine, "mobile-semi-suspension-recharge")
        spec = replace(demo_spec(version), redial_count=0, max_concurrent=concurrency * nodes, calls_per_second=1000.0)
        task = create_task(engine, spec)
        assert task.id is not None
        add_numbers(engine, task.id, _rows(numbers))
        set_status(engine, task.id, "start", store_resolver(engine))
        # stderr to files, not pipes: a node logs a JSON line per call event, and an undrained
        # pipe (64 KiB) would stop it mid-campaign
        logs = [tempfile.TemporaryFile() for _ in range(nodes)]  # noqa: SIM115 - closed with the run
        procs = [subprocess.Popen(
            [sys.executable, "-m", "huashu", "runtime", "run", "--db", url, "--node-id", f"bench-{i}", "--once",
             "--json", "--line-concurrency", str(concurrency), "--line-cps", "1000", "--seed", str(i)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=logs[i]) for i in range(nodes)]
        peak = 0
        with engine.connect() as c:
            while any(p.poll() is None for p in procs):
                peak = max(peak, c.execute(select(func.count()).where(T.attempts.c.state == "up")).scalar_one())
                c.rollback()
                time.sleep(0.05)
            for p, log in zip(procs, logs, strict=True):
                if p.returncode != 0:
                    log.seek(0)
                    raise SystemExit(f"a runtime node failed: {log.read().decode(errors='replace')[-2000:]}")
            first, last, n = c.execute(select(func.min(T.attempts.c.started_at), func.max(T.attempts.c.ended_at),
                                              func.count())).one()
        return n / max((last - first).total_seconds(), 1e-3), peak, int(n)
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--numbers", type=int, default=600, help="numbers in the campaign (default 600)")
    ap.add_argument("--runs", type=int, default=3, help="runs per configuration (median)")
    ap.add_argument("--concurrency", type=int, default=40, help="line concurrency of each node")
    a = ap.parse_args()
    results: dict[int, list[tuple[float, int, int]]] = {1: [], 3: []}
    for _ in range(a.runs):
        for nodes in (1, 3):
            results[nodes].append(_one_run(nodes, a.numbers, a.concurrency))
    med = {k: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v)) for k, v in results.items()}
    for k, (cps, peak) in med.items():
        print(f"{k} node(s): {cps:7.1f} calls/s, peak {peak:.0f} concurrent calls "
              f"(median of {a.runs}; attempts per run {[r[2] for r in results[k]]})")
    print(f"ratio 3 vs 1: calls/s x{med[3][0] / med[1][0]:.2f}, concurrency x{med[3][1] / max(med[1][1], 1):.2f}")


if __name__ == "__main__":
    main()
