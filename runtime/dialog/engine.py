"""The dialog engine: one call of one script as a pure state machine.

Events in (:mod:`runtime.dialog.events`), actions out (:mod:`runtime.dialog.actions`).
No sockets, clocks, threads, randomness or database here: time arrives inside events and
timers are actions, so silence, barge-in, retries and runaway limits are tested with
virtual time, and the same engine runs behind the phone, the chat CLI and the web editor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from designer.model import RETURN_TARGET, Branch, Node, Script
from runtime.dialog.actions import (
    Action,
    HangupCall,
    Play,
    SetTag,
    StartTimer,
    StopPlayback,
    Transfer,
)
from runtime.dialog.compiled import CompiledScript, compile_script
from runtime.dialog.events import (
    Answered,
    Dtmf,
    Event,
    Hangup,
    PromptFinished,
    Speech,
    Timer,
    TransferFailed,
)
from runtime.dialog.intents import map_intent
from runtime.dialog.record import CallRecord, Turn
from runtime.dialog.render import (
    InvalidVariableError,
    MissingVariableError,
    VariableError,
    check_variables,
    placeholders,
    render_text,
    with_defaults,
)
from runtime.nlu.matcher import Candidate, MatchResult, SemanticMatcher

__all__ = ["DialogEngine", "MissingVariableError", "InvalidVariableError", "VariableError"]

# states
_IDLE, _PLAYING, _LISTENING, _TRANSFERRING, _DONE = "idle", "playing", "listening", "transferring", "done"


class DialogEngine:
    """Runs one call. ``start()`` then ``handle(event)`` until ``finished``; read ``record``."""

    def __init__(self, script: Script, variables: Mapping[str, Any] | None = None, *,
                 semantic: SemanticMatcher | None = None) -> None:
        self._c: CompiledScript = compile_script(script, semantic)
        self.closed = self._c.closed  # the listening nodes' candidates for closed-set recognition
        self.script = script
        self.variables: dict[str, Any] = with_defaults(script, variables or {})
        self._spoken = check_variables(script, self.variables, self._c.used_variables)
        self._record = CallRecord(script_id=script.id)
        self.finished = False
        self._started = False
        self._start_ms = 0
        self._now = 0
        self._state = _IDLE
        self._node: Node | None = None
        self._return_to: str | None = None
        self._bot_text = ""
        self._play_id = 0
        self._playing: int | None = None
        self._tokens = {"silence": 0, "dtmf": 0, "max_duration": 0}
        self._silences = 0
        self._turns = 0
        self._entries = 0
        self._fired: dict[tuple[str, str], int] = {}
        self._dtmf = ""
        self._end_reason: str | None = None
        self._at_end_node = False
        self._last_answer = ""
        self._unanswered: Turn | None = None  # the question playing or waiting, until a turn answers it
        self.listen_seq = 0  # grows each time the engine starts waiting for an answer

    # ---- public view -----------------------------------------------------------------------
    @property
    def record(self) -> CallRecord:
        if not self.finished:
            self._record.duration_ms = self._now - self._start_ms
            self._record.intent = map_intent(self.script, self._record)
        return self._record

    @property
    def turns(self) -> list[Turn]:
        """The record's turns so far, without recomputing the intent (cheap to poll)."""
        return self._record.turns

    @property
    def current_node(self) -> str | None:
        return self._node.id if self._node is not None else None

    @property
    def awaiting_input(self) -> bool:
        """True while a listening node has finished its prompt and waits for the customer."""
        return self._state == _LISTENING and not self.finished

    @property
    def playing(self) -> int | None:
        """The play id of the prompt the engine is waiting on, or None."""
        return self._playing

    @property
    def collecting_dtmf(self) -> bool:
        """Keys have been pressed and the engine waits for more (a ``dtmf`` timer decides)."""
        return bool(self._dtmf) and self.awaiting_input

    @property
    def silence_clock_ms(self) -> int:
        """Silence timeout of the current listening node (0: no silence timer there)."""
        return self._c.silence_timeout_ms(self._node) if self._node is not None and self._node.listens else 0

    def personal_prompts(self) -> list[str]:
        """The text of every spoken prompt with a ``${variable}``, rendered with this call's values
        (once each, in script order): what must be synthesised for this customer. Static prompts
        are rendered when the version is approved; these can be rendered before dialling."""
        texts: dict[str, None] = {}
        for node in self.script.nodes:
            if node.prompt.mode != "recording" and placeholders(node.prompt.text):
                text = render_text(node.prompt.text, self._spoken)
                if text.strip():
                    texts[text] = None
        return list(texts)

    # ---- events ----------------------------------------------------------------------------
    def start(self, at_ms: int = 0) -> list[Action]:
        if self._started or self.finished:
            return []
        self._started = True
        self._start_ms = self._now = at_ms
        acts: list[Action] = [StartTimer("max_duration", self.script.settings.max_duration_s * 1000,
                                         self._bump("max_duration"))]
        acts += self._goto(self.script.start)
        return acts

    def handle(self, event: Event) -> list[Action]:
        if self.finished:
            return []
        if isinstance(event, Answered):
            return self.start(event.at_ms)
        if not self._started:
            if isinstance(event, Hangup):  # gone before the call was answered: nothing to say
                self._now = self._start_ms = event.at_ms
                return self._on_hangup(event)
            return []
        self._now = max(self._now, event.at_ms)
        if isinstance(event, Hangup):
            return self._on_hangup(event)
        if self._now - self._start_ms >= self.script.settings.max_duration_s * 1000:
            return self._end("max_duration")
        if isinstance(event, PromptFinished):
            return self._on_prompt_finished(event)
        if isinstance(event, Speech):
            return self._on_speech(event)
        if isinstance(event, Dtmf):
            return self._on_dtmf(event)
        if isinstance(event, Timer):
            return self._on_timer(event)
        if isinstance(event, TransferFailed):
            return self._on_transfer_failed()
        return []

    # ---- navigation ------------------------------------------------------------------------
    def _bump(self, kind: str) -> int:
        self._tokens[kind] += 1
        return self._tokens[kind]

    def _goto(self, target: str | None) -> list[Action]:
        """Enter ``target`` and run through say/condition nodes that need no event."""
        acts: list[Action] = []
        hops = 0
        limit = len(self.script.nodes) + 2
        while True:
            hops += 1
            if target == RETURN_TARGET:
                target = self._return_to
            node = self.script.by_id.get(target) if target is not None else None
            if node is None:
                return acts + self._end("dead_end")
            if hops > limit or self._entries > self.script.settings.max_turns * 4 + 50:
                return acts + self._end("max_turns")  # a loop that never waits for the customer
            self._enter(node, acts)
            if node.type == "condition":
                res = self._c.matcher.condition(node, self.variables, self._last_answer)
                target = self._resolve_first([Candidate(res.branch, res.scope)] if res else [])
                target = target if target is not None else node.default
                continue
            text = render_text(node.prompt.text, self._spoken) if node.prompt.mode != "recording" else ""
            self._bot_text = text
            has_prompt = bool(text.strip()) or bool(node.prompt.audio)
            if has_prompt:
                self._play_id += 1
                self._playing = self._play_id
                acts.append(Play(self._play_id, node.id, text, node.prompt.audio, self._c.barge_in(node)))
                # Every prompt is part of the transcript: a question becomes a turn when it is
                # answered (or, unanswered, when the call ends); anything else is a turn at once.
                heard = Turn(node.id, text, None, 0.0, None, "", self._now - self._start_ms,
                             "no_answer" if node.type == "say_listen" else "prompt")
                if node.type == "say_listen":
                    self._unanswered = heard
                else:
                    self._record.turns.append(heard)
            else:
                self._playing = None
            if node.type == "say_listen":
                self._dtmf = ""
                self._bump("silence")
                self._bump("dtmf")
                acts.append(self._c.listen(node))
                if has_prompt:
                    self._state = _PLAYING
                else:
                    acts += self._start_listening()
                return acts
            if node.type == "end":
                self._at_end_node = True
                self._record.outcome = node.outcome
                self._record.ended_by = self._end_reason or "end_node"
            if has_prompt:
                self._state = _PLAYING
                return acts
            if node.type == "say":  # nothing to say: move on in this loop, not by recursion
                target = node.next
                continue
            return acts + self._after_prompt(node)

    def _enter(self, node: Node, acts: list[Action]) -> None:
        self._node = node
        self._entries += 1
        self._record.path.append(node.id)
        self._record.path_times.append(self._now - self._start_ms)
        self._record.score += node.score
        self._tag(node.tags, acts)

    def _tag(self, tags: Iterable[str], acts: list[Action]) -> None:
        for t in tags:
            if self._record.add_tag(t):
                acts.append(SetTag(t))

    def _after_prompt(self, node: Node) -> list[Action]:
        """A prompt of ``node`` ended (or there was none): what the node does next."""
        if node.type == "say_listen":
            return self._start_listening()
        if node.type == "say":
            return self._goto(node.next)
        if node.type == "transfer":
            assert node.queue is not None
            self._record.transferred_to = node.queue
            self._state = _TRANSFERRING
            if node.next is None:
                self._record.ended_by = "transfer"
                self._finish()
            return [Transfer(node.queue)]
        if node.type == "end":
            return self._end(self._record.ended_by or "end_node")
        return self._goto(node.next)

    def _start_listening(self) -> list[Action]:
        self._state = _LISTENING
        self.listen_seq += 1
        return self._restart_silence()

    def _fire_key(self, branch: Branch, scope: str) -> tuple[str, str]:
        """Node branches count per node, global handlers per call."""
        return ("@global" if scope == "global" else self._node.id if self._node else "", branch.id)

    def _restart_silence(self) -> list[Action]:
        assert self._node is not None
        timeout = self._c.silence_timeout_ms(self._node)
        token = self._bump("silence")
        return [StartTimer("silence", timeout, token)] if timeout > 0 else []

    def _resolve(self, branch: Branch, scope: str) -> str | None:
        """Target of a branch that fired, honouring ``max_times``; None when spent and no ``else_goto``."""
        key = self._fire_key(branch, scope)
        count = self._fired.get(key, 0)
        if branch.max_times is not None and count >= branch.max_times:
            return branch.else_goto
        self._fired[key] = count + 1
        return branch.goto

    def _resolve_first(self, cands: Iterable[Candidate]) -> str | None:
        for c in cands:
            target = self._resolve(c.branch, c.scope)
            if target is not None:
                return target
        return None

    def _end(self, reason: str) -> list[Action]:
        if self.finished:
            return []
        if not self._at_end_node or self._record.ended_by is None:
            self._record.ended_by = reason
        self._finish()
        return [HangupCall(reason)]

    def _add_turn(self, turn: Turn) -> None:
        """A customer turn (speech, keys, silence): it answers the question that was playing."""
        self._unanswered = None
        self._record.turns.append(turn)

    def _finish(self) -> None:
        if self._unanswered is not None:  # the call ended on a question nobody answered
            t, self._unanswered = self._unanswered, None
            self._record.turns.append(Turn(t.node, t.bot, None, 0.0, None,
                                           f"no answer: the call ended ({self._record.ended_by})", t.at_ms,
                                           "no_answer"))
        self.finished = True
        self._state = _DONE
        self._playing = None
        self._record.duration_ms = self._now - self._start_ms
        self._record.intent = map_intent(self.script, self._record)

    # ---- handlers --------------------------------------------------------------------------
    def _on_hangup(self, event: Hangup) -> list[Action]:
        if self._state == _TRANSFERRING:
            self._record.ended_by = "transfer"
        elif not self._at_end_node:
            self._record.ended_by = "customer_hangup" if event.by == "customer" else f"{event.by}_hangup"
        self._finish()
        return []

    def _on_prompt_finished(self, event: PromptFinished) -> list[Action]:
        if event.play_id != self._playing or self._state != _PLAYING or self._node is None:
            return []
        self._playing = None
        return self._after_prompt(self._node)

    def _interrupt(self, allowed: bool) -> list[Action] | None:
        """Stop the prompt for customer input; None when the input must be ignored."""
        if self._state == _LISTENING:
            return []
        if self._state != _PLAYING or self._node is None or not self._node.listens:
            return None
        if not allowed:
            return None
        acts: list[Action] = [StopPlayback(self._playing)] if self._playing is not None else []
        self._playing = None
        self._state = _LISTENING
        self.listen_seq += 1
        return acts

    def _on_speech(self, event: Speech) -> list[Action]:
        node = self._node
        barge = node is not None and self._c.barge_in(node)
        if not event.text.strip():
            return []
        acts = self._interrupt(barge)
        if acts is None:
            return self._override_during_prompt(event)
        if not event.final:
            # The customer is talking: restart the silence clock, so a final result that never
            # comes (ASR lost the utterance) still ends in the silence path, not in a stuck call.
            return acts + self._restart_silence()
        self._bump("silence")
        return acts + self._answer(event.text, event.confidence, event.branch_hint, event.note)

    def _override_during_prompt(self, event: Speech) -> list[Action]:
        """Speech the prompt may not be interrupted for (a ``say`` node, barge-in off) is ignored —
        unless it matches an override handler: an opt-out or a complaint stops the prompt and is
        taken at once, so it is never lost behind a long introduction."""
        if not event.final or self._state != _PLAYING or self._node is None:
            return []
        res = self._c.matcher.override_match(event.text, event.confidence)
        if res is None:
            return []
        return self._take_override(res.branch, res.scope, "speech", event.text, event.confidence, res.why)

    def _override_key(self, event: Dtmf) -> list[Action]:
        """A key on a prompt that does not listen (a ``say`` node, a goodbye) counts only when an
        override handler is bound to it ("press 9 to opt out" must work during the introduction)."""
        if self._state != _PLAYING or self._node is None:
            return []
        c = self._c.matcher.override_dtmf(event.digit)
        if c is None:
            return []
        return self._take_override(c.branch, c.scope, "dtmf", f"<dtmf:{event.digit}>", 1.0,
                                   f"global handler {c.branch.id}: dtmf '{event.digit}'")

    def _take_override(self, branch: Branch, scope: str, kind: str, customer: str, confidence: float,
                       why: str) -> list[Action]:
        node = self._node
        assert node is not None
        if branch.goto == node.id:  # already where the handler leads (its own goodbye): don't loop
            return []
        target = self._resolve(branch, scope)
        if target is None:
            return []
        acts: list[Action] = [StopPlayback(self._playing)] if self._playing is not None else []
        self._playing = None
        if node.type == "end":  # leaving a goodbye for the handler's path: that path decides the ending
            self._at_end_node = False
            self._record.outcome = None
            self._record.ended_by = None
        return acts + self._take(node, branch, scope, target, kind, customer, confidence,
                                 f"{why}; heard during the prompt of {node.id}, which it stopped")

    def _answer(self, text: str, confidence: float, branch_hint: str | None = None, note: str = "") -> list[Action]:
        node = self._node
        assert node is not None
        self._last_answer = text
        if branch_hint is not None:  # closed-set recognition already chose among the node's phrases
            for c in self._c.matcher.order(node):
                if c.branch.id == branch_hint:
                    hinted = self._resolve(c.branch, c.scope)
                    if hinted is not None:
                        return self._take(node, c.branch, c.scope, hinted, "speech", text, confidence,
                                          self._c.matcher.explain(c, note or "closed-set choice"))
                    break
        notes: list[str] = []
        matches = self._c.matcher.matches(node, text, confidence, self.variables, notes=notes)
        found: tuple[MatchResult, str] | None = None
        for res in matches:
            target = self._resolve(res.branch, res.scope)
            if target is not None:
                found = (res, target)
                break
        if found is None:
            rejected = self._c.matcher.rejects(confidence)
            why = rejected or "no branch matched" + (f" ({'; '.join(notes)})" if notes else "")
            if note:
                why = f"{note}; {why}"

            return self._no_match(node, "speech", text, confidence, why)
        res, target = found
        return self._take(node, res.branch, res.scope, target, "speech", text, confidence, res.why)

    def _event_path(self, node: Node, event: str) -> tuple[Candidate, str] | None:
        """The first branch for ``event`` (node, then global) that may still fire, with its target."""
        for c in self._c.matcher.events(node, event):
            target = self._resolve(c.branch, c.scope)
            if target is not None:
                return c, target
        return None

    def _no_match(self, node: Node, kind: str, customer: str, confidence: float, why: str,
                  event: str = "no_match") -> list[Action]:
        found = self._event_path(node, event)
        if found is not None:
            c, target = found
            return self._take(node, c.branch, c.scope, target, kind, customer, confidence,
                              f"{why}; event {event} -> {c.branch.id}")
        if event != "no_match":
            return self._no_match(node, kind, customer, confidence, why)
        spent = self._c.matcher.events(node, "no_match")
        if spent:  # there is a no-match path, but its max_times is used up and it has no else_goto
            ids = ", ".join(c.branch.id for c in spent)
            return self._give_up(node, kind, customer, confidence, f"{why}; no_match path {ids} used up", "no_match")
        return self._take(node, None, "node", node.id, kind, customer, confidence,
                          f"{why}; no no_match path, repeating {node.id}")

    def _give_up(self, node: Node, kind: str, customer: str, confidence: float, why: str,
                 event: str) -> list[Action]:
        """The retries of ``node`` are used up: end through the script's polite ending for ``event``
        (see :meth:`CompiledScript.give_up`), or hang up when the script has none."""
        found = self._c.give_up(node, event)
        if found is not None:
            target, via = found
            return self._take(node, None, "node", target, kind, customer, confidence, f"{why}; ending via {via}")
        self._turns += 1
        if kind != "silence":
            self._record.customer_spoke = True
        self._add_turn(Turn(node.id, self._bot_text, customer, confidence, None,
                            f"{why}; no polite ending in the script, hanging up", self._now - self._start_ms, kind))
        return self._end("silence" if event == "silence" else "retries_exhausted")

    def _take(self, node: Node, branch: Branch | None, scope: str, target: str, kind: str, customer: str,
              confidence: float, why: str) -> list[Action]:
        """Record the turn and follow ``target``."""
        self._turns += 1
        if kind in ("speech", "dtmf", "dtmf_timeout"):
            self._record.customer_spoke = True
            self._silences = 0
            self._end_reason = None
        elif kind == "silence":
            self._end_reason = "silence"  # an end reached from here on was reached through silence
        self._add_turn(Turn(node.id, self._bot_text, customer, confidence,
                            branch.id if branch else None, why, self._now - self._start_ms, kind))
        if self._turns > self.script.settings.max_turns:
            return self._end("max_turns")
        acts: list[Action] = []
        if branch is not None:
            self._tag(branch.tags, acts)
            if scope == "global":
                self._return_to = node.id
            if branch.when.kind == "intent" and branch.when.value == "opt_out":
                self._end_reason = "opt_out"
        if target == RETURN_TARGET and self._return_to is None:
            self._return_to = node.id
        self._bump("silence")
        self._bump("dtmf")
        self._dtmf = ""
        return acts + self._goto(target)

    def _on_dtmf(self, event: Dtmf) -> list[Action]:
        acts = self._interrupt(True)  # a key press is never dropped, whatever the barge-in setting
        if acts is None:
            return self._override_key(event)
        if self._node is None:
            return []
        self._bump("silence")
        self._dtmf += event.digit
        exact, longer = self._c.matcher.dtmf(self._node, self._dtmf)
        if longer:
            return acts + [StartTimer("dtmf", self._c.dtmf_timeout_ms(self._node), self._bump("dtmf"))]
        return acts + self._dtmf_done(exact)

    def _dtmf_done(self, exact: Candidate | None, timed_out: bool = False) -> list[Action]:
        node = self._node
        assert node is not None
        digits, self._dtmf = self._dtmf, ""
        if exact is not None:
            target = self._resolve(exact.branch, exact.scope)
            if target is not None:
                return self._take(node, exact.branch, exact.scope, target, "dtmf", f"<dtmf:{digits}>", 1.0,
                                  f"{'global handler' if exact.scope == 'global' else 'branch'} "
                                  f"{exact.branch.id}: dtmf '{digits}'")
        if timed_out:
            return self._no_match(node, "dtmf_timeout", f"<dtmf:{digits}>", 1.0,
                                  f"no key after '{digits}'", event="dtmf_timeout")
        return self._no_match(node, "dtmf", f"<dtmf:{digits}>", 1.0, f"no branch for dtmf '{digits}'")

    def _on_timer(self, event: Timer) -> list[Action]:
        if self._tokens.get(event.kind) != event.token:
            return []  # stale: a newer timer of this kind replaced it
        if event.kind == "max_duration":
            return self._end("max_duration")
        if self._state != _LISTENING or self._node is None:
            return []
        if event.kind == "dtmf":
            if not self._dtmf:
                return []
            exact, _ = self._c.matcher.dtmf(self._node, self._dtmf)
            return self._dtmf_done(exact, timed_out=True)
        if event.kind == "silence":
            return self._on_silence()
        return []

    def _on_silence(self) -> list[Action]:
        """Each silence is a turn. Below the limit: the node's silence path, then (when that is used
        up) its no-match path. At the limit: the silence path's give-up target (``else_goto``), else
        the script's polite ending. A silence beyond the limit (the path at the limit asked another
        question) ends the call politely too — never with a bare hang-up when there is a goodbye."""
        node = self._node
        assert node is not None
        self._silences += 1
        limit = self.script.settings.max_consecutive_silences
        why = f"silence {self._silences}/{limit}"
        if self._silences > limit:
            return self._give_up(node, "silence", "", 0.0, f"{why}: over the limit", "silence")
        cands = self._c.matcher.events(node, "silence")
        if self._silences >= limit:
            for c in cands:
                # the last allowed silence: the branch's give-up path (else_goto), or its goto while
                # max_times allows; a spent branch without else_goto is passed over
                key = self._fire_key(c.branch, c.scope)
                count = self._fired.get(key, 0)
                if c.branch.else_goto:
                    target = c.branch.else_goto
                elif c.branch.max_times is None or count < c.branch.max_times:
                    target = c.branch.goto
                else:
                    continue
                self._fired[key] = count + 1
                return self._take(node, c.branch, c.scope, target, "silence", "", 0.0,
                                  f"{why}: the script's silence path {c.branch.id}")
            used = f"; silence path {', '.join(c.branch.id for c in cands)} used up" if cands else "; no silence path"
            return self._give_up(node, "silence", "", 0.0, why + used, "silence")
        found = self._event_path(node, "silence")
        if found is not None:
            c, nxt = found
            return self._take(node, c.branch, c.scope, nxt, "silence", "", 0.0, f"{why} -> {c.branch.id}")
        if not cands:
            return self._take(node, None, "node", node.id, "silence", "", 0.0, f"{why}; repeating {node.id}")
        why += f"; silence path {', '.join(c.branch.id for c in cands)} used up"
        found = self._event_path(node, "no_match")
        if found is not None:
            c, nxt = found
            return self._take(node, c.branch, c.scope, nxt, "silence", "", 0.0, f"{why}, no_match path {c.branch.id}")
        return self._give_up(node, "silence", "", 0.0, why, "silence")

    def _on_transfer_failed(self) -> list[Action]:
        if self._state != _TRANSFERRING or self._node is None:
            return []
        self._record.transferred_to = None
        if self._node.next is None:
            return self._end("transfer_failed")
        return self._goto(self._node.next)
