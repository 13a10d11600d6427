"""End to end: a synthesised customer reply -> 8 kHz -> G.711 -> VAD gate -> ASR -> the dialog
engine's matched branch (the engine's own call record, and the matcher it uses). Asserts on the
matched branch, never on the transcript."""

from __future__ import annotations

from pathlib import Path

import pytest

from designer.model import Script
from runtime.nlu.matcher import Matcher
from runtime.speech.asr import AsrProvider, AsrResult, WhisperProvider
from runtime.speech.expected import asr_language, expected_phrases, hotwords_for
from runtime.speech.tts import EspeakProvider
from telephony.media.audio import frames, silence
from telephony.media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from telephony.media.vad import SpeechEnded, VadGate

pytestmark = [pytest.mark.audio, pytest.mark.slow]


def _script(language: str, hotwords: list[str]) -> Script:
    return Script.from_dict({
        "format": "huashu.script/1", "id": "e2e", "name": "e2e", "language": language, "start": "ask",
        "nodes": [
            {"id": "ask", "type": "say_listen", "prompt": {"text": "您本月话费充值了吗？"},
             "asr": {"mode": "free", "hotwords": hotwords},
             "branches": [
                 {"id": "b_done", "when": {"intent": "already_done"}, "goto": "bye"},
                 {"id": "b_deny", "when": {"intent": "deny"}, "goto": "bye"},
                 {"id": "b_busy", "when": {"intent": "busy_later"}, "goto": "bye"},
             ],
             "default": "bye"},
            {"id": "bye", "type": "end", "prompt": {"text": "再见"}},
        ],
    })


def _listen(asr: AsrProvider, script: Script, line_audio: bytes) -> AsrResult:
    """What a call does: every 20 ms frame through the VAD gate, the turn ends on SpeechEnded."""
    node = script.node("ask")
    stream = asr.new_stream(expected_phrases(script, node), hotwords=hotwords_for(script, node))
    gate = VadGate()
    for frame in frames(line_audio):
        out, events = gate.push(frame)
        for f in out:
            stream.accept(f)
        if any(isinstance(e, SpeechEnded) and not e.too_short for e in events):
            break
    else:
        pytest.fail("the VAD never ended the turn")
    assert gate.forwarded < gate.seen  # the silence before the reply never reached the recogniser
    return stream.finish()


def _branch(script: Script, result: AsrResult) -> str | None:
    """The branch the dialog engine takes on this result, as a call would feed it (the prompt
    plays to its end, then the final speech event), checked against the matcher alone."""
    from runtime.dialog import actions as act
    from runtime.dialog import events as ev
    from runtime.dialog.engine import DialogEngine

    engine = DialogEngine(script, {})
    plays = [a for a in engine.start(0) if isinstance(a, act.Play)]
    engine.handle(ev.PromptFinished(3000, plays[-1].play_id))
    engine.handle(ev.Speech(4000, result.text, True, result.dialog_confidence))
    turns = [t for t in engine.record.turns if t.node == "ask" and t.customer is not None]
    taken = turns[-1].branch if turns else None
    m = Matcher(script).match(script.node("ask"), result.text, result.dialog_confidence)
    assert taken == (m.branch.id if m else None), (taken, m)
    return taken


def _line(pcm: bytes, law: str) -> bytes:
    enc, dec = (ulaw_encode, ulaw_decode) if law == "ulaw" else (alaw_encode, alaw_decode)
    return dec(enc(silence(1200) + pcm + silence(1500)))


@pytest.mark.parametrize("reply,law,branch", [
    ("好的，我已经充值了", "ulaw", "b_done"),
    ("不需要", "alaw", "b_deny"),
])
def test_chinese_reply_from_espeak_reaches_the_right_branch(whisper_dir: Path, reply: str, law: str, branch: str) -> None:
    script = _script("zh-CN", ["已经充值了", "还没有充值", "不需要", "晚点再打"])
    asr = WhisperProvider(whisper_dir, language=asr_language(script))
    pcm = EspeakProvider().render(reply).pcm
    result = _listen(asr, script, _line(pcm, law))
    assert _branch(script, result) == branch, result


def test_english_reply_from_piper_reaches_the_right_branch(whisper_dir: Path, piper) -> None:
    script = _script("en-US", [])
    asr = WhisperProvider(whisper_dir, language=asr_language(script))
    result = _listen(asr, script, _line(piper.render("yes I already paid").pcm, "ulaw"))
    assert _branch(script, result) == "b_done", result
