"""Benchmark: the campaign report over 10,000,000 call records (target: under 2 s).

Generates (once, cached in bench/out/analytics-10m.duckdb) a synthetic base of 1,000,000
customers and 12 campaigns of ~850,000 calls each (ingest time includes building the
rollups), then times ``build_report`` for one campaign and across all campaigns. Prints
medians of several runs.

    .venv/bin/python bench/bench_analytics.py [--records 10000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.analytics.report import build_report  # noqa: E402
from runtime.analytics.simulate import CampaignSpec, sample, simulate_campaign  # noqa: E402
from runtime.analytics.store import AnalyticsStore  # noqa: E402
from runtime.audience.synth import SynthOptions, synth_customers  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def build(path: Path, records: int) -> float:
    t0 = time.perf_counter()
    customers = synth_customers(1_000_000, SynthOptions(seed=3))
    per_campaign = 500_000
    store = AnalyticsStore(path)
    total, cid, first = 0, 0, 1
    while total < records:
        cid += 1
        part = sample(customers, per_campaign, seed=cid)
        calls, business = simulate_campaign(part, CampaignSpec(cid, first_call_id=first, seed=cid))
        store.add_calls(calls)
        store.add_business(business)
        total += len(calls["call_id"])
        first += len(calls["call_id"])
        print(f"  campaign {cid}: {len(calls['call_id']):,} calls (total {total:,})", flush=True)
    store.con.execute("CHECKPOINT")
    store.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = OUT / f"analytics-{args.records // 1_000_000}m.duckdb"
    if not path.exists():
        print(f"generating {args.records:,} call records into {path} (once) ...", flush=True)
        OUT.mkdir(parents=True, exist_ok=True)
        secs = build(path, args.records)
        print(f"generated and ingested in {secs:.1f} s")
    with AnalyticsStore(path) as writable:  # a store cached by an older version may lack the rollups
        if writable.count("r_calls") == 0:
            t0 = time.perf_counter()
            writable.refresh()
            print(f"rollups rebuilt in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        writable.refresh([1])
        print(f"ingest cost: rebuilding one campaign's rollups took {time.perf_counter() - t0:.2f} s")
    store = AnalyticsStore(path, read_only=True)
    n = store.count("calls")
    print(f"store: {n:,} call records, {store.count('business'):,} business rows, threads={store.query('SELECT current_setting(?)', ['threads'])[0][0]}")
    for label, cid in (("one campaign", 1), ("all campaigns", None)):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            report = build_report(store, cid)
            times.append(time.perf_counter() - t0)
        calls = report["summary"]["attempts"]
        print(f"report {label:14s}: median {statistics.median(times):.3f} s  (min {min(times):.3f}, max {max(times):.3f}; "
              f"{calls:,} calls in scope, {n:,} in the store; target < 2 s)")
    best = build_report(store, 1)["best_slot"]
    print(f"campaign 1 best half hour: {best['label']} connect rate {best['connect_rate']:.1%}")
    store.close()


if __name__ == "__main__":
    main()
