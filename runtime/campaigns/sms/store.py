"""SMS rules and messages: the service the CLI, the API and the pages share; the provider from settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine

from huashu.core.errors import UserError
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.models import SMS_STATES
from runtime.campaigns.sms.providers import HttpProvider, KannelProvider, SmsProvider
from runtime.campaigns.sms.rules import messages_t as M
from runtime.campaigns.sms.rules import rules_t as R
from runtime.campaigns.sms.segments import MAX_SEGMENTS, Length, measure
from runtime.dialog.render import PLACEHOLDER
from telephony.outcomes import Outcome

__all__ = ["RuleError", "RuleIn", "add_rule", "list_rules", "remove_rule", "messages", "summary", "build_provider",
           "MAX_TEMPLATE", "template_length"]

MAX_TEMPLATE = 500
_MAX_LABEL = 64


def template_length(template: str) -> Length:
    """The fixed text's length (variables left out: their values differ per call); what the page's counter shows."""
    return measure(PLACEHOLDER.sub("", template))


class RuleError(UserError):
    """A rule field that is not acceptable; the message names it."""


class RuleIn:
    """The fields of a rule as the CLI, API and form give them (one definition, checked once)."""

    def __init__(self, name: str, template: str, intent: str | None = None, outcome: str | None = None,
                 attempts: int | None = None) -> None:
        self.name, self.template, self.intent, self.outcome, self.attempts = name, template, intent, outcome, attempts

    def check(self) -> dict[str, Any]:
        name = (self.name or "").strip()
        if not name or len(name) > _MAX_LABEL:
            raise RuleError(f"name: 1..{_MAX_LABEL} characters", key="name", params={"max": _MAX_LABEL})
        tpl = self.template or ""
        if not tpl.strip():
            raise RuleError("template: must not be empty", key="template_empty")
        if len(tpl) > MAX_TEMPLATE:
            raise RuleError(f"template: at most {MAX_TEMPLATE} characters, got {len(tpl)}", key="template_long",
                            params={"max": MAX_TEMPLATE, "n": len(tpl)})
        n = template_length(tpl).segments
        if n > MAX_SEGMENTS:
            raise RuleError(f"template: {n} segments before variables; at most {MAX_SEGMENTS}", key="segments",
                            params={"n": n, "max": MAX_SEGMENTS})
        intent = (self.intent or "").strip() or None
        if intent is not None and len(intent) > _MAX_LABEL:
            raise RuleError(f"intent: at most {_MAX_LABEL} characters", key="intent", params={"max": _MAX_LABEL})
        outcome = (self.outcome or "").strip() or None
        if outcome is not None and outcome not in {o.value for o in Outcome}:
            raise RuleError(f"outcome: {outcome[:30]!r} is not one of {', '.join(o.value for o in Outcome)}",
                            key="outcome", params={"value": repr(outcome[:30])})
        if self.attempts is not None and (isinstance(self.attempts, bool) or not isinstance(self.attempts, int)
                                          or not 1 <= self.attempts <= 21):
            raise RuleError("attempts: a whole number 1..21 (the job's attempt count at that call)", key="attempts")
        if intent is None and outcome is None and self.attempts is None:
            raise RuleError("a rule needs at least one condition: intent, outcome or attempts", key="no_condition")
        return {"name": name, "template": tpl, "intent": intent, "outcome": outcome, "attempts": self.attempts}


def add_rule(engine: Engine, task_id: int, rule: RuleIn) -> dict[str, Any]:
    values = rule.check()
    with engine.begin() as conn:
        if conn.execute(select(T.tasks.c.id).where(T.tasks.c.id == task_id, T.tasks.c.status != "deleted")).first() is None:
            raise RuleError(f"no task with id {task_id}", key="no_task", params={"id": task_id})
        pk = conn.execute(insert(R).values(task_id=task_id, enabled=True, created_at=utcnow(), **values)).inserted_primary_key
        assert pk is not None
        return {"id": int(pk[0]), "task_id": task_id, **values, "length": template_length(values["template"]).as_dict()}


def list_rules(engine: Engine, task_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(R).where(R.c.task_id == task_id).order_by(R.c.id))]
    return [r | {"length": template_length(r["template"]).as_dict()} for r in rows]


def remove_rule(engine: Engine, task_id: int, rule_id: int) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(delete(R).where(R.c.id == rule_id, R.c.task_id == task_id)).rowcount)


def messages(engine: Engine, *, task_id: int | None = None, attempt_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    q = select(M, R.c.name.label("rule")).select_from(M.outerjoin(R, R.c.id == M.c.rule_id)).order_by(M.c.id.desc())
    if task_id is not None:
        q = q.where(M.c.task_id == task_id)
    if attempt_id is not None:
        q = q.where(M.c.attempt_id == attempt_id)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(q.limit(max(1, min(limit, 5000))))]


def summary(engine: Engine, task_id: int) -> dict[str, int]:
    """Messages by state for a task (every state present, zeros included)."""
    with engine.connect() as conn:
        got: dict[str, int] = {str(k): int(v) for k, v in conn.execute(
            select(M.c.state, func.count()).where(M.c.task_id == task_id).group_by(M.c.state)).all()}
    return {s: int(got.get(s, 0)) for s in SMS_STATES}


def build_provider(settings: Any, secret: str, dlr_url: str | None) -> SmsProvider | None:
    """The configured gateway, or None (``provider = none``: messages wait in the outbox)."""
    s = settings.sms
    if s.provider == "kannel":
        return KannelProvider(s.kannel_url, s.kannel_username, s.kannel_password, s.sender, dlr_url, secret)
    if s.provider == "http":
        return HttpProvider(s.http_url, s.http_token, dlr_url, secret)
    if s.provider != "none":
        raise RuleError(f"sms.provider: {s.provider[:20]!r} is not none, kannel or http")
    return None


