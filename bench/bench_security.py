"""Benchmark: does an attacker (or one heavy client) stall the server? ``/healthz`` latency while

1. 30 concurrent wrong secrets hit ``POST /oauth/token`` (one client id: the probe of issue 15);
2. 30 concurrent wrong secrets hit it for 30 *different* client ids (no rate limit helps: every
   one runs argon2, so this measures where argon2 runs);
3. 30 concurrent wrong passwords hit ``POST /login`` (one account);
4. one API client POSTs a 10,000-number list to ``/api/v1/tasks/{id}/numbers``.

The server runs in a process of its own (uvicorn, SQLite in a temporary folder, argon2 at its
production cost); ``/healthz`` is polled every 20 ms during each burst. Prints p50/p99/max
in ms, median over ``--runs`` runs. ``--tree DIR`` runs the server from another checkout (for a
before/after figure: ``git archive <commit> | tar -x -C /tmp/old``).

    nice -n 10 .venv/bin/python bench/bench_security.py [--runs 3] [--tree /tmp/old]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-1"

_SERVER = r'''
import json, sys
from pathlib import Path
import uvicorn
from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app
from web.auth.users import create_user
from web.api.oauth import create_client, issue_token
from runtime.campaigns.tasks import TaskSpec, create_task

data_dir, port = Path(sys.argv[1]), int(sys.argv[2])
settings = Settings(data_dir=data_dir, secret_key="bench-" + "b" * 40, host="127.0.0.1")
engine = make_engine(settings.db_url)
app = create_app(settings, engine, secure_cookies=False)
create_user(engine, "victim", "correct-horse-1", "operator")
clients = [create_client(engine, f"c{i}", "tasks:write tasks:read") for i in range(31)]
task = create_task(engine, TaskSpec(name="bench", business="bench", script_id="bench", script_version=1, windows=""))
token = issue_token(engine, *clients[-1]).access_token  # before the bursts lock this address out
print(json.dumps({"clients": clients, "task": task.id, "token": token}), flush=True)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tree: Path, data_dir: Path) -> tuple[subprocess.Popen[str], str, dict[str, object]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUASHU_")}
    env["PYTHONPATH"] = str(tree)
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(data_dir), str(port)], cwd=tree, env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.1)
    return proc, base, info


async def _probe(base: str, burst: Callable[[], Coroutine[Any, Any, str]]) -> tuple[list[float], str]:
    lat: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as probe:
        task = asyncio.create_task(burst())
        while not task.done():
            t = time.perf_counter()
            await probe.get("/healthz")
            lat.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.02)
        note = await task
    return lat, note


def _token_form(cid: str, secret: str) -> dict[str, str]:
    return {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}


def _scenarios(info: dict[str, object]) -> dict[str, Callable[[str], Coroutine[Any, Any, str]]]:
    clients = [tuple(c) for c in info["clients"]]  # type: ignore[attr-defined]

    def codes(rs: list[httpx.Response]) -> str:
        out: dict[int, int] = {}
        for r in rs:
            out[r.status_code] = out.get(r.status_code, 0) + 1
        return " ".join(f"{k}x{v}" for k, v in sorted(out.items()))

    async def one_client(base: str) -> str:
        cid = clients[0][0]
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:
            rs = await asyncio.gather(*(c.post("/oauth/token", data=_token_form(cid, f"x{i}")) for i in range(30)))
        return codes(rs)

    async def many_clients(base: str) -> str:
        ids = [c[0] for c in clients[:30]]
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:
            rs = await asyncio.gather(*(c.post("/oauth/token", data=_token_form(cid, "wrong")) for cid in ids))
        return codes(rs)

    async def logins(base: str) -> str:
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:
            await c.get("/login")
            token = c.cookies["huashu_csrf"]
            rs = await asyncio.gather(*(c.post("/login", data={"username": "victim", "password": "wrong-password",
                                                                "_csrf_token": token}) for _ in range(30)))
        return codes(rs)

    async def numbers(base: str) -> str:
        tok = info["token"]
        async with httpx.AsyncClient(base_url=base, timeout=300) as c:
            body = {"numbers": [{"phone": f"139{i:08d}", "name": f"客户{i}"} for i in range(10_000)]}
            t = time.perf_counter()
            r = await c.post(f"/api/v1/tasks/{info['task']}/numbers", json=body,
                             headers={"authorization": f"Bearer {tok}"})
            took = time.perf_counter() - t
        return f"{r.status_code} in {took:.1f} s"

    return {"30 bad secrets, one client": one_client, "30 bad secrets, 30 clients": many_clients,
            "30 bad passwords, /login": logins, "10,000-number POST": numbers}


def _pcts(lat: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) >= 2 else [lat[0]] * 99
    return q[49], q[98], max(lat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout the server runs from (default: this one)")
    args = ap.parse_args()
    results: dict[str, list[tuple[float, float, float]]] = {}
    notes: dict[str, str] = {}
    names = list(_scenarios({"clients": [], "task": 0}))
    for _ in range(args.runs):
        for name in names:  # a fresh server and database per scenario: no counters carried over
            with tempfile.TemporaryDirectory(prefix="hs-bench-sec-") as tmp:
                proc, base, info = _start(args.tree.resolve(), Path(tmp))
                try:
                    burst = _scenarios(info)[name]
                    lat, note = asyncio.run(_probe(base, lambda b=burst, u=base: b(u)))  # type: ignore[misc]
                    results.setdefault(name, []).append(_pcts(lat))
                    notes[name] = note
                finally:
                    proc.terminate()
                    proc.wait(timeout=10)
    print(f"/healthz while ... (server tree {args.tree}; median of {args.runs} runs; ms)")
    print(f"{'scenario':32} {'p50':>8} {'p99':>8} {'max':>8}  answers (last run)")
    for name, runs in results.items():
        p50, p99, mx = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"{name:32} {p50:8.1f} {p99:8.1f} {mx:8.1f}  {notes[name]}")


if __name__ == "__main__":
    main()
