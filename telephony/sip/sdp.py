"""Our SDP: the offer we send (PCMU, PCMA, telephone-event) and reading the peer's choice.

Parsing is aiosipua's (RFC 4566); this module only decides what we offer and what we accept,
so the rules are plain functions tests can read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiosipua import SdpMessage, parse_sdp

from huashu.core.errors import HuashuError

__all__ = ["MediaChoice", "SdpError", "build_sdp", "choose_media", "DTMF_PT"]

DTMF_PT = 101
_SUPPORTED = (0, 8)


class SdpError(HuashuError, ValueError):
    """The peer's SDP has no audio we can use."""


@dataclass(frozen=True, slots=True)
class MediaChoice:
    address: tuple[str, int]
    payload_type: int
    dtmf_pt: int | None
    direction: str  # sendrecv | sendonly | recvonly | inactive (from the peer's point of view)


def build_sdp(
    ip: str,
    port: int,
    payload_types: tuple[int, ...] = _SUPPORTED,
    dtmf_pt: int | None = DTMF_PT,
    direction: str = "sendrecv",
    session_id: int | None = None,
    version: int = 1,
) -> str:
    """An offer or answer for one audio stream; ``payload_types`` in order of preference."""
    sid = session_id if session_id is not None else int(time.time())
    fmts = [str(pt) for pt in payload_types] + ([str(dtmf_pt)] if dtmf_pt is not None else [])
    lines = [
        "v=0",
        f"o=huashu {sid} {version} IN IP4 {ip}",
        "s=huashu",
        f"c=IN IP4 {ip}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {' '.join(fmts)}",
    ]
    names = {0: "PCMU", 8: "PCMA"}
    lines += [f"a=rtpmap:{pt} {names[pt]}/8000" for pt in payload_types]
    if dtmf_pt is not None:
        lines += [f"a=rtpmap:{dtmf_pt} telephone-event/8000", f"a=fmtp:{dtmf_pt} 0-16"]
    lines += ["a=ptime:20", f"a={direction}"]
    return "\r\n".join(lines) + "\r\n"


def choose_media(sdp: SdpMessage | str) -> MediaChoice:
    """The address, codec and DTMF payload type from a peer's SDP (offer or answer).

    The first of the peer's formats that we support wins (RFC 3264: the answerer's order
    is its preference; for an offer we honour the offerer's order too).
    """
    msg = parse_sdp(sdp) if isinstance(sdp, str) else sdp
    audio = msg.audio
    if audio is None:
        raise SdpError("SDP has no m=audio line")
    conn = audio.connection or msg.connection
    if conn is None:
        raise SdpError("SDP has no c= line for the audio stream")
    if not 0 <= audio.port <= 65535:
        raise SdpError(f"SDP audio port {audio.port} is out of range")
    pts: list[int] = []
    for fmt in audio.formats:
        try:
            pts.append(int(fmt))
        except ValueError:
            raise SdpError(f"SDP audio format {fmt!r} is not a payload type number") from None
    chosen = next((pt for pt in pts if pt in _SUPPORTED), None)
    if chosen is None:
        raise SdpError(f"no common codec: peer offers {audio.formats}, we support PCMU (0) and PCMA (8)")
    dtmf = next(
        (c.payload_type for c in audio.codecs if c.encoding_name.lower() == "telephone-event"),
        None,
    )
    direction = audio.direction
    if conn.address == "0.0.0.0" and direction == "sendrecv":  # noqa: S104 - reading an SDP, not binding
        direction = "sendonly"  # RFC 2543-style hold
    return MediaChoice((conn.address, audio.port), chosen, dtmf, direction)
