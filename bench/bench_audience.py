"""Benchmark: train and score 1,000,000 customers (targets: train < 60 s, score < 10 s).

Builds the synthetic base and a randomised experiment's outcomes (not timed), then times
preparation + gain-ratio selection + fitting (with the validation search) for the decision
tree, the logistic regression and the uplift model, and scoring of all customers. Prints
medians over --runs runs.

    .venv/bin/python bench/bench_audience.py [--customers 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.audience.control import control_mask  # noqa: E402
from runtime.audience.synth import SynthOptions, synth_customers  # noqa: E402
from runtime.audience.train import join_target, score_frame, train_model  # noqa: E402
from runtime.audience.truth import outcomes_for_assignment  # noqa: E402
from runtime.audience.uplift import outcome_arrays, score_uplift, train_uplift  # noqa: E402


def _median(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    frame = synth_customers(args.customers, SynthOptions(seed=1))
    treated = ~control_mask(frame["customer_id"], "bench", 0.2)
    outcomes = outcomes_for_assignment(frame, treated)
    y = join_target(frame, outcomes, "recharged")
    print(f"{args.customers:,} customers generated in {time.perf_counter() - t0:.1f} s (not timed below)")
    for kind in ("tree", "logistic"):
        secs, model = _median(lambda kind=kind: train_model(frame, y, kind), args.runs)  # type: ignore[misc]
        m = model.metrics  # type: ignore[attr-defined]
        print(f"train {kind:8s}: median {secs:6.2f} s (target < 60 s)  test AUC {m['test']['auc']}, "
              f"lift@20% {m['test']['lift_at_cut']}, {m['rows']['train']:,} training rows")
        secs, _ = _median(lambda model=model: score_frame(model, frame), args.runs)  # type: ignore[misc]
        print(f"score {kind:8s}: median {secs:6.2f} s (target < 10 s)  {args.customers:,} customers incl. preparation")
    yy, tt = outcome_arrays(frame, outcomes, "recharged")
    secs, up = _median(lambda: train_uplift(frame, yy, tt), args.runs)
    print(f"train uplift  : median {secs:6.2f} s  Qini {up.metrics['qini']['coefficient']} "  # type: ignore[attr-defined]
          f"(response model {up.metrics['response_model_qini']})")  # type: ignore[attr-defined]
    secs, _ = _median(lambda: score_uplift(up, frame), args.runs)  # type: ignore[arg-type]
    print(f"score uplift  : median {secs:6.2f} s")


if __name__ == "__main__":
    main()
