"""Talk to a script without a phone: the engine driven by typed replies in virtual time.

This is product code, not test code: ``huashu chat``, the web editor's "test talk" and the
replay cases of the script library all run through :class:`ChatSession`. A prompt lasts as
long as the voice would need to say it, the customer answers shortly after it ends,
``<silence>`` lets the silence timer fire, ``<dtmf:12#>`` presses keys, ``<hangup>`` hangs up,
and when the replies run out the customer hangs up.

``<barge:text>`` says ``text`` *over* the bot: one second into the question the bot asked
before the customer's turn (half-way through a shorter one); ``<barge@1500:text>`` says it
1,500 ms after the bot began talking for this turn, e.g. during a ``say`` node's introduction.
Because the bot's turns were already shown when the reply arrives, the session goes back to
the moment the bot began talking by replaying the call so far (the engine is deterministic),
and lets the customer speak at that moment instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from designer.model import Script
from runtime.dialog.actions import Action, HangupCall, Play, StartTimer, StopPlayback, Transfer
from runtime.dialog.engine import DialogEngine
from runtime.dialog.events import Dtmf, Event, Hangup, PromptFinished, Speech, Timer, TransferFailed
from runtime.dialog.record import CallRecord, Turn
from runtime.dialog.replies import Reply, ReplyError, parse_replies, parse_reply
from runtime.nlu.matcher import SemanticMatcher

__all__ = ["Reply", "ReplyError", "BotTurn", "ChatStep", "ChatSession", "parse_reply", "parse_replies",
           "run_script", "prompt_ms"]

REPLY_DELAY_MS = 600
KEY_GAP_MS = 250
_MAX_STEPS = 100_000
BARGE_INTO_MS = 1000  # how far into the question a <barge:...> reply starts talking


@lru_cache(maxsize=4096)
def prompt_ms(text: str, chinese: bool, rate: float | None = None) -> int:
    """How long a voice takes to say ``text``: characters (zh) or words (en) over a speaking rate."""
    if chinese:
        units = sum(1 for c in text if not c.isspace())
        per_s = rate or 4.5
    else:
        units = len(text.split())
        per_s = rate or 2.6
    return max(300, int(units / per_s * 1000))


@dataclass(frozen=True, slots=True)
class BotTurn:
    """What the bot did: ``kind`` is say | transfer | hangup."""

    node: str
    text: str
    kind: str = "say"


@dataclass(slots=True)
class ChatStep:
    reply: Reply
    bot: list[BotTurn] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)  # customer turns this reply produced (branch, why)
    finished: bool = False
    interrupted: BotTurn | None = None  # the bot turn a barge reply cut short (None: it stopped nothing)


class ChatSession:
    """One test call, a reply at a time. ``start()``, then ``say()`` until ``finished``."""

    def __init__(self, script: Script | Mapping[str, Any], variables: Mapping[str, Any] | None = None, *,
                 confidence: float = 0.9, reply_delay_ms: int = REPLY_DELAY_MS,
                 agents_available: bool = False, semantic: SemanticMatcher | None = None) -> None:
        self.script = script if isinstance(script, Script) else Script.from_dict(script)
        self.engine = DialogEngine(self.script, variables, semantic=semantic)
        self._variables = dict(variables or {})
        self._semantic = semantic
        self._history: list[Reply] = []  # replies delivered so far: a barge reply replays them
        self.confidence = confidence
        self.reply_delay_ms = reply_delay_ms
        self.agents_available = agents_available
        self._now = 0
        self._prompt: tuple[int, int] | None = None  # (play_id, ends at)
        self._prompt_turn: tuple[int, BotTurn] | None = None  # (started at, what is playing)
        self._interrupted: BotTurn | None = None
        self._timers: dict[str, tuple[int, int]] = {}  # kind -> (due, token)
        self._transfer_pending = False
        self._answered_seq = -1
        self._started = False
        self._out: list[BotTurn] = []
        self._rate = self.script.settings.speech_rate_cps
        self._chinese = self.script.is_chinese

    @property
    def finished(self) -> bool:
        return self.engine.finished

    @property
    def record(self) -> CallRecord:
        return self.engine.record

    @property
    def now_ms(self) -> int:
        return self._now

    def start(self) -> list[BotTurn]:
        """Answer the call; the bot's opening turns. Calling it again returns []."""
        if self._started:
            return []
        self._started = True
        self._out = []
        self._apply(self.engine.start(0))
        self._run()
        return self._out

    def say(self, reply: str | Reply) -> ChatStep:
        r = reply if isinstance(reply, Reply) else parse_reply(reply)
        step = ChatStep(r)
        if not self._started:
            step.bot = self.start()
        if self.finished:
            step.finished = True
            return step
        if r.kind == "barge":
            self._rewind()
        self._out = list(step.bot)
        self._interrupted = None
        before = len(self.engine.turns)
        self._deliver(r)
        self._history.append(r)
        self._run()
        step.bot = self._out
        step.turns = [t for t in self.engine.turns[before:] if t.customer is not None]
        step.finished = self.finished
        step.interrupted = self._interrupted
        return step

    def _deliver(self, r: Reply) -> None:
        """Send one reply; the bot's talking before it (if not yet run) happens first, after it does not."""
        if r.kind == "barge":
            self._barge(r)
            return
        self._run()
        self._answered_seq = self.engine.listen_seq
        if r.kind != "silence":
            self._advance_to(self._now + self.reply_delay_ms)
        if self.finished:
            return
        if r.kind == "speech":
            conf = self.confidence if r.confidence is None else r.confidence
            self._send(Speech(self._now, r.text, True, conf, r.branch_hint, r.note))
        elif r.kind == "hangup":
            self._send(Hangup(self._now, "customer"))
        elif r.kind == "dtmf":
            for i, d in enumerate(r.text):
                if self.finished:
                    break
                if i:
                    self._advance_to(self._now + KEY_GAP_MS)
                self._send(Dtmf(self._now, d))

    def _rewind(self) -> None:
        """Go back to the moment the bot began talking for this turn, by replaying the call so far."""
        fresh = ChatSession(self.script, self._variables, confidence=self.confidence,
                            reply_delay_ms=self.reply_delay_ms, agents_available=self.agents_available,
                            semantic=self._semantic)
        fresh._started = True
        fresh._apply(fresh.engine.start(0))
        for r in self._history:
            fresh._deliver(r)
        fresh._history = list(self._history)
        vars(self).update(vars(fresh))

    def _barge(self, r: Reply) -> None:
        """Speak over the bot: at ``r.at_ms`` into its talking, else one second into the question."""
        self._answered_seq = self.engine.listen_seq
        shown = len(self._out)  # bot turns played from here until the customer speaks were shown already
        if r.at_ms is not None:
            self._advance_to(self._now + r.at_ms)
        else:
            for _ in range(_MAX_STEPS):
                if self.finished:
                    return
                asking = self._asking()
                if asking is not None:
                    self._advance_to(asking)
                    break
                if self.engine.awaiting_input:  # nothing to talk over: an ordinary answer
                    self._advance_to(self._now + self.reply_delay_ms)
                    break
                nxt = self._next_internal()
                if nxt is None:
                    break
                self._fire(*nxt)
        del self._out[shown:]
        if not self.finished:
            self._send(Speech(self._now, r.text, True, self.confidence))

    def _asking(self) -> int | None:
        """When a barge reply talks over the prompt playing now, if it is a listening node's question."""
        if self._prompt is None or self._prompt_turn is None or self.engine.playing != self._prompt[0]:
            return None
        node = self.script.by_id.get(self.engine.current_node or "")
        if node is None or not node.listens:
            return None
        started, ends = self._prompt_turn[0], self._prompt[1]
        return started + min(BARGE_INTO_MS, (ends - started) // 2)

    def hangup(self) -> None:
        if not self.finished:
            self._advance_to(self._now + self.reply_delay_ms)
            self._send(Hangup(self._now, "customer"))

    # ---- virtual time ----------------------------------------------------------------------
    def _send(self, event: Event) -> None:
        self._apply(self.engine.handle(event))

    def _apply(self, actions: Sequence[Action]) -> None:
        for a in actions:
            if isinstance(a, Play):
                self._prompt = (a.play_id, self._now + prompt_ms(a.text, self._chinese, self._rate))
                turn = BotTurn(a.node_id, a.text)
                self._prompt_turn = (self._now, turn)
                self._out.append(turn)
            elif isinstance(a, StopPlayback):
                if self._prompt and self._prompt[0] == a.play_id:
                    self._prompt = None
                    if self._prompt_turn is not None:
                        self._interrupted = self._prompt_turn[1]
            elif isinstance(a, StartTimer):
                self._timers[a.kind] = (self._now + a.after_ms, a.token)
            elif isinstance(a, Transfer):
                self._out.append(BotTurn(self.engine.current_node or "", a.queue, "transfer"))
                self._transfer_pending = not self.agents_available
            elif isinstance(a, HangupCall):
                self._out.append(BotTurn(self.engine.current_node or "", a.reason, "hangup"))

    def _next_internal(self) -> tuple[int, Event] | None:
        """The earliest thing that happens without the customer."""
        best: tuple[int, Event] | None = None
        if self._transfer_pending:
            return (self._now, TransferFailed(self._now))
        if self._prompt is not None:
            best = (self._prompt[1], PromptFinished(self._prompt[1], self._prompt[0]))
        for kind, (due, token) in self._timers.items():
            if best is None or due < best[0]:
                best = (due, Timer(due, kind, token))
        return best

    def _fire(self, due: int, event: Event) -> None:
        self._now = max(self._now, due)
        if isinstance(event, PromptFinished):
            self._prompt = None
        elif isinstance(event, Timer):
            self._timers.pop(event.kind, None)
        elif isinstance(event, TransferFailed):
            self._transfer_pending = False
        self._send(event)

    def _advance_to(self, at: int) -> None:
        """Let everything due before ``at`` happen (a long prompt, max duration), then set the clock."""
        for _ in range(_MAX_STEPS):
            nxt = self._next_internal()
            if self.finished or nxt is None or nxt[0] > at:
                break
            self._fire(*nxt)
        self._now = max(self._now, at)

    def _run(self) -> None:
        """Run until the engine waits for a new answer or the call is over."""
        for _ in range(_MAX_STEPS):
            if self.finished:
                return
            if self.engine.awaiting_input and self.engine.listen_seq != self._answered_seq:
                return
            nxt = self._next_internal()
            if nxt is None:
                self._send(Hangup(self._now, "system", "stuck"))
                return
            self._fire(*nxt)
        raise RuntimeError("dialog did not settle")  # pragma: no cover - engine bounds every call


def run_script(script: Script | Mapping[str, Any], replies: Sequence[str | Reply],
               variables: Mapping[str, Any] | None = None, *, confidence: float = 0.9) -> CallRecord:
    """Run a whole test call; when the replies run out the customer hangs up."""
    session = ChatSession(script, variables, confidence=confidence)
    session.start()
    for r in replies:
        if session.finished:
            break
        session.say(r)
    session.hangup()
    return session.record
