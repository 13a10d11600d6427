"""RTP packets (RFC 3550) and RFC 4733 telephone-events, as pure functions over bytes.

Kept sans-IO so the wire format is tested byte for byte and the media endpoint only moves
datagrams. We need only the fixed 12-byte header (no CSRC on send, tolerated on receive) and
the 4-byte telephone-event payload.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from huashu.core.errors import HuashuError

__all__ = [
    "RtpPacket",
    "RtpError",
    "parse_rtp",
    "build_rtp",
    "DtmfEvent",
    "parse_dtmf_event",
    "build_dtmf_event",
    "DTMF_DIGITS",
]

_HEADER = struct.Struct("!BBHII")
DTMF_DIGITS = "0123456789*#ABCD"


class RtpError(HuashuError, ValueError):
    """A datagram that is not a valid RTP version 2 packet."""


@dataclass(frozen=True, slots=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False


def parse_rtp(data: bytes) -> RtpPacket:
    """Parse one RTP datagram; raise :class:`RtpError` saying what is wrong."""
    if len(data) < 12:
        raise RtpError(f"RTP packet too short: {len(data)} bytes, need at least 12")
    b0, b1, seq, ts, ssrc = _HEADER.unpack_from(data)
    if b0 >> 6 != 2:
        raise RtpError(f"RTP version {b0 >> 6}, expected 2")
    offset = 12 + 4 * (b0 & 0x0F)
    if b0 & 0x10:  # header extension: 16-bit profile, 16-bit length in words
        if len(data) < offset + 4:
            raise RtpError("RTP header extension truncated")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if b0 & 0x20:  # padding: last byte says how many bytes to drop
        pad = data[-1]
        if pad == 0 or offset + pad > end:
            raise RtpError(f"RTP padding length {pad} is invalid")
        end -= pad
    if offset > end:
        raise RtpError("RTP header longer than the packet")
    return RtpPacket(b1 & 0x7F, seq, ts, ssrc, bytes(data[offset:end]), bool(b1 & 0x80))


def build_rtp(pkt: RtpPacket) -> bytes:
    """Serialise a packet with the fixed 12-byte header."""
    return (
        _HEADER.pack(
            0x80,
            (0x80 if pkt.marker else 0) | (pkt.payload_type & 0x7F),
            pkt.sequence & 0xFFFF,
            pkt.timestamp & 0xFFFFFFFF,
            pkt.ssrc & 0xFFFFFFFF,
        )
        + pkt.payload
    )


@dataclass(frozen=True, slots=True)
class DtmfEvent:
    """RFC 4733 section 2.3 payload: event code, end bit, volume (-dBm0), duration in samples."""

    digit: str
    end: bool
    volume: int
    duration: int


def parse_dtmf_event(payload: bytes) -> DtmfEvent:
    if len(payload) < 4:
        raise RtpError(f"telephone-event payload is {len(payload)} bytes, expected 4")
    event, flags, duration = struct.unpack_from("!BBH", payload)
    if event >= len(DTMF_DIGITS):
        raise RtpError(f"telephone-event code {event} is not a DTMF digit")
    return DtmfEvent(DTMF_DIGITS[event], bool(flags & 0x80), flags & 0x3F, duration)


def build_dtmf_event(ev: DtmfEvent) -> bytes:
    code = DTMF_DIGITS.index(ev.digit.upper())
    return struct.pack("!BBH", code, (0x80 if ev.end else 0) | (ev.volume & 0x3F), ev.duration & 0xFFFF)
