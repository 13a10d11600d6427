"""What the audience/analytics links cost in the dial queue: the control-group hash and best time.

Loads N numbers into a task on SQLite three ways (plain, with a 10 % control group, with a
control group and best time) and prints the median seconds of several runs and the ratios.
Run: .venv/bin/python bench/bench_integration.py [--numbers 200000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlmodel import Session  # noqa: E402

from huashu.core.db import init_db, make_engine  # noqa: E402
from runtime.analytics.besttime import SlotRate, save_rates  # noqa: E402
from runtime.audience.control import set_policy  # noqa: E402
from runtime.campaigns.loading import add_numbers  # noqa: E402
from runtime.campaigns.mapping import CustomerRow  # noqa: E402
from runtime.campaigns.tasks import TaskSpec, create_task, set_status  # noqa: E402

SEGMENTS = ("office_worker", "retiree", "student", "shift_worker", "self_employed")


def _rows(n: int) -> list[CustomerRow]:
    return [CustomerRow(i + 2, f"13{i:09d}", customer_id=str(i + 1), variables={"chronotype": SEGMENTS[i % 5]})
            for i in range(n)]


def _once(n: int, control: bool, best_time: bool, rates: Path) -> float:
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/b.db")
        init_db(engine)
        if control:
            with Session(engine) as s:
                set_policy(s, 0.1, "bench")
                s.commit()
        task = create_task(engine, TaskSpec(name="b", business="b", script_id="s", script_version=1, windows="",
                                            best_time=best_time))
        assert task.id is not None
        set_status(engine, task.id, "start", lambda *_: {})
        rows = _rows(n)
        t0 = time.perf_counter()
        _, stats = add_numbers(engine, task.id, rows, best_times=rates)
        took = time.perf_counter() - t0
        assert stats.total == n
        engine.dispose()
        return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--numbers", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rates = save_rates([SlotRate(seg, s, 100, 10 + (s * 7 + i) % 40, (10 + (s * 7 + i) % 40) / 100)
                            for i, seg in enumerate(SEGMENTS) for s in range(48)], Path(d) / "bt.json", "chronotype")
        results = {}
        for label, control, best in (("plain", False, False), ("control group 10 %", True, False),
                                     ("control group + best time", True, True)):
            results[label] = statistics.median(_once(a.numbers, control, best, rates) for _ in range(a.runs))
    base = results["plain"]
    print(f"add_numbers, {a.numbers:,} numbers on SQLite, median of {a.runs} runs")
    for label, t in results.items():
        print(f"  {label:28s} {t:6.2f} s  {a.numbers / t:10,.0f} numbers/s  x{t / base:.2f}")


if __name__ == "__main__":
    main()
