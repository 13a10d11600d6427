"""One customer turn from audio, exactly as a call hears it: VAD gate -> recogniser -> closed set.

``huashu asr --script --node``, ``huashu chat --audio-replies`` and the evaluation bench run a
recorded reply through here, so what they report is what a call on that node would do: the
same VAD (webrtcvad + endpointer, 300 ms pre-roll), the same recogniser stream with the node's
expected phrases and script-derived hotwords, the same second pass
(:func:`runtime.nlu.closedset.decide`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from designer.model import Script
from huashu.core.errors import UserError
from runtime.dialog.compiled import compile_script
from runtime.nlu.closedset import Verdict, decide
from runtime.speech.asr_base import AsrProvider, AsrResult
from runtime.speech.forced import rescore
from telephony.media.endpointing import SpeechEnded
from telephony.media.vad import VadGate

__all__ = ["AudioTurn", "NodeNotListening", "hear_turn"]


class NodeNotListening(UserError):
    """The node does not exist or does not wait for an answer; says which nodes do."""


@dataclass(frozen=True, slots=True)
class AudioTurn:
    node: str
    result: AsrResult | None  # None: the VAD heard no speech at all (a silent turn)
    verdict: Verdict | None
    speech_ms: int  # audio the VAD passed to the recogniser
    recognise_ms: float  # end of speech -> recogniser result (CPU of the recogniser)
    match_ms: float  # the closed-set pass (and forced scoring when it ran)
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        v, r = self.verdict, self.result
        choice = v.choice if v is not None else None
        return {
            "node": self.node,
            "hypothesis": r.text if r is not None else "",
            "asr": r.to_dict() if r is not None else None,
            "branch": (v.branch_hint if v is not None else None),
            "phrase": choice.phrase if choice is not None and not choice.rejected else None,
            "confidence": round(v.confidence, 3) if v is not None else 0.0,
            "rejected": v is None or v.rejected,
            "reason": (v.note if v is not None else "no speech heard"),
            "closed_set": choice.to_dict() if choice is not None else None,
            "speech_ms": self.speech_ms,
            "recognise_ms": round(self.recognise_ms, 1),
            "match_ms": round(self.match_ms, 2),
        }


def listening_node(script: Script, node_id: str) -> Any:
    node = script.by_id.get(node_id)
    if node is None or not node.listens:
        ok = ", ".join(n.id for n in script.nodes if n.listens) or "none"
        what = "no node" if node is None else "a node that does not listen"
        raise NodeNotListening(f"{node_id!r} is {what}; listening nodes: {ok}")
    return node


def hear_turn(asr: AsrProvider, script: Script, node_id: str, pcm8k: bytes, forced: bool = False) -> AudioTurn:
    """Recognise one reply on ``node_id``. The first utterance the VAD ends is the turn (a call
    ends the turn there too); audio after it is ignored. Rejected words on a closed node get the
    beam's n-best (a recogniser that has them: Whisper); ``forced``: then forced scoring too
    (:mod:`runtime.speech.forced`; off by default, see there)."""
    from telephony.media.audio import frames

    node = listening_node(script, node_id)
    compiled = compile_script(script)
    lis = compiled.listen(node)
    gate = VadGate()
    stream: Any = None
    passed = 0
    ended = False
    for frame in frames(pcm8k):
        out, events = gate.push(frame)
        if out and stream is None:
            stream = asr.new_stream(lis.expected, grammar=lis.grammar, hotwords=lis.hotwords)
        for f in out:
            stream.accept(f)
            passed += 1
        if any(isinstance(e, SpeechEnded) and not e.too_short for e in events):
            ended = True
            break
    if stream is None or (not ended and not any(isinstance(e, SpeechEnded) and not e.too_short
                                                for e in gate.flush())):
        return AudioTurn(node.id, None, None, passed * 20, 0.0, 0.0)
    t0 = time.perf_counter()
    result: AsrResult = stream.finish()
    t1 = time.perf_counter()
    conf = result.dialog_confidence
    verdict = decide(compiled.closed, node.id, result.text, conf, result.rejected)
    verdict = rescore(compiled.closed, node.id, verdict, getattr(stream, "score", None) if forced else None,
                      getattr(stream, "alternatives", None))  # the beam's n-best always, forced scoring when asked
    t2 = time.perf_counter()
    return AudioTurn(node.id, result, verdict, passed * 20, (t1 - t0) * 1000, (t2 - t1) * 1000)
