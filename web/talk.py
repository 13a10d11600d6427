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

__all__ = ["TalkError", "replay", "MAX_REPLIES"]

MAX_REPLIES = 200


class TalkError(ValueError):
    """The draft cannot be talked to yet (broken structure) or a reply is malformed."""


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


def replay(doc: Mapping[str, Any], variables: Mapping[str, Any], replies: Sequence[Any]) -> dict[str, Any]:
    from runtime.dialog.harness import ChatSession

    errors = schema_errors(doc)
    if errors:
        raise TalkError(f"fix the script's structure first: {errors[0].path}: {errors[0].message}")
    if len(replies) > MAX_REPLIES:
        raise TalkError(f"too many replies ({len(replies)}; the limit is {MAX_REPLIES})")
    parsed = [_reply(r, i) for i, r in enumerate(replies)]
    try:
        session = ChatSession(Script.from_dict(doc), dict(variables))
        turns: list[dict[str, Any]] = [_bot(t) for t in session.start()]
        for r in parsed:
            if session.finished:
                break
            turns.append({"who": "customer", "text": str(r) if r.kind != "silence" else "", "node": None})
            step = session.say(r)
            if step.turns:  # what the reply matched, as the call page shows it (the last turn decided)
                turns[-1]["match"] = _match(doc, step.turns[-1])
            turns.extend(_bot(t) for t in step.bot)
    except (KeyError, ValueError, TypeError) as e:
        raise TalkError(f"the script cannot run yet: {e}") from None
    record = session.record
    return {
        "turns": turns,
        "path": list(record.path),
        "current": record.path[-1] if record.path else None,
        "finished": session.finished,
        "outcome": record.outcome or record.ended_by,
        "intent": f"{record.intent.label} ({record.intent.category})" if session.finished else None,
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


def _match(doc: Mapping[str, Any], turn: Any) -> dict[str, Any]:
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
        "why": turn.why,
        "kind": turn.kind,
    }


def _bot(turn: Any) -> dict[str, Any]:
    if turn.kind == "say":
        return {"who": "bot", "text": turn.text, "node": turn.node}
    # "kind" and "reason" (a code) let the page say it in its language; "text" is the English fallback
    label = {"transfer": "→ transfer", "hangup": "☎ hang up"}.get(turn.kind, turn.kind)
    return {"who": "bot", "text": f"{label}: {turn.text}", "node": turn.node, "kind": turn.kind, "reason": turn.text}
