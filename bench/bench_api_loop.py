"""Benchmark: does the REST API hold the event loop? ``/healthz`` latency while one API client
POSTs 10,000 numbers to a task and another creates tasks one after another (issue 16).

Every ``/api/v1`` handler that touches the database or screens numbers should run in a worker
thread, and the bearer guard should look its token up there too; if either runs on the event
loop, ``/healthz`` waits behind it. The server is :mod:`bench_security`'s (uvicorn on
127.0.0.1, SQLite in a temporary folder, a fresh one per run); ``/healthz`` is polled every
20 ms while both clients run, from an event loop of its own (the body is encoded beforehand
and the load runs in another thread, so the client's own stalls are not counted). Prints p50/p99/max in ms, median over ``--runs`` runs, and how
many tasks the second client created meanwhile. ``--tree DIR`` runs the server from another
checkout, for a before/after figure::

    git archive 749cfea | tar -x -C /tmp/hs-old
    nice -n 10 .venv/bin/python bench/bench_api_loop.py [--runs 3] [--tree /tmp/hs-old]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

# the server and the percentiles are bench_security's: one harness for both benches
from bench_security import ROOT, _pcts, _start

NUMBERS = 10_000


async def _numbers_and_tasks(base: str, info: dict[str, Any], body: bytes) -> str:
    """POST 10,000 numbers while another client creates tasks until that POST is answered."""
    headers = {"authorization": f"Bearer {info['token']}"}
    created: list[float] = []
    done = asyncio.Event()

    async def post_numbers() -> tuple[int, float]:
        async with httpx.AsyncClient(base_url=base, timeout=300) as c:
            t = time.perf_counter()
            r = await c.post(f"/api/v1/tasks/{info['task']}/numbers", content=body,
                             headers={**headers, "content-type": "application/json"})
            took = time.perf_counter() - t
        done.set()
        return r.status_code, took

    async def create_tasks() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300) as c:
            while not done.is_set():
                t = time.perf_counter()
                r = await c.post("/api/v1/tasks", headers=headers, json={
                    "name": f"bench {len(created)}", "business": "bench", "script_id": "bench", "windows": ""})
                if r.status_code != 201:
                    raise RuntimeError(f"task creation answered {r.status_code}: {r.text[:200]}")
                created.append((time.perf_counter() - t) * 1000)

    (status, took), _ = await asyncio.gather(post_numbers(), create_tasks())
    per_task = statistics.median(created) if created else float("nan")
    return f"numbers {status} in {took:.1f} s; {len(created)} tasks created meanwhile (median {per_task:.0f} ms each)"


def _measure(base: str, info: dict[str, Any], body: bytes) -> tuple[list[float], str]:
    """The load in a thread with its own event loop, the probe in this one: a stall of the
    client's own loop (encoding a body, reading an answer) must not count as the server's."""
    result: dict[str, str] = {}

    def load() -> None:
        result["note"] = asyncio.run(_numbers_and_tasks(base, info, body))

    async def probe() -> list[float]:
        lat: list[float] = []
        worker = threading.Thread(target=load)
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:
            worker.start()
            while worker.is_alive():
                t = time.perf_counter()
                await c.get("/healthz")
                lat.append((time.perf_counter() - t) * 1000)
                await asyncio.sleep(0.02)
        worker.join()
        return lat

    lat = asyncio.run(probe())
    return lat, result.get("note", "the load failed (see its traceback above)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout the server runs from (default: this one)")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    body = json.dumps({"numbers": [{"phone": f"139{i:08d}", "name": f"客户{i}"} for i in range(NUMBERS)]}).encode()
    figures: list[tuple[float, float, float]] = []
    notes: list[str] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="hs-bench-api-") as tmp:
            proc, base, info = _start(args.tree.resolve(), Path(tmp))
            try:
                lat, note = _measure(base, info, body)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        figures.append(_pcts(lat))
        notes.append(note)
    p50, p99, mx = (statistics.median(f[i] for f in figures) for i in range(3))
    print(f"/healthz while one client POSTs {NUMBERS:,} numbers and another creates tasks "
          f"(server tree {args.tree}; median of {args.runs} runs; ms)")
    print(f"{'p50':>8} {'p99':>8} {'max':>8}")
    print(f"{p50:8.1f} {p99:8.1f} {mx:8.1f}")
    for i, (f, note) in enumerate(zip(figures, notes, strict=True), start=1):
        print(f"  run {i}: p50 {f[0]:.1f} p99 {f[1]:.1f} max {f[2]:.1f}; {note}")


if __name__ == "__main__":
    main()
