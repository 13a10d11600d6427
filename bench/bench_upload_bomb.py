"""Upload-bomb benchmark: the peak memory of the server while it refuses a 1 GB-expanding XLSX
posted to ``POST /analytics/audiences/upload`` (issue 15, finding 4), and of an honest upload
for comparison.

Each run is a fresh process holding the real app under uvicorn on 127.0.0.1 (temporary
SQLite, one operator signed in over HTTP with httpx); the figure is that process's peak
resident set growth (``VmHWM``, reset through ``/proc/self/clear_refs`` just before the POST,
minus ``VmRSS`` then) until the answer is back, so it
counts the server's work on the request (the client's copy of the ~3 MB bomb is made before
the baseline). Prints the median over ``--runs``.

    nice -n 10 .venv/bin/python bench/bench_upload_bomb.py [--runs 3] [--expanded-mib 1024] [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_ONE_RUN = r"""
import json, sys, tempfile, time
from pathlib import Path
import httpx
from tests.support.sec_data_bombs import xlsx_bomb
from tests.support.sec_data_web import PASSWORD, csrf_token
from web.testing import LiveServer

def status_mb(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024

def reset_peak():
    with open("/proc/self/clear_refs", "w") as f:  # "5": the peak RSS starts again from the current RSS
        f.write("5")

kind, size = sys.argv[1], int(sys.argv[2])
if kind == "bomb":
    name, body = "bomb.xlsx", xlsx_bomb(size)
else:
    name = "list.csv"
    body = ("customer_id,phone,city\n" + "".join(f"{i},138{i:08d},c{i % 50}\n" for i in range(size))).encode()
with tempfile.TemporaryDirectory() as tmp, LiveServer(Path(tmp), {"op": "operator"}, PASSWORD) as live:
    with httpx.Client(base_url=live.url, timeout=600) as c:
        html = c.get("/login", headers={"accept": "text/html"}).text
        r = c.post("/login", data={"username": "op", "password": PASSWORD, "next": "/analytics",
                                   "_csrf_token": csrf_token(c, html)})
        token = csrf_token(c, c.get("/analytics", headers={"accept": "text/html"}).text)
        reset_peak()
        before, t0 = status_mb("VmRSS"), time.monotonic()
        r = c.post("/analytics/audiences/upload", data={"_csrf_token": token},
                   files={"file": (name, body, "application/octet-stream")}, headers={"accept": "text/html"},
                   follow_redirects=False)
        took = time.monotonic() - t0
        print(json.dumps({"status": r.status_code, "upload_mb": len(body) / 2**20, "before_mb": before,
                          "growth_mb": status_mb("VmHWM") - before, "s": took,
                          "refused": "expands to" in r.text and "limit is" in r.text}))
"""


def _run(kind: str, size: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _ONE_RUN, kind, str(size)], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=900, check=False)
    if out.returncode != 0:
        raise SystemExit(f"run failed:\n{out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--expanded-mib", type=int, default=1024, help="how far the bomb's sheet expands (MiB)")
    ap.add_argument("--rows", type=int, default=100_000, help="rows of the honest CSV upload (0: skip it)")
    a = ap.parse_args()
    cases = [("bomb", a.expanded_mib, f"XLSX bomb expanding to {a.expanded_mib} MiB")]
    if a.rows:
        cases.append(("csv", a.rows, f"honest CSV of {a.rows:,} customers"))
    for kind, size, label in cases:
        runs = [_run(kind, size) for _ in range(a.runs)]
        first = runs[0]
        print(f"{label}: upload {first['upload_mb']:.1f} MB, answered {first['status']}"
              + (" (refused: expands past the limit)" if first["refused"] else ""))
        each = ", ".join(f"{r['growth_mb']:.1f}" for r in runs)
        print(f"  server process peak RSS growth: median {statistics.median(r['growth_mb'] for r in runs):.1f} MB "
              f"(runs: {each}; baseline ~{first['before_mb']:.0f} MB)")
        print(f"  answer time: median {statistics.median(r['s'] for r in runs) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
