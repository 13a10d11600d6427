"""Test talk for the editor: replay the typed replies through the dialog harness (``huashu chat``'s engine).

Stateless on purpose: the browser sends the draft and every reply so far, and the call is
replayed from the start in virtual time (milliseconds of CPU). No session object lives on the
server, so an edit between two replies is simply part of the next replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from designer.model import Script
from designer.schema import schema_errors
from web.i18n import Translator

__all__ = ["TalkError", "replay", "MAX_REPLIES"]

MAX_REPLIES = 200


class TalkError(ValueError):
    """The draft cannot be talked to yet (broken structure, a variable without a value) or a reply
    is malformed. ``str(e)`` is English; ``key`` and ``params`` name the page's sentence
    (``talk.<key>``, said with ``web.i18n.errors.say_error``)."""

    def __init__(self, message: str, *, key: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.params: dict[str, Any] = dict(params or {})


def _reply(item: Any, index: int) -> Any:
    from runtime.dialog.harness import Reply, ReplyError, parse_reply

    if isinstance(item, Mapping) and item.get("silence"):
        return Reply("silence")
    text = item.get("text") if isinstance(item, Mapping) else item
    if not isinstance(text, str):
        raise TalkError(f"reply {index + 1}: expected text or {{\"silence\": true}}")
    if not text.strip():
        return Reply("silence")
    try:
        return parse_reply(text, f"reply {index + 1}")
    except ReplyError as e:
        raise TalkError(str(e)) from None


def replay(doc: Mapping[str, Any], variables: Mapping[str, Any], replies: Sequence[Any],
           t: Translator | None = None) -> dict[str, Any]:
    """``t``: the page's language for the words of codes (end reason, intent category); English by default."""
    from runtime.dialog.harness import ChatSession
    from runtime.dialog.render import MissingVariableError

    t = t or Translator("en")
    errors = schema_errors(doc)
    if errors:
        raise TalkError(f"fix the script's structure first: {errors[0].path}: {errors[0].message}", key="structure",
                        params={"path": errors[0].path, "message": errors[0].message})
    if len(replies) > MAX_REPLIES:
        raise TalkError(f"too many replies ({len(replies)}; the limit is {MAX_REPLIES})", key="too_many",
                        params={"n": len(replies), "limit": MAX_REPLIES})
    parsed = [_reply(r, i) for i, r in enumerate(replies)]
    try:
        session = ChatSession(Script.from_dict(doc), dict(variables))
        turns: list[dict[str, Any]] = [_bot(b, t) for b in session.start()]
        for r in parsed:
            if session.finished:
                break
            turns.append({"who": "customer", "text": str(r) if r.kind != "silence" else "", "node": None})
            step = session.say(r)
            if step.turns:  # what the reply matched, as the call page shows it (the last turn decided)
                turns[-1]["match"] = _match(doc, step.turns[-1], t)
            turns.extend(_bot(b, t) for b in step.bot)
    except MissingVariableError as e:
        raise TalkError(f"the script cannot run yet: {e}", key="missing_variables",
                        params={"names": ", ".join(e.names)}) from None
    except (KeyError, ValueError, TypeError) as e:
        raise TalkError(f"the script cannot run yet: {e}", key="cannot_run", params={"reason": str(e)}) from None
    record = session.record
    return {
        "turns": turns,
        "path": list(record.path),
        "current": record.path[-1] if record.path else None,
        "finished": session.finished,
        # words for the panel; ``outcome_code`` keeps the script's outcome or the engine's end reason
        "outcome": t.code("op.ended_by", record.outcome or record.ended_by) if (record.outcome or record.ended_by) else None,
        "outcome_code": record.outcome or record.ended_by,
        "intent": _intent(record.intent, t) if session.finished else None,
        "tags": list(record.tags),
    }


def _branch(doc: Mapping[str, Any], node: str, branch: str) -> Mapping[str, Any] | None:
    """The branch ``branch`` of ``node``, or of the global handlers (a handler fires on any node)."""
    places = [n.get("branches") for n in doc.get("nodes") or [] if isinstance(n, Mapping) and n.get("id") == node]
    places.append(doc.get("global_handlers"))
    for items in places:
        for b in items if isinstance(items, list) else []:
            if isinstance(b, Mapping) and b.get("id") == branch:
                return b
    return None


def _match(doc: Mapping[str, Any], turn: Any, t: Translator) -> dict[str, Any]:
    """The branch a customer turn took, its condition, the target, the confidence and the matcher's why."""
    b = _branch(doc, turn.node, turn.branch) if turn.branch else None
    when = b.get("when") if b is not None else None
    return {
        "node": turn.node,
        "branch": turn.branch,
        "label": b.get("label") if b is not None else None,
        "when": dict(when) if isinstance(when, Mapping) else None,
        "goto": b.get("goto") if b is not None else None,
        "global": b is not None and b in (doc.get("global_handlers") or []),
        "confidence": round(float(turn.confidence), 3),
        "why": t.why(turn.why),  # in the page's language; the call record keeps the engine's English
        "kind": turn.kind,
    }


def _intent(intent: Any, t: Translator) -> str:
    """The script's label and the category in words; the runtime's own "no intent" label is said
    by its category only (its fixed Chinese or English label would not follow the page)."""
    category = t.code("ed.cat", intent.category)
    if intent.rule_index is None:
        return category
    return f"{intent.label} ({category})"


def _bot(turn: Any, t: Translator) -> dict[str, Any]:
    if turn.kind == "say":
        return {"who": "bot", "text": turn.text, "node": turn.node}
    # "kind" and "reason" (the engine's code) stay beside the text said in the page's language
    said = {"who": "bot", "node": turn.node, "kind": turn.kind, "reason": turn.text}
    if turn.kind == "hangup":  # the text is the engine's end reason (end_node, silence, dead_end...)
        return {**said, "text": f"☎ {t('talk.hangup')}: {t.code('op.ended_by', turn.text)}"}
    if turn.kind == "transfer":  # the text is the queue the designer named
        return {**said, "text": f"→ {t('talk.transfer')}: {turn.text}"}
    return {**said, "text": f"{turn.kind}: {turn.text}"}
