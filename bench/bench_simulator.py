"""Simulator benchmarks: text-mode call throughput, concurrent audio calls (CPU per call, 20 ms
timing), and end of customer speech to first bot audio frame.

    .venv/bin/python bench/bench_simulator.py                 # defaults: 200 audio calls for 25 s
    .venv/bin/python bench/bench_simulator.py --calls 100 --seconds 10 --text-calls 500

Audio mode runs in real time: customers speak espeak-ng audio (pre-rendered phrases) as 20 ms
frames, the session runs webrtcvad endpointing and VAD barge-in on every frame, the bot's
prompts (pre-rendered, cache warm) go back frame by frame and both channels are recorded to
stereo WAV. Recognition is the simulator's transcript oracle: a real recogniser costs ~1 s of
CPU per utterance and is benchmarked in bench/bench_speech.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from designer.model import Script  # noqa: E402
from runtime.calls import CallResult, RealClock, SpeechKit, VirtualClock, run_call  # noqa: E402
from telephony.contract import OriginateRequest  # noqa: E402
from telephony.recording import LocalRecordingStore  # noqa: E402
from telephony.simulator import CarrierProfile, PersonaMix, SimulatorDriver  # noqa: E402
from telephony.simulator.clock import CHINA_TZ  # noqa: E402
from telephony.simulator.personas import PHRASEBOOK  # noqa: E402

SCRIPT = Script.from_dict(json.loads((ROOT / "scripts_library" / "data_pack_upgrade.json").read_text()))
VARS = {"extra_fee": 42}


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


# -- text mode -------------------------------------------------------------------------
async def _text_run(n: int, seed: int) -> tuple[float, list[CallResult]]:
    clock = VirtualClock()
    drv = SimulatorDriver(seed=seed, clock=clock)
    t = time.perf_counter()
    results = await asyncio.gather(
        *(
            run_call(drv, OriginateRequest(f"139{i:08d}", "95555", f"t{i}"), SCRIPT, VARS, clock=clock)
            for i in range(n)
        )
    )
    return time.perf_counter() - t, list(results)


def bench_text(n: int, runs: int) -> None:
    rates = []
    for r in range(runs):
        elapsed, results = asyncio.run(_text_run(n, seed=r))
        rates.append(n / elapsed)
    connected = [x for x in results if x.engine_record is not None]
    talk = statistics.mean(x.talk_ms for x in connected) / 1000 if connected else 0
    print(f"text mode: {statistics.median(rates):.0f} calls/s (median of {runs} runs of {n} calls, "
          f"{len(connected)} connected, mean talk {talk:.0f} s virtual)")  # fmt: skip


# -- audio mode ------------------------------------------------------------------------
def _espeak() -> Any:
    from runtime.speech.tts_espeak import EspeakProvider

    return EspeakProvider()


def _prerender(tts: Any) -> tuple[dict[str, bytes], SpeechKit]:
    from concurrent.futures import ThreadPoolExecutor

    phrases = sorted({p for book in PHRASEBOOK.values() for ps in book.values() for p in ps})
    with ThreadPoolExecutor(4) as ex:
        voices = dict(zip(phrases, ex.map(lambda p: tts.render(p).pcm, phrases), strict=True))
    kit = SpeechKit(tts=tts)
    return voices, kit


async def _audio_run(
    n: int,
    seconds: float,
    seed: int,
    voices: dict[str, bytes],
    kit: SpeechKit,
    rec_dir: Path,
    jitter_ms: float = 0.0,
    loss: float = 0.0,
) -> None:
    from datetime import datetime

    clock = RealClock(wall_start=datetime(2026, 3, 2, 12, 0, tzinfo=CHINA_TZ))

    async def voice(text: str, lang: str) -> bytes:
        return voices[text]

    profile = CarrierProfile(
        answer_curve=(1.0,) * 48, invalid_share=0, powered_off_share=0, busy_share=0, network_error_share=0,
        answer_after_s=(0.5, 2.0), network_jitter_ms=jitter_ms, packet_loss=loss,
    )  # fmt: skip
    drv = SimulatorDriver(
        seed=seed, carrier=profile, personas=PersonaMix.default(), clock=clock, customer_voice=voice
    )
    store = LocalRecordingStore(rec_dir)
    counter = 0
    finished: list[CallResult] = []
    stop = asyncio.Event()

    async def line() -> None:
        nonlocal counter
        while not stop.is_set():
            counter += 1
            i = counter
            res = await run_call(
                drv, OriginateRequest(f"138{i:08d}", "95555", f"a{i}"), SCRIPT, VARS,
                speech=kit, clock=clock, recording_store=store,
            )  # fmt: skip
            finished.append(res)

    # warm the prompt cache: the opening with this variable value and every static prompt
    for node in SCRIPT.nodes:
        if node.prompt.text:
            await kit.render(node.prompt.text.replace("${extra_fee}", "四十二"), None)
    tasks = [asyncio.ensure_future(line()) for _ in range(n)]
    await asyncio.sleep(3.0)  # let every line get answered
    drv.stats.tick_lateness_s.clear()
    drv.stats.response_latencies_s.clear()
    cpu0, wall0, ticks0 = time.process_time(), time.perf_counter(), drv.stats.ticks
    samples = []
    while time.perf_counter() - wall0 < seconds:
        await asyncio.sleep(0.5)
        samples.append(sum(1 for c in drv.calls.values() if c.answered_at is not None))
    cpu, wall, ticks = time.process_time() - cpu0, time.perf_counter() - wall0, drv.stats.ticks - ticks0
    stop.set()
    for c in list(drv.calls.values()):
        await c.hangup()
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
    await drv.aclose()
    late = drv.stats.tick_lateness_s
    talking = statistics.mean(samples)
    print(f"audio mode: {n} lines, {talking:.0f} calls talking on average over {wall:.1f} s "
          f"({statistics.median(samples):.0f} median, {len(finished)} calls finished)")  # fmt: skip
    print(f"  CPU: {cpu / wall * 100:.0f}% of one core in total, {cpu / wall / max(talking, 1) * 1000:.2f} ms CPU "
          f"per call-second ({cpu / wall / max(talking, 1) * 100:.2f}% of a core per call)")  # fmt: skip
    print(f"  20 ms media clock: {ticks} ticks for {wall / 0.02:.0f} expected; lateness p50 {_pct(late, 0.5) * 1000:.2f} ms, "
          f"p99 {_pct(late, 0.99) * 1000:.2f} ms, max {max(late, default=0) * 1000:.1f} ms, "
          f"{sum(1 for x in late if x > 0.02)} ticks over 20 ms late")  # fmt: skip
    lat = drv.stats.response_latencies_s
    print(f"  end of customer speech -> first bot audio frame (pre-rendered prompt, includes the VAD's "
          f"600 ms end-of-turn silence): p50 {_pct(lat, 0.5) * 1000:.0f} ms, p95 {_pct(lat, 0.95) * 1000:.0f} ms "
          f"over {len(lat)} turns")  # fmt: skip
    st = drv.stats
    if st.packets_sent:
        print(f"  simulated network ({jitter_ms:g} ms jitter, {loss:.1%} loss) + receive jitter buffer: "
              f"{st.packets_sent} packets, {st.packets_dropped} dropped, {st.packets_late} late, "
              f"{st.frames_concealed} frames concealed")  # fmt: skip
    errors = [r.error for r in finished if r.error]
    if errors:
        print(f"  {len(errors)} calls reported errors, first: {errors[0]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200, help="concurrent audio calls (default 200)")
    ap.add_argument("--seconds", type=float, default=25.0, help="measured window of the audio run")
    ap.add_argument("--text-calls", type=int, default=1000, help="calls per text-mode run (0: skip)")
    ap.add_argument("--runs", type=int, default=3, help="text-mode runs (median reported)")
    ap.add_argument("--jitter-ms", type=float, default=0.0, help="simulated network jitter on customer audio")
    ap.add_argument("--loss", type=float, default=0.0, help="simulated packet loss (0..1) on customer audio")
    ap.add_argument("--skip-audio", action="store_true")
    args = ap.parse_args()
    if args.text_calls > 0:
        bench_text(args.text_calls, args.runs)
    if args.skip_audio:
        return
    tts = _espeak()
    t = time.perf_counter()
    voices, kit = _prerender(tts)
    print(f"pre-rendered {len(voices)} customer phrases with espeak-ng in {time.perf_counter() - t:.1f} s")
    with tempfile.TemporaryDirectory(prefix="huashu-bench-rec-") as tmp:
        asyncio.run(
            _audio_run(args.calls, args.seconds, 1, voices, kit, Path(tmp), args.jitter_ms, args.loss)
        )


if __name__ == "__main__":
    main()
