"""The runtime's Prometheus metrics, fed by a real call session, the recogniser path and the TTS chain."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from obs_helpers import sample, simulated_call

from designer.model import Script
from huashu.core import metrics
from runtime.calls.listening import Ear
from runtime.dialog.engine import DialogEngine
from runtime.speech.cache import PromptCache, render_cached
from runtime.speech.tts import FallbackTts, RenderedPrompt
from runtime.speech.tts_base import TtsBase
from telephony.media.endpointing import SpeechEnded, SpeechStarted
from telephony.outcomes import Outcome


def test_call_up_counts_once_and_always_comes_back_down() -> None:
    before = sample("huashu_calls_up", node="n-unit")
    with metrics.call_up("n-unit"), metrics.call_up("n-unit"):  # a wrapper and the session: one call
        assert sample("huashu_calls_up", node="n-unit") == before + 1
    assert sample("huashu_calls_up", node="n-unit") == before
    with pytest.raises(RuntimeError), metrics.call_up("n-unit"):
        raise RuntimeError("engine failed")
    assert sample("huashu_calls_up", node="n-unit") == before


def test_a_connected_call_is_up_while_it_talks_and_down_after() -> None:
    seen: list[float] = []

    class _Watching(DialogEngine):
        def handle(self, event: Any) -> list[Any]:
            seen.append(sample("huashu_calls_up", node="n-call"))
            return super().handle(event)

    def factory(script: Script, variables: Mapping[str, Any]) -> Any:
        return _Watching(script, variables)

    before = sample("huashu_calls_up", node="n-call")
    res = simulated_call("up-1", node="n-call", engine_factory=factory)
    assert res.outcome is Outcome.CONNECTED
    assert seen and all(v == before + 1 for v in seen), seen
    assert sample("huashu_calls_up", node="n-call") == before


def test_node_name_is_settable_and_never_empty() -> None:
    old = metrics.node_name()
    try:
        metrics.set_node("node-a")
        assert metrics.node_name() == "node-a"
        with pytest.raises(ValueError):
            metrics.set_node(" ")
    finally:
        metrics.set_node(old)


def test_connect_rate_follows_attempts() -> None:
    for outcome in ("connected", "busy", "no_answer", "connected"):
        metrics.observe_attempt("obs-rate", outcome)
    assert sample("huashu_connect_rate", campaign="obs-rate") == pytest.approx(0.5)
    assert sample("huashu_call_attempts_total", campaign="obs-rate", outcome="busy") == 1


class _SlowStream:
    def __init__(self) -> None:
        self.frames = 0

    def accept(self, frame: bytes) -> None:
        self.frames += 1

    def finish(self) -> Any:
        time.sleep(0.03)  # the recogniser's work after the end of speech
        return type("R", (), {"text": "yes", "confidence": 0.9, "rejected": False})()


class _SlowAsr:
    name = "slow-fake"

    def new_stream(self, expected: Any = (), grammar: bool = False, hotwords: Any = ()) -> _SlowStream:
        return _SlowStream()


def test_asr_latency_is_end_of_speech_to_final_result() -> None:
    heard: list[Any] = []

    async def no_barge() -> bool:
        return False

    async def main() -> None:
        ear = Ear(_SlowAsr(), False, emit=heard.append, barge_in=no_barge, listening=lambda: None)
        await ear.events([SpeechStarted(0)], bytes(320))
        await ear.events([], bytes(320))
        await ear.events([SpeechEnded(40, 0)], b"")

    count = sample("huashu_asr_latency_seconds_count", provider="slow-fake")
    total = sample("huashu_asr_latency_seconds_sum", provider="slow-fake")
    asyncio.run(main())
    assert any(getattr(h, "text", None) == "yes" for h in heard)
    assert sample("huashu_asr_latency_seconds_count", provider="slow-fake") == count + 1
    assert 0.03 <= sample("huashu_asr_latency_seconds_sum", provider="slow-fake") - total < 1.0


class _Fake(TtsBase):
    name = "obs-fake"

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        return RenderedPrompt.of(b"\x10\x00" * 800, self.name, voice or "v")


def test_tts_latency_is_labelled_by_provider_and_cache(tmp_path: Path) -> None:
    def n(cache: str) -> float:
        return sample("huashu_tts_latency_seconds_count", provider="obs-fake", cache=cache)

    miss, hit = n("miss"), n("hit")
    chain = FallbackTts([_Fake()], cache=PromptCache(tmp_path / "a"))
    chain.render("hello there")
    assert (n("miss"), n("hit")) == (miss + 1, hit)
    chain.render("hello there")
    assert (n("miss"), n("hit")) == (miss + 1, hit + 1)
    cache = PromptCache(tmp_path / "b")  # a bare provider through the cache helper
    render_cached(_Fake(), cache, "bonjour")
    render_cached(_Fake(), cache, "bonjour")
    assert (n("miss"), n("hit")) == (miss + 2, hit + 2)


def test_a_calls_own_prompt_memory_counts_as_cache_hits(tmp_path: Path) -> None:
    from runtime.calls import SpeechKit

    def n(cache: str) -> float:
        return sample("huashu_tts_latency_seconds_count", provider="obs-fake", cache=cache)

    miss, hit = n("miss"), n("hit")
    kit = SpeechKit(tts=FallbackTts([_Fake()], cache=PromptCache(tmp_path)))

    async def twice() -> tuple[bytes, bytes]:
        return await kit.render("same prompt", None), await kit.render("same prompt", None)

    first, again = asyncio.run(twice())
    assert first == again and kit.cached("same prompt", None) == first
    assert (n("miss"), n("hit")) == (miss + 1, hit + 1)  # the chain's render, then the kit's memory
