"""Operator pages under load: task list, call results (first and a deep page), call detail,
CSV and XLSX export, and recording range requests, over a campaign with many call attempts.

    .venv/bin/python bench/bench_operator.py [--calls 20000] [--runs 5]

Prints the median wall time of each request (ms) and export throughput (rows/s).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from _timing import median_ms

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "operator"))
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20000, help="synthetic call attempts to add")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from litestar.testing import TestClient
    from op_helpers import build_seed, install, sign_in, write_wav
    from sqlalchemy import insert, select, update

    from huashu.core.config import Settings
    from huashu.core.db import make_engine
    from runtime.campaigns import tables as T
    from web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-operator-"))
    seed = build_seed(tmp / "seed", numbers=16)
    settings = Settings(data_dir=tmp / "var", secret_key="bench-secret-" + "z" * 32)
    install(seed, settings.data_dir)
    engine = make_engine(settings.db_url)
    with engine.begin() as conn:
        found = conn.execute(select(T.attempts).where(T.attempts.c.outcome == "connected")).first()
        assert found is not None, "the simulated campaign connected no call"
        proto = dict(found._mapping)
        outcomes = ["connected", "no_answer", "busy", "rejected", "no_answer", "cancelled"]
        rows = []
        for i in range(args.calls):
            r = {k: v for k, v in proto.items() if k != "id"}
            r.update(phone=f"+86137{i:08d}", outcome=outcomes[i % len(outcomes)])
            rows.append(r)
        conn.execute(insert(T.attempts), rows)
        wav = settings.data_dir / "calls" / "bench.wav"
        write_wav(wav, seconds=60.0)
        aid = conn.execute(select(T.attempts.c.id).order_by(T.attempts.c.id.desc())).scalars().first()
        conn.execute(update(T.attempts).where(T.attempts.c.id == aid).values(recording=str(wav)))
    total = args.calls + seed.calls
    app = create_app(settings, engine, secure_cookies=False)
    html = {"accept": "text/html"}
    with TestClient(app) as c:
        sign_in(c, "operator", next_url="/operator/tasks")
        deep = total // 50
        cases = {
            "task list": lambda: c.get("/operator/tasks", headers=html),
            "task list, htmx filter": lambda: c.get("/operator/tasks?script=流量", headers={**html, "hx-request": "1"}),
            "calls page 1 (all tabs counted)": lambda: c.get("/operator/calls", headers=html),
            f"calls page {deep} (deep offset)": lambda: c.get(f"/operator/calls?page={deep}", headers=html),
            "calls, outcome tab (htmx)": lambda: c.get("/operator/calls?outcome=busy", headers={**html, "hx-request": "1"}),
            "call detail": lambda: c.get(f"/operator/calls/{aid}", headers=html),
            "recording, 64 KiB range": lambda: c.get(f"/operator/calls/{aid}/recording", headers={"range": "bytes=500000-565535"}),
            "recording, whole 1.9 MB": lambda: c.get(f"/operator/calls/{aid}/recording"),
        }
        print(f"operator pages over {total} call attempts (median of {args.runs} runs)")
        for name, fn in cases.items():
            assert fn().status_code in (200, 206), name
            print(f"  {name:<34} {median_ms(fn, args.runs):8.1f} ms")
        for kind in ("csv", "xlsx"):
            t = time.perf_counter()
            resp = c.get(f"/operator/calls/export.{kind}")
            dt = time.perf_counter() - t
            assert resp.status_code == 200
            mb = len(resp.content) / 1e6
            print(f"  export {kind:<4} {total} rows: {dt * 1000:8.1f} ms  ({total / dt:,.0f} rows/s, {mb:.1f} MB)")
    engine.dispose()


if __name__ == "__main__":
    main()
