"""bench/bench_turn_latency_sip.py's machinery, once on a tiny input, so the benchmark cannot rot:
the product's SIP driver and call session dial the bench's customer peer (a separate process),
which answers, hears the greeting, sends one Chinese reply over RTP and times the bot's answer
at its side. The recogniser is a scripted one (oracle speed): the figure is not checked, the
plumbing is."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.support.speech_closedset import ScriptedAsr

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_turn_latency_sip.py"


def _bench() -> Any:
    if "bench_turn_latency_sip" in sys.modules:
        return sys.modules["bench_turn_latency_sip"]
    spec = importlib.util.spec_from_file_location("bench_turn_latency_sip", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_turn_latency_sip"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_voiced_span_and_sip_parsing() -> None:
    b = _bench()
    tone = (np.sin(np.arange(1600) / 3) * 8000).astype("<i2").tobytes()
    pcm = bytes(160 * 2 * 5) + tone + bytes(160 * 2 * 7)  # 5 silent frames, 10 voiced, 7 silent
    assert b.voiced_span(pcm) == (5, 14)
    start, headers, body = b.parse_sip(b"BYE sip:x@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP a\r\nVia: SIP/2.0/UDP b\r\n"
                                       b"i: abc\r\nl: 0\r\n\r\n")
    assert start.startswith("BYE") and [v for k, v in headers if k == "via"] == ["SIP/2.0/UDP a", "SIP/2.0/UDP b"]
    assert b._get(headers, "call-id") == "abc" and body == ""


@pytest.mark.slow
@pytest.mark.audio
@pytest.mark.timeout(60)
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_one_reply_is_timed_at_the_customer_over_sip() -> None:
    b = _bench()
    (clip,) = b.chinese_clips(1, "espeak", "low")
    words = clip.label.split(": ", 1)[1]
    asr = ScriptedAsr([words])
    result = asyncio.run(asyncio.wait_for(b.measure([clip], asr, call_timeout_s=30), 45))
    (row,) = result["rows"]
    assert row["prompt_heard"] and row["answered"], row
    assert row["eos_to_first_audio_ms"] is not None and row["eos_to_first_audio_ms"] > 0
    assert not row["cut_off"]
    assert 0 < row["speech_ms"] < len(clip.ulaw) / 8
    (outcome,) = result["outcomes"]
    assert len(outcome["path"]) == 2 and len(outcome["budgets"]) == 1, outcome  # the reply took a branch
    assert result["renders_during_calls"] == 0  # every prompt was cached before the call
    summary = b.summarise("scripted", result)
    assert summary["replies"] == 1 and summary["measured"] == 1 and summary["cut_off"] == 0
