"""Benchmark: the robustness attack of each library script and of generated 50- and 200-node
scripts (floor: a 50-node script in under 5 s on one core), then the honesty check: the
attack's recall against 348 hand-written held-out replies (tests/lab/data).

    nice -n 10 .venv/bin/python bench/bench_attack.py [--runs 3] [--seed 20] [--speech SCRIPT --limit 1]

Prints, per script: listening nodes, attacked branches, variants, median seconds; then per
library script the attack's mean recall, the held-out recall and the gap. ``--speech NAME``
also times the speech-level attack of that library script (espeak-ng, G.711 mu-law, Whisper
base from ``--whisper-dir`` or <data_dir>/models) twice: audio rendered, then from the cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.lab.attack import attack  # noqa: E402
from runtime.lab.honesty import agreement  # noqa: E402

LIB = ROOT / "scripts_library"
HELDOUT = ROOT / "tests" / "lab" / "data" / "heldout_replies.json"

_TOPICS = [("充值", ["充好了", "交过了"]), ("续约", ["续过了", "已经续约"]), ("办理", ["办好了", "办过了"]),
           ("升级", ["升好了", "已经升级"]), ("换套餐", ["换好了", "已经换了"])]


def generated(nodes: int) -> dict[str, Any]:
    """A valid zh script of ``nodes`` nodes: a chain of questions (yes / no / already done /
    a keyword branch / later), each with silence and no-match, plus the usual global handlers."""
    listening = max(1, (nodes - 4) // 2)
    out: list[dict[str, Any]] = []
    for i in range(listening):
        verb, done = _TOPICS[i % len(_TOPICS)]
        nxt = f"q{i + 1}" if i + 1 < listening else "end_ok"
        out.append({"id": f"q{i}", "type": "say_listen", "title": f"问题{i}",
                    "prompt": {"text": f"我是客服小王。第{i}个问题：您今天方便{verb}吗？"},
                    "branches": [
                        {"id": f"q{i}_yes", "when": {"intent": "affirm"}, "goto": nxt},
                        {"id": f"q{i}_no", "when": {"intent": "deny"}, "goto": f"r{i}"},
                        {"id": f"q{i}_done", "when": {"keywords": done}, "goto": nxt, "tags": ["done"]},
                        {"id": f"q{i}_later", "when": {"intent": "busy_later"}, "goto": "end_later"},
                        {"id": f"q{i}_sil", "when": {"event": "silence"}, "goto": f"q{i}", "max_times": 1,
                         "else_goto": "end_silence"},
                        {"id": f"q{i}_nm", "when": {"event": "no_match"}, "goto": nxt}]})
        out.append({"id": f"r{i}", "type": "say", "prompt": {"text": "好的，理解。"}, "next": nxt})
    out += [{"id": "end_ok", "type": "end", "prompt": {"text": "感谢您的接听，再见！"}, "outcome": "ok"},
            {"id": "end_later", "type": "end", "prompt": {"text": "好的，改天再联系您。"}, "outcome": "callback"},
            {"id": "end_silence", "type": "end", "prompt": {"text": "听不到您的声音，再见。"}, "outcome": "silence"},
            {"id": "end_opt_out", "type": "end", "prompt": {"text": "好的，不再打扰。"}, "outcome": "opt_out",
             "tags": ["opt_out"]}]
    while len(out) < nodes:
        k = len(out)
        out.append({"id": f"extra{k}", "type": "end", "prompt": {"text": "再见。"}, "outcome": "ok"})
    return {"format": "huashu.script/1", "id": f"gen-{nodes}", "name": f"generated {nodes}", "language": "zh-CN",
            "start": "q0", "nodes": out,
            "global_handlers": [{"id": "g_opt", "when": {"intent": "opt_out"}, "goto": "end_opt_out", "override": True},
                                {"id": "g_who", "when": {"intent": "who_are_you"}, "goto": "end_ok"}],
            "intent_rules": [{"label": "ok", "category": "success", "when": {"outcome": "ok"}}]}


def timed(doc: dict[str, Any], runs: int, seed: int) -> tuple[Any, float]:
    times, report = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        report = attack(doc, seed=seed)
        times.append(time.perf_counter() - t0)
    return report, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--speech", metavar="NAME", help="library script (file name) to attack by speech too")
    ap.add_argument("--limit", type=int, default=1, help="spoken variants per branch and voice (--speech)")
    ap.add_argument("--whisper-dir", default=None, help="Whisper base model folder (default: assembled in data_dir)")
    args = ap.parse_args()
    attack(generated(10))  # warm the caches (pypinyin, OpenCC) once, as a running server has them
    print(f"{'script':34} {'nodes':>5} {'listen':>6} {'branches':>8} {'variants':>8} {'median s':>9}")
    docs = [(p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(LIB.glob("*.json"))]
    docs += [("generated 50 nodes", generated(50)), ("generated 200 nodes", generated(200))]
    for name, doc in docs:
        report, secs = timed(doc, args.runs, args.seed)
        branches = sum(len(n.branches) for n in report.nodes)
        print(f"{name:34} {len(doc['nodes']):>5} {len(report.nodes):>6} {branches:>8} {report.variants:>8} {secs:>9.3f}")
    print()
    print("honesty: the attack's mean recall vs hand-written held-out replies (tests/lab/data)")
    print(f"{'script':34} {'replies':>7} {'attack':>7} {'held-out':>8} {'gap':>6} {'branch gap':>10}")
    heldout = json.loads(HELDOUT.read_text(encoding="utf-8"))
    every: list[Any] = []
    for name, labelled in heldout.items():
        if name == "_about":
            continue
        a = agreement(json.loads((LIB / name).read_text(encoding="utf-8")), labelled, seed=args.seed)
        every += a.branches
        print(f"{name:34} {a.replies:>7} {a.attack_recall:>7.1%} {a.heldout_recall:>8.1%} {a.gap * 100:>5.1f}p "
              f"{a.mean_branch_gap * 100:>9.1f}p")
    att = sum(b.attack_recall for b in every) / len(every)
    held = sum(b.heldout_recall for b in every) / len(every)
    close = len([b for b in every if b.gap <= 0.10])
    print(f"{'all ' + str(len(every)) + ' branches':34} {sum(b.heldout for b in every):>7} {att:>7.1%} {held:>8.1%} "
          f"{abs(att - held) * 100:>5.1f}p   ({close}/{len(every)} branches within 10 points)")
    if args.speech:
        speech(args.speech, args.limit, args.seed, args.whisper_dir)


def speech(name: str, limit: int, seed: int, whisper_dir: str | None) -> None:
    import tempfile

    from designer.model import Script
    from huashu.core.config import get_settings
    from runtime.lab.speech import DEFAULT_VOICES, speech_attack
    from runtime.speech.asr import WhisperProvider
    from runtime.speech.cache import PromptCache
    from runtime.speech.model_files import whisper_model_dir
    from runtime.speech.tts_espeak import EspeakProvider

    script = Script.from_dict(json.loads((LIB / name).read_text(encoding="utf-8")))
    lang = "zh" if script.is_chinese else "en"
    folder = Path(whisper_dir) if whisper_dir else whisper_model_dir(Path(get_settings().data_dir) / "models")
    asr = WhisperProvider(folder, language=lang)
    report = attack(script, seed=seed)
    print()
    print(f"speech attack of {name}: voices {', '.join(DEFAULT_VOICES[lang])}, limit {limit}, mu-law, whisper base")
    with tempfile.TemporaryDirectory() as tmp:
        for run in ("rendered", "cached"):
            rep = speech_attack(script, report, EspeakProvider(), asr, PromptCache(tmp), voices=DEFAULT_VOICES[lang],
                                limit=limit)
            per = rep.seconds / max(1, len(rep.spoken))
            print(f"  audio {run:8}: {len(rep.spoken)} utterances in {rep.seconds:.1f} s ({per:.2f} s each), "
                  f"speech recall {rep.recall:.1%} vs text {report.recall:.1%}, "
                  f"{len(rep.failures)} failures, hotwords suggested for {len(rep.hotwords)} nodes")


if __name__ == "__main__":
    main()
