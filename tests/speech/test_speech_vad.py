"""Endpointer state machine with virtual time, and the webrtcvad detector on real synthesised speech."""

from __future__ import annotations

import pytest

from telephony.media.audio import FRAME_BYTES, silence
from telephony.media.vad import (
    EndpointConfig,
    Endpointer,
    FrameVad,
    SpeechEnded,
    SpeechStarted,
    VadGate,
    WebRtcVad,
    speech_segments,
)


def _run(ep: Endpointer, pattern: str) -> list[object]:
    """pattern: one char per 20 ms frame, 'S' speech, '.' silence."""
    events: list[object] = []
    for i, c in enumerate(pattern):
        events += ep.feed(c == "S", i * 20)
    return events


def test_start_needs_enough_continuous_speech() -> None:
    ep = Endpointer(EndpointConfig(speech_start_ms=100, speech_end_silence_ms=200, min_speech_ms=0))
    assert _run(ep, "SS.SS.SSS.") == []  # clicks never reach 100 ms
    ep.reset()
    assert _run(ep, "..SSSSS") == [SpeechStarted(40)]


def test_end_after_silence_with_speech_bounds() -> None:
    ep = Endpointer(EndpointConfig(speech_start_ms=60, speech_end_silence_ms=100, min_speech_ms=100))
    events = _run(ep, ".SSSSSSSS.SS" + "." * 5 + "..")
    assert events == [SpeechStarted(20), SpeechEnded(at_ms=240, started_ms=20, too_short=False)]
    assert not ep.in_speech


def test_short_pause_does_not_end_turn_and_short_blip_is_flagged() -> None:
    cfg = EndpointConfig(speech_start_ms=40, speech_end_silence_ms=100, min_speech_ms=200)
    ep = Endpointer(cfg)
    assert _run(ep, "SSS...SSS" + "." * 6) == [SpeechStarted(0), SpeechEnded(180, 0, too_short=True)]


def test_flush_closes_open_utterance() -> None:
    ep = Endpointer(EndpointConfig(speech_start_ms=20, min_speech_ms=0))
    _run(ep, "SSSS")
    assert ep.flush() == [SpeechEnded(80, 0)]
    assert ep.flush() == []


def test_bad_config_rejected() -> None:
    with pytest.raises(ValueError, match="speech_end_silence_ms"):
        EndpointConfig(speech_end_silence_ms=-1)


def test_webrtcvad_rejects_wrong_frame_size() -> None:
    with pytest.raises(ValueError, match="320 bytes"):
        WebRtcVad().is_speech(b"\x00" * 100)


@pytest.mark.audio
def test_real_speech_segments_and_gate(espeak_8k) -> None:
    speech = espeak_8k("hello, I have already paid my bill")
    pcm = silence(1000) + speech + silence(1500) + speech + silence(1000)
    segs = speech_segments(pcm)
    assert len(segs) == 2
    assert 900 <= segs[0].started_ms <= 1200 and not segs[0].too_short
    assert segs[1].started_ms > segs[0].at_ms + 1000
    gate = VadGate(FrameVad(2))
    frames_in = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)]
    forwarded = sum(len(gate.push(f)[0]) for f in frames_in)
    speech_frames = 2 * len(speech) // FRAME_BYTES
    assert speech_frames * 0.8 <= forwarded <= speech_frames + 2 * (300 + 600) // 20 + 10
    assert forwarded < len(frames_in) * 0.8  # the silent part is not sent to the recogniser


def test_silence_never_triggers() -> None:
    vad = FrameVad(3)
    assert [e for i in range(100) for e in vad.feed(b"\x00" * FRAME_BYTES)] == []
