"""Dialog engine benchmark: step latency on a 1,000-node script and full text dialogs per second.

Run: .venv/bin/python bench/bench_engine.py [--steps N] [--seconds S]
Targets from the issue: one engine step under 1 ms at p99 on a 1,000-node script; full
text-mode dialogs of the library scripts at 2,000 or more per second on one core.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designer.model import Script  # noqa: E402
from runtime.dialog.actions import Play, StartTimer  # noqa: E402
from runtime.dialog.engine import DialogEngine  # noqa: E402
from runtime.dialog.events import PromptFinished, Speech, Timer  # noqa: E402
from runtime.dialog.harness import run_script  # noqa: E402

ANSWERS = ["好的", "不需要", "昨天冲值了", "你是谁啊", "今天天气怎么样", "我再考虑考虑吧", "多少钱", "太贵了",
           "没听清", "嗯嗯是我", "我在开车呢晚点再说", "信号太差了", "可以的", "不用了谢谢"]


def big_script(n_nodes: int = 1000, seed: int = 7) -> Script:
    """A generated script: ~90% listening nodes with intent, keyword and regex branches."""
    rnd = random.Random(seed)
    n_end = n_nodes // 10
    ends = [f"end{i}" for i in range(n_end)]
    asks = [f"q{i}" for i in range(n_nodes - n_end)]
    nodes: list[dict[str, Any]] = []
    for i, nid in enumerate(asks):
        def target(i: int = i) -> str:
            return rnd.choice(asks[i + 1:i + 20] or ends) if rnd.random() < 0.8 else rnd.choice(ends)

        nodes.append({"id": nid, "type": "say_listen", "prompt": {"text": f"第{i}个问题，请问您需要办理吗？"},
                      "branches": [
                          {"id": f"{nid}_done", "when": {"intent": "already_done"}, "goto": target()},
                          {"id": f"{nid}_kw", "when": {"keywords": [f"选项{i}", "太贵", "信号差", "考虑一下"]},
                           "goto": target()},
                          {"id": f"{nid}_yes", "when": {"intent": "affirm"}, "goto": target()},
                          {"id": f"{nid}_no", "when": {"intent": "deny"}, "goto": target(), "max_times": 2,
                           "else_goto": rnd.choice(ends)},
                          {"id": f"{nid}_num", "when": {"regex": r"\d{3,}"}, "goto": target()},
                          {"id": f"{nid}_sil", "when": {"event": "silence"}, "goto": nid, "max_times": 1,
                           "else_goto": rnd.choice(ends)},
                          {"id": f"{nid}_nm", "when": {"event": "no_match"}, "goto": target()},
                      ]})
    nodes += [{"id": e, "type": "end", "prompt": {"text": "再见"}, "outcome": "done"} for e in ends]
    nodes.append({"id": "who", "type": "say", "prompt": {"text": "我是客服"}, "next": "@return"})
    return Script.from_dict({
        "format": "huashu.script/1", "id": "bench", "name": "bench", "language": "zh-CN", "start": "q0",
        "nodes": nodes,
        "settings": {"max_turns": 1000, "max_duration_s": 7200},
        "global_handlers": [
            {"id": "g_opt", "when": {"intent": "opt_out"}, "goto": ends[0], "override": True},
            {"id": "g_cmp", "when": {"intent": "complaint"}, "goto": ends[1], "override": True},
            {"id": "g_who", "when": {"intent": "who_are_you"}, "goto": "who"},
            {"id": "g_busy", "when": {"intent": "busy_later"}, "goto": ends[2]},
            {"id": "g_rep", "when": {"intent": "repeat"}, "goto": "@return"},
        ],
        "intent_rules": [{"label": "done", "category": "success", "when": {"outcome": "done"}}],
    })


_NOISE = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严"
_DRAWN = random.Random(99)


def _unique(answer: str) -> str:
    """An answer the text caches have never seen (ASR output rarely repeats exactly)."""
    return answer + "".join(_DRAWN.choice(_NOISE) for _ in range(4))


def step_latency(script: Script, steps: int, seed: int = 1, unique: bool = False,
                 clock: Callable[[], int] = time.perf_counter_ns) -> tuple[list[float], list[float]]:
    """Time (µs, by ``clock``) of each engine.handle() call: all events, and customer answers only.

    Wall time (perf_counter) includes the scheduler's preemption on a busy machine; thread CPU
    time (thread_time) is what the step itself costs.
    """
    rnd = random.Random(seed)
    times: list[float] = []
    speech: list[float] = []
    engine = DialogEngine(script)
    acts = engine.start(0)
    now = 0
    perf = clock
    while len(times) < steps:
        if engine.finished:
            engine = DialogEngine(script)
            acts = engine.start(0)
        play = next((a.play_id for a in reversed(acts) if isinstance(a, Play)), None)
        now += 1000
        if play is not None and engine.playing == play:
            ev: Any = PromptFinished(now, play)
        elif engine.awaiting_input and rnd.random() < 0.1:
            token = next((a.token for a in acts if isinstance(a, StartTimer) and a.kind == "silence"), 0)
            ev = Timer(now, "silence", token)
        else:
            text = rnd.choice(ANSWERS)
            ev = Speech(now, _unique(text) if unique else text, True, 0.9)
        t0 = perf()
        acts = engine.handle(ev)
        dt = (perf() - t0) / 1000
        times.append(dt)
        if isinstance(ev, Speech):
            speech.append(dt)
    return times, speech


def _library() -> list[tuple[str, Script, list[tuple[list[str], dict[str, Any]]]]]:
    out = []
    files = sorted((ROOT / "scripts_library").glob("*.json")) + sorted((ROOT / "tests/dialog/scripts").glob("*.json"))
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        script = Script.from_dict(doc)
        cases_file = ROOT / "scripts_library" / "cases" / f.name
        runs: list[tuple[list[str], dict[str, Any]]] = []
        if cases_file.exists():
            for c in json.loads(cases_file.read_text(encoding="utf-8"))["cases"]:
                runs.append((list(c["replies"]), dict(c.get("vars") or {})))
        if not runs:
            variables = {n: (v.example if v.example is not None else "1") for n, v in script.variables.items()}
            runs = [([a, b], variables) for a, b in zip(ANSWERS, ANSWERS[3:], strict=False)]
        out.append((f.stem, script, runs))
    return out


def dialogs_per_second(seconds: float) -> tuple[float, float, dict[str, float]]:
    """(dialogs per wall second, dialogs per CPU second, per script per wall second)."""
    per_script: dict[str, float] = {}
    total_n, total_t, total_cpu = 0, 0.0, 0.0
    for name, script, runs in _library():
        for replies, variables in runs:  # warm the caches (compile, normalisation)
            run_script(script, replies, variables)
        n, t0, c0 = 0, time.perf_counter(), time.thread_time()
        budget = seconds / max(1, len(_library_names()))
        while time.perf_counter() - t0 < budget:
            for replies, variables in runs:
                run_script(script, replies, variables)
                n += 1
        elapsed = time.perf_counter() - t0
        total_cpu += time.thread_time() - c0
        per_script[name] = n / elapsed
        total_n += n
        total_t += elapsed
    return total_n / total_t, total_n / total_cpu, per_script


def barge_cost(runs: int, repeat: int = 200) -> tuple[float, float]:
    """(µs per library dialog as typed, µs when its last answer is a <barge:...>): the replay's price."""
    plain_t: list[float] = []
    barge_t: list[float] = []
    for _, script, cases in _library():
        for replies, variables in cases:
            if not replies or replies[-1].startswith("<"):
                continue
            barged = replies[:-1] + [f"<barge:{replies[-1]}>"]
            for replies_, out in ((replies, plain_t), (barged, barge_t)):
                samples = []
                for _ in range(runs):
                    c0 = time.thread_time_ns()
                    for _ in range(repeat // runs or 1):
                        run_script(script, replies_, variables)
                    samples.append((time.thread_time_ns() - c0) / 1000 / (repeat // runs or 1))
                out.append(statistics.median(samples))
    return statistics.median(plain_t), statistics.median(barge_t)


_names: list[str] = []


def _library_names() -> list[str]:
    if not _names:
        _names.extend(p.stem for p in (ROOT / "scripts_library").glob("*.json"))
        _names.extend(p.stem for p in (ROOT / "tests/dialog/scripts").glob("*.json"))
    return _names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0, help="time for the dialogs/s measurement")
    args = ap.parse_args()

    t0 = time.perf_counter()
    script = big_script(1000)
    DialogEngine(script)  # compile once, as a campaign does for a published version
    print(f"1,000-node script: {len(script.nodes)} nodes, compiled in {time.perf_counter() - t0:.2f} s")
    print(f"engine step latency ({args.steps} steps x {args.runs} runs, median of runs; target p99 < 1000 µs)")
    for clock_name, clock in (("wall", time.perf_counter_ns), ("cpu", time.thread_time_ns)):
        for unique in (False, True):
            rows: dict[str, list[tuple[float, float]]] = {"all events": [], "answers only": []}
            for run in range(args.runs):
                every, answers = step_latency(script, args.steps, seed=run + 1, unique=unique, clock=clock)
                for label, times in (("all events", every), ("answers only", answers)):
                    times.sort()
                    rows[label].append((times[len(times) // 2], times[int(len(times) * 0.99)]))
            mode = "fresh texts " if unique else "cached texts"
            for label, vals in rows.items():
                print(f"  {clock_name:4s} {mode} {label:12s}: p50 {statistics.median(v[0] for v in vals):7.1f} µs"
                      f"   p99 {statistics.median(v[1] for v in vals):7.1f} µs")

    rates = [dialogs_per_second(args.seconds / args.runs) for _ in range(args.runs)]
    wall = statistics.median(r[0] for r in rates)
    cpu = statistics.median(r[1] for r in rates)
    print(f"full text dialogs (run_script, one core, median of {args.runs} runs; target >= 2,000/s): "
          f"{wall:,.0f} per wall second, {cpu:,.0f} per CPU second")
    for name in rates[0][2]:
        print(f"  {name:28s} {statistics.median(r[2][name] for r in rates):>8,.0f} dialogs/s (wall)")
    plain, barged = barge_cost(args.runs)
    print(f"barge-in in the harness (CPU, median over library cases): {plain:,.0f} µs per dialog as typed, "
          f"{barged:,.0f} µs with the last answer as <barge:...> ({barged / plain:.2f}x: one replay of the call)")


if __name__ == "__main__":
    main()
