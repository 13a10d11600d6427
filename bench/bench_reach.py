"""Benchmark: reach — caller-id picking, priority fairness on a shared line, the simulator's A/B.

1. Picking: caller ids for 1,000,000 queued numbers against a pool of 500 (floor: under 5 s).
2. Fairness: two and three tasks of different priority share one line in the real dialer
   (SQLite, a fake 50 ms call); the share of the line each task held, sampled every 10 ms,
   against the policy's share (``runtime.campaigns.priority``).
3. A/B in the simulator (customers answer local numbers more, a busy number less): the same
   customers called with a local-first pool of 500 vs a single number vs the same pool picked
   at random; answer rates with Wilson 95% intervals and the difference with its interval.

    nice -n 10 .venv/bin/python bench/bench_reach.py [--picks 1000000] [--runs 3] [--ab 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.audience.synth import MOBILE_PREFIXES  # noqa: E402
from runtime.campaigns.callerid.health import wilson_bounds  # noqa: E402
from runtime.campaigns.callerid.picker import Picker, PoolNumber  # noqa: E402
from runtime.campaigns.callerid.regions import region_of  # noqa: E402

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _numbers(rng: random.Random, n: int) -> list[str]:
    return [f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}" for _ in range(n)]


def _pool(rng: random.Random, size: int, cap: int = 10**9) -> Picker:
    return Picker([PoolNumber(i + 1, n, region_of(n), cap) for i, n in enumerate(_numbers(rng, size))])


def bench_pick(picks: int, runs: int) -> None:
    rng = random.Random(1)
    callees = _numbers(rng, picks)
    times, cpu, rules = [], [], Counter[str]()
    for _ in range(runs):
        from runtime.campaigns.callerid import regions

        regions.clear_cache()  # cold prefix cache every run: the honest figure
        picker = _pool(random.Random(2), 500)
        t0, c0 = time.perf_counter(), time.process_time()
        pick = picker.pick
        rules = Counter(pick(c, NOW).rule for c in callees)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med, med_cpu = statistics.median(times), statistics.median(cpu)
    print(f"pick: {picks:,} callees vs a pool of 500: median {med:.2f} s wall, {med_cpu:.2f} s CPU over {runs} runs "
          f"({med_cpu / picks * 1e6:.2f} µs CPU a pick; wall runs {', '.join(f'{t:.2f}' for t in times)}); floor < 5 s")
    print("      by rule: " + ", ".join(f"{r} {n / picks:.1%}" for r, n in rules.most_common()))


def _fair_run(prios: tuple[int, ...], seconds: float) -> None:
    from huashu.core.db import init_db, make_engine
    from runtime.campaigns.claims import CallReport
    from runtime.campaigns.dialer import Dialer, LineLimits
    from runtime.campaigns.loading import add_numbers
    from runtime.campaigns.mapping import CustomerRow
    from runtime.campaigns.priority import Want, allocate_int
    from runtime.campaigns.tasks import TaskSpec, create_task, set_status

    doc = {"format": "huashu.script/1", "id": "s1", "name": "b", "language": "zh-CN", "start": "a",
           "nodes": [{"id": "a", "type": "end", "outcome": "done"}]}
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(f"sqlite:///{d}/f.db")
        init_db(engine)
        tids = []
        for k, p in enumerate(prios):
            t = create_task(engine, TaskSpec(name=f"p{p}", business=f"b{k}", script_id="s1", script_version=1,
                                             windows="", priority=p, max_concurrent=20, calls_per_second=1000))
            assert t.id is not None
            set_status(engine, t.id, "start", lambda s, v: doc)
            _, stats = add_numbers(engine, t.id, [CustomerRow(i + 2, f"13{9 - k}{i:08d}", None) for i in range(4000)])
            assert stats.queued == 4000
            tids.append(t.id)
        inflight: Counter[int] = Counter()

        async def runner(req):  # noqa: ANN001, ANN202
            inflight[req.task_id] += 1
            try:
                await asyncio.sleep(0.05)
            finally:
                inflight[req.task_id] -= 1
            return CallReport(outcome="connected", talk_ms=10_000)

        async def run() -> list[dict[int, float]]:
            dialer = Dialer(engine, runner, "bench", line=LineLimits(20, 1000), refresh_s=0.1, lease_s=10)
            stop = asyncio.Event()
            task = asyncio.create_task(dialer.run(stop, tick=0.005))
            samples = []
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < seconds:
                await asyncio.sleep(0.01)
                total = sum(inflight[t] for t in tids)
                if total and time.perf_counter() - t0 > 0.3:
                    samples.append({t: inflight[t] / total for t in tids})
            stop.set()
            await task
            return samples

        samples = asyncio.run(run())
        policy = allocate_int([Want(t, p, 20) for t, p in zip(tids, prios, strict=True)], 20)
        got = ", ".join(f"priority {p}: {statistics.mean(s[t] for s in samples):.1%} "
                        f"(policy {policy[t] / 20:.0%})" for t, p in zip(tids, prios, strict=True))
        print(f"fairness: line of 20 slots, tasks {prios}: mean share of in-flight calls {got} "
              f"({len(samples)} samples over {seconds:.0f} s)")
        engine.dispose()


def bench_fairness(seconds: float) -> None:
    for prios in ((9, 1), (9, 5, 1), (5, 5)):
        _fair_run(prios, seconds)


def bench_ab(n: int) -> None:
    from runtime.campaigns.dialer import DialRequest
    from runtime.campaigns.sim_runner import SimulatorRunner

    doc = {"format": "huashu.script/1", "id": "s1", "name": "b", "language": "zh-CN", "start": "a",
           "nodes": [{"id": "a", "type": "end", "outcome": "done"}]}
    callees = _numbers(random.Random(3), n)
    pool_numbers = _numbers(random.Random(4), 500)
    # a pool that covers the callees' cities, as an operator would buy it: one number per callee city
    seen: dict[tuple[str, str], str] = {}
    for c in callees:
        r = region_of(c)
        seen.setdefault((r.province, r.city), c[:10] + "8888")
    local_pool = list(seen.values())[:500] or pool_numbers

    def arm(choose) -> tuple[int, int]:  # noqa: ANN001
        runner = SimulatorRunner(lambda sid, v: doc, seed=11, fast=True, caller_effect=True)

        async def go() -> tuple[int, int]:
            answered = 0
            for i, c in enumerate(callees):
                req = DialRequest(job_id=i + 1, attempt_id=i + 1, task_id=1, phone=c, leg="primary", caller_id=choose(c),
                                  voice=None, script_id="s1", script_version=1, variables={})
                rep = await runner(req)
                answered += rep.outcome == "connected"
            return answered, n

        return asyncio.run(go())

    local = Picker([PoolNumber(i + 1, x, region_of(x), 10**9) for i, x in enumerate(local_pool)])
    rnd = random.Random(5)
    arms = {
        f"local-first pool ({len(local_pool)} numbers)": arm(lambda c: local.pick(c, NOW).caller_id),
        "single number": arm(lambda c: local_pool[0]),
        "same pool, random pick": arm(lambda c: rnd.choice(local_pool)),
    }
    rates = {}
    for name, (ans, tot) in arms.items():
        lo, hi = wilson_bounds(ans, tot, 1.96)
        rates[name] = (ans / tot, tot)
        print(f"A/B: {name}: answer rate {ans / tot:.1%} (95% CI {lo:.1%}..{hi:.1%}, {tot:,} calls)")
    (pa, na), (pb, nb) = list(rates.values())[0], list(rates.values())[1]
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    print(f"A/B: local-first minus single number: {pa - pb:+.1%} (95% CI {pa - pb - 1.96 * se:+.1%}..{pa - pb + 1.96 * se:+.1%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--picks", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--fair-seconds", type=float, default=3.0)
    ap.add_argument("--ab", type=int, default=3000, help="customers in each arm of the simulator A/B")
    ap.add_argument("--only", choices=["pick", "fairness", "ab"], help="run one part")
    a = ap.parse_args()
    if a.only in (None, "pick"):
        bench_pick(a.picks, a.runs)
    if a.only in (None, "fairness"):
        bench_fairness(a.fair_seconds)
    if a.only in (None, "ab"):
        bench_ab(a.ab)


if __name__ == "__main__":
    main()
