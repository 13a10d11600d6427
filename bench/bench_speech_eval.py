"""Evaluation of Chinese recognition on the phone line: corpus generated from the library scripts,
spoken by offline voices, through G.711 at 8 kHz with line noise, heard as a call hears it
(VAD -> Whisper -> closed set), scored against what the script does with the words as typed.

Run:  nice -n 10 .venv/bin/python bench/bench_speech_eval.py [--limit 60] [--voices kokoro,espeak]
      [--noise mid] [--json bench/out/speech-eval.json]
      --corpus-only prints the corpus size by kind and exits (no audio).

The corpus (>= 400 replies) is built by code from every listening node of the Chinese library
scripts: in-set phrases, paraphrases (fillers / courtesy around a phrase), negations, numbers and
amounts, off-script questions, fillers, silence and noise, plus replies with a pause inside
(for the cut-off count). ``--limit`` takes an evenly spread, seeded sample of it, because Whisper
costs 1-5 s of CPU a reply on this shared 2-core machine. Rendered audio is cached under
``bench/out/speech-eval/``.

Truth for a reply is the branch the script's text matcher picks for the words as typed (None:
no branch, i.e. out of set). A recognised reply counts as right when the call would take the
same branch; "false accept" is an out-of-set reply sent to a branch.

End of speech -> first bot audio is derived in-process from the measured decode time and the
early-turn rule (speculation at a 140 ms pause, end at 360 ms when confident, else 600 ms) plus
the measured matching time and a cached prompt's first frame; it is *not* measured at the
customer's side over SIP here. ``bench/bench_turn_latency_sip.py`` measures it there (the
product's SIP driver and call session dialling a customer peer that times its own RTP), on this
corpus's replies: see docs/speech.md, "Measured at the customer's side over SIP".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designer.model import Script  # noqa: E402
from runtime.calls.early_turn import EarlyTurnConfig  # noqa: E402
from runtime.dialog.compiled import compile_script  # noqa: E402
from telephony.media.g711 import ulaw_decode, ulaw_encode  # noqa: E402

OUT = ROOT / "bench" / "out" / "speech-eval"
PAUSE_MS = 300  # the pause inside a "paused" reply, after its first phrase
NOISE_DB = {"low": 30.0, "mid": 20.0, "high": 10.0}  # SNR of the line noise, speech RMS over noise RMS
OFF_SCRIPT = ["今天天气怎么样", "你们公司在哪里", "我在开车不方便说", "我想问一下宽带能不能提速", "你们有没有优惠活动",
              "我的手机老是没信号", "帮我查一下积分", "我要办一张副卡", "能不能换个套餐", "你说的我听不太懂",
              "我不是你们的客户吧", "这个号码是我老婆的", "你们营业厅几点关门", "我想投诉网速慢不慢", "上个月扣了我十块钱",
              "我等会儿要开会", "你们的客服电话是多少", "我现在在国外", "我的流量怎么用得这么快", "这是诈骗电话吗",
              "我在外地出差", "你们几号发工资", "帮我转人工", "我要改一下地址", "能发个短信给我吗",
              "宽带坏了谁来修", "话费怎么这么贵", "我是他儿子", "我听不清楚你说什么", "明天再打过来吧"]
FILLERS = ["嗯", "呃", "啊", "那个", "嗯嗯嗯", "呃那个"]
WRAPS = ["嗯，{p}", "{p}吧", "那{p}", "{p}，谢谢", "喂，{p}", "哦{p}"]
NUMBERS = ["我充了{n}块", "{n}元", "充了{n}", "交了{n}块钱", "{n}块钱吧"]
TAILS = ["不过我想问一下价格", "但是我现在在开会", "你们是哪个公司的"]


@dataclass(frozen=True)
class Reply:
    script: str
    node: str
    kind: str  # in_set | paraphrase | negation | number | off_script | filler | silence | noise | paused
    text: str
    truth: str | None  # the branch the text matcher takes; None: out of set
    first: str = ""  # for "paused": the words before the pause


def build_corpus(seed: int = 7) -> list[Reply]:
    rng = random.Random(seed)
    out: list[Reply] = []
    for path in sorted((ROOT / "scripts_library").glob("*.json")):
        script = Script.from_dict(json.loads(path.read_text("utf-8")))
        if not script.is_chinese:
            continue
        compiled = compile_script(script)
        for node in (n for n in script.nodes if n.listens):
            def truth(text: str, node: Any = node, compiled: Any = compiled) -> str | None:
                m = compiled.matcher.match(node, text)
                return m.branch.id if m is not None else None

            cands = [c for c in compiled.closed.candidates(node.id) if c.scope == "node"]
            by_branch: dict[str, list[str]] = defaultdict(list)
            for c in cands:
                by_branch[c.branch].append(c.phrase)
            for _branch, phrases in by_branch.items():
                for p in rng.sample(phrases, min(3, len(phrases))):
                    out.append(Reply(path.name, node.id, "in_set", p, truth(p)))
                p = rng.choice(phrases)
                t = rng.choice(WRAPS).format(p=p)
                out.append(Reply(path.name, node.id, "paraphrase", t, truth(t)))
            affirm = [c.phrase for c in cands if c.source.endswith(":affirm") and len(c.phrase) >= 2]
            for p in rng.sample(affirm, min(1, len(affirm))):
                t = "不" + p if not p.startswith("不") else p[1:]
                out.append(Reply(path.name, node.id, "negation", t, truth(t)))
            t = rng.choice(NUMBERS).format(n=rng.choice(["五十", "一百", "三十八", "两百", "二十"]))
            out.append(Reply(path.name, node.id, "number", t, truth(t)))
            for t in rng.sample(OFF_SCRIPT, 3):
                out.append(Reply(path.name, node.id, "off_script", t, truth(t)))
            out.append(Reply(path.name, node.id, "filler", rng.choice(FILLERS), None))
            if by_branch:
                p = rng.choice(rng.choice(list(by_branch.values())))
                tail = rng.choice(TAILS)
                out.append(Reply(path.name, node.id, "paused", p + "，" + tail, truth(p + tail), first=p))
        out.append(Reply(path.name, next(n.id for n in script.nodes if n.listens), "silence", "", None))
        out.append(Reply(path.name, next(n.id for n in script.nodes if n.listens), "noise", "", None))
    return out


def sample(corpus: list[Reply], limit: int, seed: int = 11) -> list[Reply]:
    """An even spread over kinds, seeded: every kind keeps its share of the limit."""
    if limit <= 0 or limit >= len(corpus):
        return corpus
    rng = random.Random(seed)
    by_kind: dict[str, list[Reply]] = defaultdict(list)
    for r in corpus:
        by_kind[r.kind].append(r)
    out: list[Reply] = []
    for items in by_kind.values():
        k = max(1, round(limit * len(items) / len(corpus)))
        out += rng.sample(items, min(k, len(items)))
    return out


# ---- audio ---------------------------------------------------------------------------------
_VOICES: dict[str, Any] = {}


def _voice(name: str) -> Any:
    if name not in _VOICES:
        if name.startswith("kokoro"):
            from runtime.speech.tts_kokoro import KokoroProvider

            _VOICES[name] = KokoroProvider(OUT.parent / "models" / "kokoro", threads=2)
        else:
            from runtime.speech.tts_espeak import EspeakProvider

            _VOICES[name] = EspeakProvider()
    return _VOICES[name]


def speak(voice: str, text: str, rate: float) -> bytes:
    """8 kHz PCM of ``text`` in ``voice`` ("kokoro" / "espeak"), cached on disk."""
    from telephony.media.audio import read_wav, write_wav

    key = hashlib.sha256(f"{voice}|{rate}|{text}".encode()).hexdigest()[:20]
    path = OUT / f"{key}.wav"
    if path.exists():
        return read_wav(path)[0]
    pcm = _voice(voice).render(text, None, rate).pcm
    OUT.mkdir(parents=True, exist_ok=True)
    write_wav(path, pcm)
    return pcm


def line_noise(n: int, seed: int) -> np.ndarray:
    """Phone-line noise: pinkish (white noise through a one-pole low-pass) plus 50 Hz hum, unit RMS."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n)
    pink = np.empty(n)
    acc = 0.0
    for i in range(n):  # small n (a few seconds at 8 kHz): a loop is fine here
        acc = 0.97 * acc + white[i]
        pink[i] = acc
    t = np.arange(n) / 8000
    x = pink / (pink.std() or 1.0) + 0.3 * np.sin(2 * np.pi * 50 * t)
    return x / (x.std() or 1.0)


def on_the_line(pcm: bytes, snr_db: float, seed: int, floor_rms: float = 300.0) -> bytes:
    """Pad with silence (the VAD needs the end), add noise at ``snr_db`` below the speech, G.711."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    x = np.concatenate([np.zeros(2400), x, np.zeros(8000)])
    speech = x[np.abs(x) > 0]
    rms = float(np.sqrt(np.mean(speech**2))) if speech.size else floor_rms
    x = x + line_noise(x.size, seed) * rms / (10 ** (snr_db / 20))
    out = np.clip(x, -32768, 32767).astype("<i2").tobytes()
    return ulaw_decode(ulaw_encode(out))


def audio_for(r: Reply, voice: str, rate: float, snr: float, seed: int) -> bytes:
    if r.kind == "silence":
        return on_the_line(b"", snr, seed)
    if r.kind == "noise":
        rng = np.random.default_rng(seed)
        burst = (rng.standard_normal(8000) * 2500).astype("<i2").tobytes()
        return on_the_line(burst, 60.0, seed)
    if r.kind == "paused":
        a = speak(voice, r.first, rate)
        b = speak(voice, r.text[len(r.first) + 1:], rate)
        return on_the_line(a + bytes(PAUSE_MS * 16) + b, snr, seed)
    return on_the_line(speak(voice, r.text, rate), snr, seed)


# ---- scoring -------------------------------------------------------------------------------
def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance of two token sequences (characters for CER, words for WER)."""
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def cer(ref: str, hyp: str) -> tuple[int, int]:
    from designer.textfold import normalize

    a = [c for c in normalize(ref) if not c.isspace()]
    b = [c for c in normalize(hyp) if not c.isspace()]
    return edit_distance(a, b), len(a)


def predicted(compiled: Any, node_id: str, turn: Any) -> str | None:
    """The branch a call takes for this heard turn (closed-set or forced-scoring hint, or the
    text matcher when the verdict passes the words on)."""
    if turn.result is None or not turn.result.text.strip() or turn.verdict is None:
        return None
    v = turn.verdict
    if v.branch_hint is not None:
        return v.branch_hint
    if v.confidence < 0.5:
        return None
    m = compiled.matcher.match(compiled.script.by_id[node_id], v.text, v.confidence)
    return m.branch.id if m is not None else None


def latency_ms(decode_ms: float, match_ms: float, confident: bool, cfg: EarlyTurnConfig,
               end_ms: int = 600, first_frame_ms: float = 20.0) -> float:
    """End of speech -> first bot audio under the early-turn rule, from a measured decode time."""
    ready = cfg.speculate_after_ms + decode_ms
    end = max(cfg.end_after_ms, ready) if confident else max(end_ms, ready)
    return end + match_ms + first_frame_ms


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=60, help="replies sampled from the corpus (0: all)")
    ap.add_argument("--voices", default="kokoro,espeak", help="comma list: kokoro, espeak")
    ap.add_argument("--rates", default="1.0", help="comma list of speaking rates, e.g. 1.0,1.25")
    ap.add_argument("--noise", default="mid", help="comma list of low, mid, high (SNR 30 / 20 / 10 dB)")
    ap.add_argument("--corpus-only", action="store_true")
    ap.add_argument("--tts-figures", action="store_true",
                    help="only time each voice on the library's prompts (uncached) and print ms per sentence")
    ap.add_argument("--forced", action="store_true",
                    help="with the n-best and forced scoring of rejected words (off in calls by default)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    args = ap.parse_args()

    corpus = build_corpus()
    kinds = Counter(r.kind for r in corpus)
    print(f"corpus: {len(corpus)} replies: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    if args.corpus_only:
        return
    if args.tts_figures:
        tts_figures(args.voices.split(","))
        return
    items = sample(corpus, args.limit)
    print(f"sample: {len(items)} replies")
    report_forced = bool(args.forced)

    from runtime.speech.asr import WhisperProvider
    from runtime.speech.model_files import whisper_model_dir
    from runtime.speech.turn import hear_turn

    asr = WhisperProvider(whisper_model_dir(OUT.parent / "models"), "zh", cpu_threads=2)
    cfg = EarlyTurnConfig()
    scripts = {p.name: Script.from_dict(json.loads(p.read_text("utf-8")))
               for p in (ROOT / "scripts_library").glob("*.json")}
    report: dict[str, Any] = {"forced_scoring": report_forced, "corpus": dict(kinds), "corpus_size": len(corpus), "sample": len(items), "runs": []}
    for voice in args.voices.split(","):
        for rate in (float(x) for x in args.rates.split(",")):
            for level in args.noise.split(","):
                rows = []
                for i, r in enumerate(items):
                    script = scripts[r.script]
                    compiled = compile_script(script)
                    pcm = audio_for(r, voice, rate, NOISE_DB[level], seed=i)
                    c0 = time.process_time()
                    w0 = time.perf_counter()
                    turn = hear_turn(asr, script, r.node, pcm, forced=report_forced)
                    cpu_ms = (time.process_time() - c0) * 1000
                    wall_ms = (time.perf_counter() - w0) * 1000
                    hyp = turn.result.text if turn.result is not None else ""
                    choice = turn.verdict.choice if turn.verdict is not None else None
                    conf = turn.verdict.confidence if turn.verdict is not None and turn.verdict.branch_hint else (
                        choice.confidence if choice is not None else 0.0)
                    row = {"kind": r.kind, "text": r.text, "truth": r.truth, "hyp": hyp,
                           "pred": predicted(compiled, r.node, turn),
                           "forced": (turn.verdict.note if turn.verdict else "").startswith(
                               ("forced scoring: the decoder", "closed set on the beam")),
                           "conf": conf, "sim": choice.similarity if choice else 0.0,
                           "cpu_ms": cpu_ms, "decode_ms": turn.recognise_ms, "match_ms": turn.match_ms,
                           "wall_ms": wall_ms, "open": compiled.closed.is_open(r.node)}
                    if r.kind == "paused":  # what the speculative decode at the pause would have seen
                        first = hear_turn(asr, script, r.node, on_the_line(speak(voice, r.first, rate), NOISE_DB[level], i),
                                           forced=report_forced)
                        fc = first.verdict.choice if first.verdict is not None else None
                        row["cut_off"] = bool(fc is not None and not fc.rejected and not row["open"]
                                              and fc.confidence >= cfg.min_confidence and cfg.end_after_ms <= PAUSE_MS)
                        row["first_confident"] = bool(fc is not None and not fc.rejected and not row["open"]
                                                      and fc.confidence >= cfg.min_confidence)
                    rows.append(row)
                    print(f"  [{voice} x{rate} {level}] {i + 1}/{len(items)} {r.kind:10s} {r.text!r} -> {hyp!r} "
                          f"{row['pred']} (truth {r.truth}) {wall_ms:.0f} ms", flush=True)
                report["runs"].append(summarise(rows, voice, rate, level, cfg))
    print(json.dumps(report["runs"], ensure_ascii=False, indent=2))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")


def tts_figures(voices: list[str], n: int = 8) -> None:
    """Cold render time per sentence (first render excluded: model load) and audio seconds per CPU second."""
    prompts: list[str] = []
    for p in sorted((ROOT / "scripts_library").glob("*.json")):
        doc = json.loads(p.read_text("utf-8"))
        if str(doc.get("language", "")).startswith("zh"):
            prompts += [nd["prompt"]["text"] for nd in doc["nodes"] if "${" not in nd.get("prompt", {}).get("text", "${")]
    prompts = prompts[: n + 1]
    for v in voices:
        tts = _voice(v)
        tts.render(prompts[0], None, 1.0)  # load
        times, audio = [], 0
        for t in prompts[1:]:
            t0 = time.perf_counter()
            r = tts.render(t, None, 1.0)
            times.append((time.perf_counter() - t0) * 1000)
            audio += r.duration_ms
        print(f"{v}: {statistics.median(times):.0f} ms a sentence (median of {len(times)}), "
              f"real-time factor {sum(times) / max(1, audio):.2f}")


def summarise(rows: list[dict[str, Any]], voice: str, rate: float, level: str, cfg: EarlyTurnConfig) -> dict[str, Any]:
    spoken = [r for r in rows if r["kind"] not in ("silence", "noise", "filler")]
    errs = sum(cer(r["text"], r["hyp"])[0] for r in spoken)
    chars = sum(cer(r["text"], r["hyp"])[1] for r in spoken) or 1
    in_set = [r for r in rows if r["truth"] is not None]
    out_set = [r for r in rows if r["truth"] is None]
    lat = [latency_ms(r["decode_ms"], r["match_ms"], r["conf"] >= cfg.min_confidence and not r["open"]
                      and r["pred"] is not None and not r.get("forced"), cfg) for r in rows if r["hyp"]]
    sweep = {}
    for th in (0.5, 0.6, 0.7, 0.8):
        ok = sum(1 for r in in_set if r["pred"] == r["truth"] and (r["conf"] >= th or r["open"]))
        fa = sum(1 for r in out_set if r["pred"] is not None and (r["conf"] >= th or r["open"]))
        sweep[str(th)] = {"intent_accuracy": round(ok / max(1, len(in_set)), 3),
                          "false_accepts": round(fa / max(1, len(out_set)), 3)}
    paused = [r for r in rows if "cut_off" in r]
    return {
        "voice": voice, "rate": rate, "noise": level, "replies": len(rows),
        "cer": round(errs / chars, 3),
        "intent_accuracy_in_set": round(sum(r["pred"] == r["truth"] for r in in_set) / max(1, len(in_set)), 3),
        "in_set": len(in_set),
        "false_accepts_out_of_set": round(sum(r["pred"] is not None for r in out_set) / max(1, len(out_set)), 3),
        "out_of_set": len(out_set),
        "rejected": round(sum(r["pred"] is None for r in rows) / max(1, len(rows)), 3),
        "cpu_ms_per_turn_p50": round(statistics.median(r["cpu_ms"] for r in rows), 0),
        "decode_ms_p50": round(statistics.median(r["decode_ms"] for r in rows if r["hyp"]) if lat else 0, 0),
        "eos_to_first_audio_ms_p50": round(pct(lat, 0.5), 0), "eos_to_first_audio_ms_p95": round(pct(lat, 0.95), 0),
        "forced_scoring_accepts": sum(1 for r in rows if r.get("forced")),
        "early_ends": sum(1 for r in rows if r["conf"] >= cfg.min_confidence and not r["open"] and r["pred"]
                          and not r.get("forced")),
        "paused_replies": len(paused), "cut_off": sum(r["cut_off"] for r in paused),
        "would_cut_at_240ms": sum(r.get("first_confident", False) for r in paused),
        "threshold_sweep": sweep,
    }


if __name__ == "__main__":
    main()
