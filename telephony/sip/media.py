"""One call's RTP endpoint: a UDP socket, G.711 both ways, RFC 4733 DTMF, recording tap.

Received audio goes through the shared adaptive jitter buffer (:mod:`telephony.media.jitter`)
and is played out on our clock, one frame per tick.

The stream never runs a timer of its own: the driver's :class:`~telephony.sip.clock.MediaClock`
calls :meth:`RtpStream.tick` every 20 ms, and each tick sends exactly one packet (prompt
audio, a DTMF event, or silence so NATs and carriers keep the path open), plays one received
frame out of the jitter buffer, and hands both to the recording sink in lockstep.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from telephony.contract import FRAME_BYTES, FRAME_SAMPLES, RecordingSink
from telephony.media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from telephony.media.jitter import JitterBuffer, JitterConfig
from telephony.sip.rtp import (
    DtmfEvent,
    RtpError,
    RtpPacket,
    build_dtmf_event,
    build_rtp,
    parse_dtmf_event,
    parse_rtp,
)

__all__ = ["RtpStream", "Codec", "CODECS", "SendStats"]

_log = logging.getLogger(__name__)
_SILENCE = bytes(FRAME_BYTES)
_ENCODED_SILENCE: dict[int, bytes] = {}
_DTMF_PACKETS = 5  # 100 ms tone
_DTMF_END_REPEATS = 3  # RFC 4733 section 2.5.1.4: the end packet is sent three times
_DTMF_GAP_TICKS = 3  # 60 ms between digits


@dataclass(frozen=True, slots=True)
class Codec:
    name: str
    payload_type: int
    encode: Callable[[bytes], bytes]
    decode: Callable[[bytes], bytes]


CODECS: dict[int, Codec] = {
    0: Codec("PCMU", 0, ulaw_encode, ulaw_decode),
    8: Codec("PCMA", 8, alaw_encode, alaw_decode),
}


class SendStats:
    """Inter-packet send intervals (seconds) for the benchmark; bounded memory."""

    def __init__(self, keep: int = 3000) -> None:
        self.intervals: deque[float] = deque(maxlen=keep)
        self._last: float | None = None
        self.packets = 0

    def mark(self, now: float) -> None:
        if self._last is not None:
            self.intervals.append(now - self._last)
        self._last = now
        self.packets += 1


@dataclass(slots=True)
class _Play:
    play_id: int
    pcm: bytes
    pos: int = 0
    encoded: bytes = b""  # the whole prompt in the codec below, encoded once at play()
    codec_pt: int = -1


class RtpStream(asyncio.DatagramProtocol):
    """Media for one call. Callbacks report DTMF and finished prompts to the call handle."""

    def __init__(
        self,
        on_dtmf: Callable[[str], None],
        on_play_done: Callable[[int, bool], None],
        on_frame: Callable[[bytes], None],
        jitter: JitterConfig | None = None,
    ) -> None:
        self._on_dtmf = on_dtmf
        self._on_play_done = on_play_done
        self._on_frame = on_frame
        self.codec: Codec = CODECS[0]
        self.dtmf_pt: int | None = 101
        self.remote: tuple[str, int] | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.local_port = 0
        self._ssrc = secrets.randbits(32)
        self._seq = secrets.randbits(16)
        self._ts = secrets.randbits(32)
        self._plays: deque[_Play] = deque()
        self._dtmf_out: deque[str] = deque()
        self._dtmf_state: tuple[str, int, int] | None = None  # digit, packets sent, event timestamp
        self._dtmf_gap = 0
        self._jitter_config = jitter or JitterConfig()
        self._rx = JitterBuffer(self._jitter_config)
        self._rx_ssrc: int | None = None
        self._rx_codec: Codec = CODECS[0]
        self._last_out = _SILENCE
        self._out_payload = b""
        self._last_dtmf_ts: int | None = None
        self._sink: RecordingSink | None = None
        self.stats = SendStats()
        self.received = 0
        self.bad_packets = 0
        self.closed = False
        self.sending = True  # False while the peer holds the call (sendonly/inactive offer)
        self.symmetric = False  # latch self.remote to the first packet's source (NAT)
        self.latched = False

    # --- asyncio.DatagramProtocol -------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Python 3.11's selector transport is not a DatagramTransport subclass; cast, don't assert.
        self.transport = cast(asyncio.DatagramTransport, transport)
        self.local_port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            pkt = parse_rtp(data)
        except RtpError as exc:
            self.bad_packets += 1
            if self.bad_packets <= 3:
                _log.warning("bad RTP from %s:%s on port %d: %s", addr[0], addr[1], self.local_port, exc)
            return
        self.received += 1
        if self.symmetric and not self.latched:
            self.latched = True
            if self.remote != (addr[0], addr[1]):
                _log.info("RTP on port %d latched to %s:%s (SDP said %s)", self.local_port, addr[0], addr[1], self.remote)
                self.remote = (addr[0], addr[1])
        if self.dtmf_pt is not None and pkt.payload_type == self.dtmf_pt:
            self._receive_dtmf(pkt)
            return
        codec = CODECS.get(pkt.payload_type)
        if codec is None:
            return  # comfort noise (13) and anything not negotiated
        if self._rx_ssrc is not None and pkt.ssrc != self._rx_ssrc:
            self._rx = JitterBuffer(self._jitter_config)  # new source: restart sequence space
        self._rx_ssrc = pkt.ssrc
        self._rx_codec = codec
        # Decoding waits for the tick (after all sends): the socket callback stays cheap.
        self._rx.push(pkt.sequence, pkt.timestamp, pkt.payload, time.monotonic())

    def error_received(self, exc: Exception) -> None:
        _log.debug("RTP socket error on port %d: %s", self.local_port, exc)

    # --- control, from the call handle ----------------------------------------------------
    def play(self, pcm: bytes, play_id: int) -> None:
        if len(pcm) % 2:
            raise ValueError(f"PCM for play {play_id} has an odd byte count ({len(pcm)}); expected 16-bit samples")
        self._plays.append(_Play(play_id, pcm))

    def stop_playback(self) -> list[int]:
        """Drop the current and queued prompts; returns their ids (all interrupted)."""
        ids = [p.play_id for p in self._plays]
        self._plays.clear()
        return ids

    def send_dtmf(self, digits: str) -> None:
        self._dtmf_out.extend(digits.upper())

    def set_sink(self, sink: RecordingSink | None) -> None:
        self._sink = sink

    def close(self) -> RecordingSink | None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()
        sink, self._sink = self._sink, None
        return sink

    # --- the 20 ms tick -------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Send this tick's packet: prompt audio, a DTMF event, or silence."""
        if self.closed:
            return
        outbound = self._next_outbound()
        self._last_out = outbound
        if self.remote is None or self.transport is None or not self.sending:
            self._ts += FRAME_SAMPLES
            return
        if self._dtmf_state is not None or (self._dtmf_out and self._dtmf_gap == 0 and self.dtmf_pt is not None):
            self._send_dtmf_packet()
        else:
            if self._dtmf_gap:
                self._dtmf_gap -= 1
            self._send(RtpPacket(self.codec.payload_type, self._seq, self._ts, self._ssrc, self._out_payload))
        self.stats.mark(time.monotonic())  # when this packet really left, not when the tick began
        self._ts += FRAME_SAMPLES

    def drain(self, now: float) -> None:
        """Play one received frame out of the jitter buffer; record both parties in lockstep."""
        if self.closed:
            return
        lost_before = self._rx.stats.lost
        payload = self._rx.pop()
        if payload is not None:
            pcm = self._rx_codec.decode(payload)
            frame = pcm if len(pcm) == FRAME_BYTES else (pcm + _SILENCE)[:FRAME_BYTES]
            self._on_frame(frame)
        else:
            frame = _SILENCE
            if self._rx.stats.lost > lost_before:
                self._on_frame(frame)  # a lost frame is concealed with silence; the 20 ms clock goes on
        if self._sink is not None:
            self._sink.write(frame, self._last_out)

    def _next_outbound(self) -> bytes:
        """This tick's 20 ms of prompt PCM (silence when idle); the encoded payload goes to
        ``self._out_payload`` so a prompt is encoded once, not once per packet."""
        while self._plays:
            cur = self._plays[0]
            start = cur.pos
            chunk = cur.pcm[start : start + FRAME_BYTES]
            cur.pos += FRAME_BYTES
            if cur.pos >= len(cur.pcm):
                self._plays.popleft()
                self._on_play_done(cur.play_id, False)
            if chunk:
                if len(chunk) < FRAME_BYTES:
                    chunk = chunk + _SILENCE[len(chunk) :]
                    self._out_payload = self.codec.encode(chunk)
                else:
                    if cur.codec_pt != self.codec.payload_type:  # first frame, or the codec changed
                        cur.encoded, cur.codec_pt = self.codec.encode(cur.pcm), self.codec.payload_type
                    self._out_payload = cur.encoded[start // 2 : start // 2 + FRAME_SAMPLES]
                return chunk
        self._out_payload = self._silence_payload()
        return _SILENCE

    def _silence_payload(self) -> bytes:
        cached = _ENCODED_SILENCE.get(self.codec.payload_type)
        if cached is None:
            cached = _ENCODED_SILENCE[self.codec.payload_type] = self.codec.encode(_SILENCE)
        return cached

    def _send(self, pkt: RtpPacket) -> None:
        assert self.transport is not None and self.remote is not None
        self.transport.sendto(build_rtp(pkt), self.remote)
        self._seq = (self._seq + 1) & 0xFFFF

    def _send_dtmf_packet(self) -> None:
        assert self.dtmf_pt is not None
        if self._dtmf_state is None:
            self._dtmf_state = (self._dtmf_out.popleft(), 0, self._ts)
        digit, sent, event_ts = self._dtmf_state
        end = sent >= _DTMF_PACKETS - 1
        duration = (min(sent, _DTMF_PACKETS - 1) + 1) * FRAME_SAMPLES
        payload = build_dtmf_event(DtmfEvent(digit, end, 10, duration))
        self._send(RtpPacket(self.dtmf_pt, self._seq, event_ts, self._ssrc, payload, marker=sent == 0))
        sent += 1
        if sent >= _DTMF_PACKETS + _DTMF_END_REPEATS - 1:
            self._dtmf_state = None
            self._dtmf_gap = _DTMF_GAP_TICKS
        else:
            self._dtmf_state = (digit, sent, event_ts)

    def _receive_dtmf(self, pkt: RtpPacket) -> None:
        try:
            ev = parse_dtmf_event(pkt.payload)
        except RtpError as exc:
            _log.warning("bad telephone-event on port %d: %s", self.local_port, exc)
            return
        # One key press is many packets sharing one RTP timestamp: report it once.
        if pkt.timestamp != self._last_dtmf_ts:
            self._last_dtmf_ts = pkt.timestamp
            self._on_dtmf(ev.digit)
