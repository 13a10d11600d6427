"""Which follow-up rules a finished call fires, the text each renders, and queuing them exactly once.

A rule names any of: the call's intent (its label, e.g. ``已充值``, or its category, e.g.
``success``), the outcome (``no_answer``) and the job's attempt count at this call (2 = "the
second try"); every named condition must hold. The template takes the job's variables with the
script's ``${name}`` syntax (plus ``name`` and ``customer_id``). :func:`enqueue_in` runs inside
the transaction that stores the call's outcome: the message row and the outcome commit together,
and the unique (rule, attempt) key refuses a second row — whichever node, however many crashes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from huashu.core.errors import UserError
from runtime.campaigns.sms.models import SmsMessage, SmsRule
from runtime.campaigns.sms.segments import measure
from runtime.dialog.render import PLACEHOLDER

__all__ = ["CallFacts", "TemplateError", "matches", "render", "enqueue_in", "facts_of", "rules_t", "messages_t",
           "variables_of"]

rules_t: Table = SmsRule.__table__  # type: ignore[attr-defined]
messages_t: Table = SmsMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CallFacts:
    outcome: str
    intent_label: str | None
    intent_category: str | None
    attempts: int  # the job's attempts including this call


def facts_of(outcome: str, intent: str | None, record: Mapping[str, Any] | None, attempts: int) -> CallFacts:
    """Facts from a call report: ``intent`` is the category; the label sits in the engine record."""
    label = None
    rec = (record or {}).get("record") if isinstance(record, Mapping) else None
    if isinstance(rec, Mapping) and isinstance(rec.get("intent"), Mapping):
        label = rec["intent"].get("label")
        intent = intent or rec["intent"].get("category")
    return CallFacts(outcome, label, intent, attempts)


def matches(rule: Mapping[str, Any], f: CallFacts) -> bool:
    if not rule.get("enabled", True):
        return False
    if rule.get("outcome") and rule["outcome"] != f.outcome:
        return False
    if rule.get("intent") and rule["intent"] not in (f.intent_label, f.intent_category):
        return False
    return not (rule.get("attempts") is not None and int(rule["attempts"]) != f.attempts)


class TemplateError(UserError):
    pass


def render(template: str, variables: Mapping[str, Any]) -> str:
    """``${name}`` replaced by the value as text; TemplateError naming a variable without a value."""
    missing = [m.group(1) for m in PLACEHOLDER.finditer(template) if variables.get(m.group(1)) in (None, "")]
    if missing:
        raise TemplateError(f"no value for variable(s) {', '.join(sorted(set(missing)))}")
    return PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), template)


def _insert(conn: Connection) -> Any:
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert


def enqueue_in(conn: Connection, *, task_id: int, attempt_id: int, phone: str, facts: CallFacts,
               variables: Mapping[str, Any], now: datetime) -> int:
    """Queue every matching rule's message for this call in the caller's transaction. A template
    that cannot render is stored as a failed message with the reason (the operator sees it).
    Returns how many rows were new."""
    rules = [dict(r._mapping) for r in conn.execute(select(rules_t).where(rules_t.c.task_id == task_id,
                                                                          rules_t.c.enabled.is_(True)))]
    new = 0
    for rule in rules:
        if not matches(rule, facts):
            continue
        state, error = "queued", None
        try:
            text = render(rule["template"], variables)
        except TemplateError as e:
            text, state, error = rule["template"], "failed", f"template: {e}"
        stmt = _insert(conn)(messages_t).values(
            rule_id=rule["id"], attempt_id=attempt_id, task_id=task_id, phone=phone, text=text,
            segments=measure(text).segments, state=state, error=error, created_at=now,
            done_at=now if state == "failed" else None,
        ).on_conflict_do_nothing(index_elements=["rule_id", "attempt_id"])
        new += conn.execute(stmt).rowcount or 0
    return new


def variables_of(job_variables: str | Mapping[str, Any] | None, name: str | None, customer_id: str | None) -> dict[str, Any]:
    v = dict(json.loads(job_variables) if isinstance(job_variables, str) else (job_variables or {}))
    v.setdefault("name", name)
    v.setdefault("customer_id", customer_id)
    return v
