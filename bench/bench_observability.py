"""What observability costs: metric updates, a JSON log line during a call, a /metrics render,
and whole simulated calls with JSON logging on vs off.

Run: .venv/bin/python bench/bench_observability.py   (prints medians of 5 runs; ~15 s)
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from designer.model import Script  # noqa: E402
from huashu.core import metrics  # noqa: E402
from huashu.core.logs import JsonFormatter, call_context  # noqa: E402
from runtime.calls import VirtualClock, run_call  # noqa: E402
from telephony.contract import OriginateRequest  # noqa: E402
from telephony.simulator import CarrierProfile, PersonaMix, SimulatorDriver  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
SCRIPT = Script.from_dict(json.loads((ROOT / "scripts_library" / "data_pack_upgrade.json").read_text()))
ALWAYS = CarrierProfile(answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0,
                        network_error_share=0)


def _per_op_us(fn: Callable[[], object], n: int) -> float:
    """Median over RUNS of the time per call of ``fn``, in microseconds."""
    out = []
    for _ in range(RUNS):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        out.append((time.perf_counter() - t) / n * 1e6)
    return statistics.median(out)


def _call_up() -> None:
    with metrics.call_up("bench"):
        pass


def _calls_per_s(n: int) -> float:
    async def main() -> None:
        clock = VirtualClock()
        drv = SimulatorDriver(seed=3, carrier=ALWAYS, personas=PersonaMix.only("agreeable"), clock=clock)
        for i in range(n):
            await run_call(drv, OriginateRequest(f"139{i:08d}", "95555", f"b{i}"), SCRIPT, {"extra_fee": 42},
                           clock=clock, campaign="bench")

    rates = []
    for _ in range(RUNS):
        t = time.perf_counter()
        asyncio.run(main())
        rates.append(n / (time.perf_counter() - t))
    return statistics.median(rates)


def main() -> None:
    fmt = JsonFormatter()
    rec = logging.LogRecord("runtime.calls.session", logging.INFO, __file__, 1, "call ended: %s", ("connected",), None)
    for c in range(50):  # a busy deployment: 50 campaigns x 4 outcomes, two providers
        for o in ("connected", "busy", "no_answer", "invalid_number"):
            metrics.observe_attempt(f"bench-{c}", o)
    print(f"observe_attempt              {_per_op_us(lambda: metrics.observe_attempt('bench-1', 'busy'), 20000):7.2f} us")
    print(f"observe_tts                  {_per_op_us(lambda: metrics.observe_tts('espeak', True, 0.002), 20000):7.2f} us")
    print(f"observe_asr                  {_per_op_us(lambda: metrics.observe_asr('vosk', 0.3), 20000):7.2f} us")
    print(f"call_up enter+exit           {_per_op_us(_call_up, 20000):7.2f} us")

    def one_line() -> None:
        with call_context("attempt-1", campaign="7"):
            fmt.format(rec)

    print(f"JSON log line in a call      {_per_op_us(one_line, 20000):7.2f} us")
    body = metrics.render()
    print(f"/metrics render (200 series) {_per_op_us(metrics.render, 200) / 1000:7.2f} ms  ({len(body)} bytes)")

    n = 40
    root = logging.getLogger()
    sink = io.StringIO()
    handler = logging.StreamHandler(sink)
    handler.setFormatter(fmt)
    root.setLevel(logging.WARNING)
    quiet = _calls_per_s(n)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logged = _calls_per_s(n)
    root.removeHandler(handler)
    lines = len(sink.getvalue().splitlines()) // RUNS
    print(f"simulated calls/s, logs off  {quiet:7.1f}")
    print(f"simulated calls/s, JSON INFO {logged:7.1f}  (ratio {logged / quiet:.2f}, {lines} lines per {n} calls)")


if __name__ == "__main__":
    main()
