"""Fit and test forced scoring's thresholds (runtime/speech/forced.py) on the evaluation corpus.

Run:  nice -n 10 .venv/bin/python bench/bench_forced_fit.py dump --voice kokoro --out bench/out/forced-kokoro.jsonl
      nice -n 10 .venv/bin/python bench/bench_forced_fit.py fit bench/out/forced-kokoro.jsonl bench/out/forced-espeak.jsonl

``dump`` hears each reply of ``bench_speech_eval.py``'s corpus (20 dB, G.711; paused replies
left out) as a call does and, where forced scoring would run (a closed node, words the closed
set rejected), stores the features once: the words' and the phrases' mean token
log-probabilities (the 3 phrases per branch that sound most like the words or the first two
beam hypotheses), the 5-beam n-best and the CPU of each step. It appends to ``--out`` and skips
replies already there, so it can be stopped and resumed; only replies whose clip is already
cached are heard (render them with bench_speech_eval.py). Out-of-set replies come first, two to
one, after the first 60 in-set ones.

``fit`` splits the replies by listening node into two halves, fits the thresholds on each
(grid: phrases per branch, likelihood ratio, margin, log-probability; most in-set replies right
without more out-of-set accepts than the closed set alone) and prints the figures of the *other*
half, summed over both folds, per voice; then the constants fitted on all, CPU per turn and the
n-best alternative.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_speech_eval as ev  # noqa: E402

from designer.model import Script  # noqa: E402
from runtime.dialog.compiled import compile_script  # noqa: E402
from runtime.nlu.closedset import ClosedSet, similarity  # noqa: E402
from runtime.speech.forced import N_BEST, judge  # noqa: E402

Row = dict[str, Any]
Rule = Callable[[Row], bool]


def _order(corpus: list[ev.Reply]) -> list[tuple[int, ev.Reply]]:
    rng = random.Random(3)
    indexed = [(i, r) for i, r in enumerate(corpus) if r.kind != "paused"]
    oos = [x for x in indexed if x[1].truth is None]
    ins = [x for x in indexed if x[1].truth is not None]
    rng.shuffle(oos)
    rng.shuffle(ins)
    out: list[tuple[int, ev.Reply]] = []
    while oos or ins:
        out += [oos.pop() for _ in range(2) if oos] + [ins.pop() for _ in range(1) if ins]
    return [x for x in out if x[1].truth is not None][:60] + out


def _align(model: Any, tok: Any, enc: Any, frames: int, texts: list[str]) -> dict[str, tuple[float, int]]:
    start = [*tok.sot_sequence, tok.no_timestamps]
    out: dict[str, tuple[float, int]] = {}
    for t in texts:
        ids = tok.encode(t)
        if ids:
            probs = model.model.align(enc, start, [ids], [frames // 2])[0].text_token_probs
            out[t] = (sum(math.log(max(q, 1e-9)) for q in probs), len(probs))
    return out


def _features(model: Any, tok: Any, pcm8k: bytes, hyp: str, closed: ClosedSet, node: str) -> Row:
    from runtime.speech.asr_whisper import to_simplified
    from telephony.media.audio import SAMPLE_RATE, resample

    pcm16 = resample(pcm8k, SAMPLE_RATE, 16000, headroom_db=0.0)
    audio = np.frombuffer(pcm16, dtype="<i2").astype(np.float32) / 32768.0
    c0 = time.process_time()
    feats = model.feature_extractor(audio)
    frames, window = int(feats.shape[-1]), model.feature_extractor.nb_max_frames
    enc = model.encode(np.pad(feats, ((0, 0), (0, max(0, window - frames))))[:, :window])
    enc_cpu = (time.process_time() - c0) * 1000
    c0 = time.process_time()
    g = model.model.generate(enc, [[*tok.sot_sequence, tok.no_timestamps]], beam_size=5, num_hypotheses=5,
                             return_scores=True, max_length=60, suppress_blank=True)[0]
    nbest_cpu = (time.process_time() - c0) * 1000
    nbest = [(to_simplified(tok.decode([t for t in s if t < tok.eot])).strip(), float(sc))
             for s, sc in zip(g.sequences_ids, g.scores, strict=False)]
    cands = closed.candidates(node)
    hyps = [hyp] + [h for h, _ in nbest[:2] if h]
    by_branch: dict[str, set[tuple[float, int, str]]] = {}
    for c in cands:
        if not c.phrase.isascii():
            sim = max(similarity(h, c.phrase) for h in hyps)
            by_branch.setdefault(c.branch, set()).add((-sim, len(c.phrase), c.phrase))
    phrases = list(dict.fromkeys(p for lst in by_branch.values() for _, _, p in sorted(lst)[:3]))
    c0 = time.process_time()
    fb = _align(model, tok, enc, frames, phrases)
    forced_cpu = (time.process_time() - c0) * 1000
    free = _align(model, tok, enc, frames, list(dict.fromkeys([hyp] + [h for h, _ in nbest[:1] if h])))
    return {"enc_cpu": enc_cpu, "nbest_cpu": nbest_cpu, "forced_cpu": forced_cpu, "n_phr": len(phrases),
            "nbest": nbest, "cands": [[c.phrase, c.branch, c.scope, c.source] for c in cands], "fb": fb, "free_b": free}


class _Capture:
    """The recogniser, keeping the last stream so its audio can be scored again."""

    name = "whisper"
    streaming = False
    needs_network = False

    def __init__(self, asr: Any) -> None:
        self.asr = asr
        self.last: Any = None

    def new_stream(self, *a: Any, **k: Any) -> Any:
        self.last = self.asr.new_stream(*a, **k)
        return self.last


def dump(voice: str, out_path: Path) -> None:
    from faster_whisper.tokenizer import Tokenizer

    from runtime.speech.asr import WhisperProvider
    from runtime.speech.model_files import whisper_model_dir
    from runtime.speech.turn import hear_turn

    cap = _Capture(WhisperProvider(whisper_model_dir(ev.OUT.parent / "models"), "zh", cpu_threads=1))
    model = cap.asr.model
    tok = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="zh")
    scripts = {p.name: Script.from_dict(json.loads(p.read_text("utf-8"))) for p in (ROOT / "scripts_library").glob("*.json")}
    compiled = {k: compile_script(s) for k, s in scripts.items()}
    done = {json.loads(line)["id"] for line in out_path.read_text("utf-8").splitlines()} if out_path.exists() else set()
    with out_path.open("a", encoding="utf-8") as fo:
        for i, r in _order(ev.build_corpus()):
            rid = hashlib.sha256(f"{r.script}|{r.node}|{r.kind}|{r.text}".encode()).hexdigest()[:12]
            key = hashlib.sha256(f"{voice}|1.0|{r.text}".encode()).hexdigest()[:20]
            if rid in done or (r.kind not in ("silence", "noise") and not (ev.OUT / f"{key}.wav").exists()):
                continue
            c0 = time.process_time()
            turn = hear_turn(cap, scripts[r.script], r.node, ev.audio_for(r, voice, 1.0, ev.NOISE_DB["mid"], seed=i))
            ch = turn.verdict.choice if turn.verdict else None
            row: Row = {"id": rid, "i": i, "script": r.script, "node": r.node, "kind": r.kind, "text": r.text,
                        "truth": r.truth, "base_pred": ev.predicted(compiled[r.script], r.node, turn),
                        "base_cpu_ms": (time.process_time() - c0) * 1000,
                        "hyp": turn.result.text if turn.result else "",
                        "asr_rejected": bool(turn.result and turn.result.rejected),
                        "open": compiled[r.script].closed.is_open(r.node), "base_choice": ch.to_dict() if ch else None}
            if (cap.last is not None and row["hyp"].strip() and ch is not None and ch.rejected and not row["open"]
                    and not row["asr_rejected"]):
                row.update(_features(model, tok, bytes(cap.last._pcm), row["hyp"], compiled[r.script].closed, r.node))
            fo.write(json.dumps(row, ensure_ascii=False) + "\n")
            fo.flush()
            print(r.kind, r.text, "->", row["hyp"], row["base_pred"], r.truth, flush=True)


# ---- fitting -------------------------------------------------------------------------------
def _mean(v: list[float]) -> float:
    return v[0] / max(1, v[1])


def _pick(r: Row, k: int) -> Row | None:
    """What runtime.speech.forced does on this turn with ``k`` phrases a branch (the phrases the
    words sound most like; a phrase the dump did not score is left out)."""
    by_branch: dict[str, set[str]] = {}
    for p, br, _scope, _src in r["cands"]:
        if len(p) >= 2 and not p.isascii():
            by_branch.setdefault(br, set()).add(p)
    phrases: dict[str, str] = {}
    for br, ps in by_branch.items():
        for p in sorted(ps, key=lambda p: (-similarity(r["hyp"], p), len(p), p))[:k]:
            phrases.setdefault(p, br)
    scores = {p: _mean(r["fb"][p]) for p in phrases if p in r["fb"]}
    free = r["free_b"].get(r["hyp"])
    pick = judge(phrases, scores, _mean(free) if free else None)
    return None if pick is None else {"branch": pick.branch, "lp": pick.logprob, "lr": pick.ratio, "margin": pick.margin}


_MEMO: dict[tuple[str, str, int], Row | None] = {}


_CLOSED: dict[str, ClosedSet] = {}
_BEAM: dict[tuple[str, str, int], str | None] = {}


def beam_pick(r: Row, n: int) -> str | None:
    """The branch of the first of ``n`` beam hypotheses the closed set accepts (runtime.speech.forced.from_alternatives)."""
    if not _CLOSED:
        _CLOSED.update({p.name: ClosedSet(Script.from_dict(json.loads(p.read_text("utf-8"))))
                        for p in (ROOT / "scripts_library").glob("*.json")})
    key = (r["id"], r["voice"], -n)
    if key not in _BEAM:
        _BEAM[key] = next((c.branch for c in (_CLOSED[r["script"]].choose(r["node"], h) for h, _ in r.get("nbest", [])[:n])
                           if not c.rejected), None)
    return _BEAM[key]


def predict(r: Row, rule: tuple[int, float, float, float] | None, beam: int = 0) -> str | None:
    base = r["base_pred"]
    if "fb" not in r or base is not None:
        return base
    if beam and (b := beam_pick(r, beam)) is not None:
        return b
    if rule is None:
        return None
    k, lr_min, m_min, lp_min = rule
    key = (r["id"], r["voice"], k)
    if key not in _MEMO:
        _MEMO[key] = _pick(r, k)
    f = _MEMO[key]
    ok = f is not None and f["lr"] >= lr_min and f["margin"] >= m_min and f["lp"] >= lp_min
    return f["branch"] if f is not None and ok else None


def table(rows: list[Row], rule: tuple[int, float, float, float] | None, beam: int = 0) -> list[int]:
    ins = [r for r in rows if r["truth"] is not None]
    oos = [r for r in rows if r["truth"] is None]
    pred = {id(r): predict(r, rule, beam) for r in rows}
    return [sum(pred[id(r)] == r["truth"] for r in ins), len(ins), sum(pred[id(r)] is not None for r in oos),
            len(oos), sum(pred[id(r)] is None for r in rows), len(rows)]


def fmt(t: list[int]) -> str:
    return (f"in-set {t[0]}/{t[1]} = {100 * t[0] / max(1, t[1]):.1f} %, out-of-set accepted {t[2]}/{t[3]}, "
            f"rejected {100 * t[4] / max(1, t[5]):.1f} %")


def fit(rows: list[Row], beam: int = 0) -> tuple[int, float, float, float]:
    base_fa = table(rows, None, beam)[2]
    best: tuple[Any, ...] | None = None
    for k in (1, 2, 3):
        for lr in (-1.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5):
            for m in (0.0, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0):
                for lp in (-99.0, -4.0, -3.5, -3.0, -2.5):
                    t = table(rows, (k, lr, m, lp), beam)
                    key = (t[2] <= base_fa, t[0], -k, lr, m, lp)
                    if best is None or key > best[0]:
                        best = (key, (k, lr, m, lp))
    assert best is not None
    return best[1]


def half(r: Row) -> int:
    return int(hashlib.sha256(f"{r['script']}|{r['node']}".encode()).hexdigest(), 16) % 2


def report(paths: list[Path]) -> None:
    rows: list[Row] = []
    for p in paths:
        voice = p.stem.split("-")[-1]
        rows += [{**json.loads(line), "voice": voice} for line in p.read_text("utf-8").splitlines()]
    voices = sorted({r["voice"] for r in rows})
    for beam in (0, N_BEST):
        held: dict[str, list[list[int]]] = {v: [[0] * 6, [0] * 6, [0] * 6] for v in voices}
        for fit_half in (0, 1):
            rule = fit([r for r in rows if half(r) == fit_half], beam)
            print(f"{'n-best ' + str(beam) + ', then ' if beam else ''}forced scoring fitted on half {fit_half}: "
                  f"phrases a branch {rule[0]}, ratio >= {rule[1]}, margin >= {rule[2]}, log-prob >= {rule[3]}")
            for v in voices:
                test = [r for r in rows if half(r) != fit_half and r["voice"] == v]
                for j, t in enumerate((table(test, rule, beam), table(test, None), table(test, None, beam))):
                    held[v][j] = [a + b for a, b in zip(held[v][j], t, strict=True)]
        for v in voices:
            print(f"  held out, {v}: with forced {fmt(held[v][0])}\n    closed set alone {fmt(held[v][1])}"
                  + (f"\n    n-best alone (nothing fitted) {fmt(held[v][2])}" if beam else ""))
    rule = fit(rows)
    print(f"fitted on all (the constants; not a held-out figure): {rule}: {fmt(table(rows, rule))}")
    for v in voices:
        mine = [r for r in rows if r["voice"] == v]
        scored = [r for r in mine if "fb" in r]
        extra = [r["enc_cpu"] + r["forced_cpu"] * (min(rule[0] * len({c[1] for c in r["cands"]}), len(r["fb"])) + 1)
                 / max(1, r["n_phr"]) for r in scored]
        print(f"CPU ms, {v}: a turn {statistics.median(r['base_cpu_ms'] for r in mine):.0f} (median); forced scoring "
              f"adds {statistics.median(extra) if extra else 0:.0f} on {len(scored)} of {len(mine)} turns; a 5-beam "
              f"n-best {statistics.median(r['nbest_cpu'] for r in scored) if scored else 0:.0f}")
    nbest(rows, voices)


def nbest(rows: list[Row], voices: list[str]) -> None:
    closed = {p.name: ClosedSet(Script.from_dict(json.loads(p.read_text("utf-8"))))
              for p in (ROOT / "scripts_library").glob("*.json")}

    def pred(r: Row, n: int) -> str | None:
        if r["base_pred"] is not None or "nbest" not in r:
            return r["base_pred"]
        for h, _ in r["nbest"][:n]:
            c = closed[r["script"]].choose(r["node"], h)
            if not c.rejected:
                return c.branch
        return None

    for n in (1, 3, 5):
        for v in voices:
            mine = [r for r in rows if r["voice"] == v]
            ins = [r for r in mine if r["truth"] is not None]
            oos = [r for r in mine if r["truth"] is None]
            print(f"n-best {n}, {v}: in-set {sum(pred(r, n) == r['truth'] for r in ins)}/{len(ins)}, out-of-set "
                  f"accepted {sum(pred(r, n) is not None for r in oos)}/{len(oos)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--voice", default="kokoro")
    d.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("fit")
    f.add_argument("files", type=Path, nargs="+", help="dumps; the voice is the file name's last '-' part")
    args = ap.parse_args()
    if args.cmd == "dump":
        dump(args.voice, args.out)
    else:
        report(args.files)


if __name__ == "__main__":
    main()
