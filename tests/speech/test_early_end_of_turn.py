"""Early end of turn: a confident closed-set match ends the turn at a ~360 ms pause; open or
ambiguous answers and speech that goes on after a pause keep the full 600 ms silence, and a
customer who pauses mid-sentence is not cut off."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from designer.model import Script
from runtime.calls.early_turn import EarlyTurnConfig, next_step
from runtime.calls.listening import Ear, Heard, Hearing, listen
from runtime.calls.speech import SpeechKit
from runtime.dialog.compiled import compile_script
from telephony.media.audio import frames
from telephony.simulator.clock import RealClock
from tests.support.speech_closedset import ScriptedAsr

LIB = Path(__file__).resolve().parents[2] / "scripts_library"
CFG = EarlyTurnConfig()


def test_next_step_table() -> None:
    assert next_step(CFG, 100, 800, False, None) == "wait"  # pause too short
    assert next_step(CFG, 160, 200, False, None) == "wait"  # a cough
    assert next_step(CFG, 160, 800, False, None) == "speculate"
    assert next_step(CFG, 300, 800, True, True) == "wait"  # confident, but a comma's pause: not yet
    assert next_step(CFG, 380, 800, True, None) == "wait"  # decode still running
    assert next_step(CFG, 380, 800, True, False) == "wait"  # ambiguous / open: the long silence
    assert next_step(CFG, 380, 800, True, True) == "end"


def _burst(ms: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(ms * 8) * 3000).clip(-32000, 32000).astype("<i2").tobytes()


async def _paced(pcm: bytes) -> AsyncIterator[bytes]:
    for f in frames(pcm):
        yield f
        await asyncio.sleep(0.002)  # the line's pace, compressed: the worker's decode gets to finish


def _hear(script: Script, node_id: str, pcm: bytes, texts: list[str]) -> tuple[list[Heard], ScriptedAsr]:
    compiled = compile_script(script)
    asr = ScriptedAsr(texts)
    got: list[Heard | Hearing] = []

    async def no_barge() -> bool:
        return False

    def ear_for(a: object, oracle: bool) -> Ear:
        return Ear(a, oracle, emit=got.append, barge_in=no_barge,
                   listening=lambda: compiled.listen(script.by_id[node_id]), closed=compiled.closed,
                   early=CFG, end_silence_ms=600)

    kit = SpeechKit(tts=None, asr=asr)  # type: ignore[arg-type]
    asyncio.run(listen(_paced(pcm), kit, RealClock(), ear_for, None))
    return [h for h in got if isinstance(h, Heard)], asr


@pytest.fixture(scope="module")
def script() -> Script:
    return Script.from_dict(json.loads((LIB / "mobile_semi_suspension.json").read_text("utf-8")))


def test_confident_answer_ends_at_the_short_pause(script: Script) -> None:
    heard, asr = _hear(script, "open", _burst(700, 1) + bytes(16000), ["不需要"])
    assert len(heard) == 1 and heard[0].branch_hint == "open_no"
    b = heard[0].budget
    assert b is not None and b.early and b.speculative and b.endpoint_ms == CFG.end_after_ms


def test_ambiguous_answer_waits_the_full_silence_but_reuses_the_decode(script: Script) -> None:
    heard, asr = _hear(script, "open", _burst(700, 2) + bytes(16000), ["今天天气怎么样"])
    b = heard[0].budget
    assert len(heard) == 1 and b is not None and not b.early and b.endpoint_ms == 600
    assert b.speculative  # the decode made during the pause is the final result: no second decode
    assert asr.peeks == 1


def test_open_node_keeps_the_long_silence() -> None:
    doc = {"id": "s", "name": "s", "language": "zh-CN", "start": "ask",
           "nodes": [{"id": "ask", "type": "say_listen", "prompt": {"text": "您充了多少？"},
                      "branches": [{"id": "amount", "when": {"regex": "[0-9]+"}, "goto": "bye"},
                                   {"id": "no", "when": {"intent": "deny"}, "goto": "bye"}]},
                     {"id": "bye", "type": "end", "prompt": {"text": "再见"}}]}
    heard, _ = _hear(Script.from_dict(doc), "ask", _burst(700, 3) + bytes(16000), ["不需要"])
    b = heard[0].budget
    assert b is not None and not b.early and b.endpoint_ms == 600


def test_a_pause_mid_sentence_does_not_cut_the_customer_off(script: Script) -> None:
    # "我想问一下 ... [300 ms] ... 流量怎么算": the pause is past the speculation point but speech resumes
    pcm = _burst(600, 4) + bytes(300 * 16) + _burst(600, 5) + bytes(16000)
    heard, asr = _hear(script, "open", pcm, ["我想问一下流量怎么算"])
    assert len(heard) == 1  # one turn, not two
    b = heard[0].budget
    # the decode at the mid-sentence pause went stale when speech resumed; the one at the end is used
    assert b is not None and not b.early and b.endpoint_ms == 600 and asr.peeks == 2
