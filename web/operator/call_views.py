"""Call results (figure 5) and one call's detail (figure 6), read from the campaign tables.

Read-only SQL over ``CallAttempt`` joined with its ``DialJob`` (customer) and ``CallTask``
(name). The tabs count calls per outcome under the same filters, minus the outcome itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.dialog.record import NO_INTENT
from web.operator.filters import FilterError, Page, aware, day_end, parse_day, parse_int, parse_page

__all__ = [
    "CallFilter", "CallRow", "CallListing", "CallDetail", "Turn",
    "parse_call_filter", "call_listing", "call_detail", "iter_calls", "IN_CALL", "PAGE_SIZE",
]

PAGE_SIZE = 50
#: The tab of attempts still up (no outcome yet).
IN_CALL = "in_call"
_BATCH = 1000


@dataclass(frozen=True, slots=True)
class CallFilter:
    task_id: int | None = None
    outcome: str = ""
    phone: str = ""
    day_from: datetime | None = None
    day_to: datetime | None = None  # exclusive
    page: int = 1


def parse_call_filter(q: dict[str, str]) -> CallFilter:
    outcome = (q.get("outcome") or "").strip()
    if outcome and not outcome.replace("_", "").isalnum():
        raise FilterError(f"outcome: {outcome!r} is not an outcome code", key="not_outcome",
                          params={"field": "outcome", "value": repr(outcome)})
    return CallFilter(
        task_id=parse_int(q.get("task"), "task", minimum=1),
        outcome=outcome,
        phone=(q.get("phone") or "").strip(),
        day_from=parse_day(q.get("from"), "from"),
        day_to=day_end(parse_day(q.get("to"), "to")),
        page=parse_page(q.get("page")),
    )


@dataclass(frozen=True, slots=True)
class CallRow:
    id: int
    task_id: int
    task_name: str | None
    customer_id: str | None
    name: str | None
    phone: str
    leg: str
    outcome: str | None
    cause: str | None
    started_at: datetime | None
    ended_at: datetime | None
    ring_ms: int
    talk_ms: int
    intent: str | None
    opt_out: bool
    has_recording: bool


@dataclass
class CallListing:
    rows: list[CallRow]
    page: Page
    counts: dict[str, int]  # outcome (or IN_CALL) -> calls, under the other filters
    total_all: int


def _base(f: CallFilter, with_outcome: bool) -> Select[Any]:
    a, j, t = T.attempts, T.jobs, T.tasks
    q = (
        select(a.c.id, a.c.task_id, t.c.name.label("task_name"), j.c.customer_id, j.c.name, a.c.phone, a.c.leg,
               a.c.outcome, a.c.cause, a.c.started_at, a.c.ended_at, a.c.ring_ms, a.c.talk_ms, a.c.intent,
               a.c.opt_out, a.c.recording, a.c.state)
        .select_from(a.outerjoin(j, j.c.id == a.c.job_id).outerjoin(t, t.c.id == a.c.task_id))
    )
    return _where(q, f, with_outcome)


def _where(q: Select[Any], f: CallFilter, with_outcome: bool) -> Select[Any]:
    a = T.attempts
    if f.task_id is not None:
        q = q.where(a.c.task_id == f.task_id)
    if f.phone:
        q = q.where(a.c.phone.contains(f.phone.replace(" ", "")))
    if f.day_from is not None:
        q = q.where(a.c.started_at >= f.day_from)
    if f.day_to is not None:
        q = q.where(a.c.started_at < f.day_to)
    if with_outcome and f.outcome:
        q = q.where(a.c.state == "up") if f.outcome == IN_CALL else q.where(a.c.outcome == f.outcome, a.c.state != "up")
    return q


def _row(r: Any) -> CallRow:
    return CallRow(
        id=int(r.id), task_id=int(r.task_id), task_name=r.task_name, customer_id=r.customer_id, name=r.name,
        phone=r.phone, leg=r.leg, outcome=None if r.state == "up" else r.outcome, cause=r.cause,
        started_at=aware(r.started_at), ended_at=aware(r.ended_at), ring_ms=int(r.ring_ms or 0),
        talk_ms=int(r.talk_ms or 0), intent=r.intent, opt_out=bool(r.opt_out), has_recording=bool(r.recording),
    )


def _counts(engine: Engine, f: CallFilter) -> dict[str, int]:
    a = T.attempts
    key = func.coalesce(a.c.outcome, "unknown")
    q = _where(select(a.c.state, key, func.count()).select_from(a), f, with_outcome=False).group_by(a.c.state, key)
    out: dict[str, int] = {}
    with engine.connect() as conn:
        for state, outcome, n in conn.execute(q):
            k = IN_CALL if state == "up" else str(outcome)
            out[k] = out.get(k, 0) + int(n)
    return out


def call_listing(engine: Engine, f: CallFilter, page_size: int | None = None) -> CallListing:
    counts = _counts(engine, f)
    total = counts.get(f.outcome, 0) if f.outcome else sum(counts.values())
    page = Page(f.page, page_size or PAGE_SIZE, total)
    q = _base(f, with_outcome=True).order_by(T.attempts.c.id.desc()).limit(page.size).offset(page.offset)
    with engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(q)]
    return CallListing(rows, page, counts, sum(counts.values()))


def iter_calls(engine: Engine, f: CallFilter) -> Iterator[CallRow]:
    """Every matching call, oldest first, read in batches by id (exports; no page limit)."""
    after = 0
    while True:
        q = _base(f, with_outcome=True).where(T.attempts.c.id > after).order_by(T.attempts.c.id).limit(_BATCH)
        with engine.connect() as conn:
            batch = [_row(r) for r in conn.execute(q)]
        yield from batch
        if len(batch) < _BATCH:
            return
        after = batch[-1].id


@dataclass(frozen=True, slots=True)
class Turn:
    node: str
    bot: str
    customer: str
    kind: str
    branch: str | None
    why: str
    confidence: float
    at_ms: int


@dataclass
class CallDetail:
    call: CallRow
    recording: str | None
    path: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    score: float | None = None
    intent_label: str | None = None
    ended_by: str | None = None
    hangup_by: str | None = None
    record_error: str | None = None
    budgets: list[dict[str, Any]] = field(default_factory=list)  # per turn: endpoint/recognise/match/first audio ms


def _budgets(raw: Any) -> list[dict[str, Any]]:
    """The stored turn budgets, numbers only (the record is data from the database, not trusted)."""
    keys = ("endpoint_ms", "recognise_ms", "match_ms", "first_audio_ms", "total_ms")
    out = []
    for b in raw if isinstance(raw, list) else []:
        if isinstance(b, dict):
            out.append({k: (float(b[k]) if isinstance(b.get(k), int | float) else None) for k in keys}
                       | {"early": bool(b.get("early")), "speculative": bool(b.get("speculative"))})
    return out[:200]


def _turns(raw: Any) -> list[Turn]:
    out = []
    for t in raw or []:
        if not isinstance(t, dict):
            continue
        out.append(Turn(
            node=str(t.get("node", "")), bot=str(t.get("bot") or ""), customer=str(t.get("customer") or ""),
            kind=str(t.get("kind") or "speech"), branch=t.get("branch"), why=str(t.get("why") or ""),
            confidence=float(t.get("confidence") or 0.0), at_ms=int(t.get("at_ms") or 0),
        ))
    return out


def _fallback_intent(intent: dict[str, Any]) -> bool:
    """The runtime's own "no intent" (its label is fixed Chinese or English, not the script's words):
    the page says the category in the page's language instead of echoing that label."""
    return intent.get("category") == NO_INTENT.category and intent.get("label") in (NO_INTENT.label, "no intent")


def call_detail(engine: Engine, attempt_id: int) -> CallDetail | None:
    a = T.attempts
    with engine.connect() as conn:
        r = conn.execute(_base(CallFilter(), with_outcome=False).add_columns(a.c.record).where(a.c.id == attempt_id)).first()
    if r is None:
        return None
    d = CallDetail(_row(r), r.recording)
    if not r.record:
        return d
    try:
        doc = json.loads(r.record)
    except ValueError as e:
        d.record_error = f"the stored call record is not JSON: {e}"
        return d
    d.hangup_by = doc.get("hangup_by") if isinstance(doc, dict) else None
    d.budgets = _budgets(doc.get("turn_budgets")) if isinstance(doc, dict) else []
    rec = doc.get("record") if isinstance(doc, dict) else None
    if isinstance(rec, dict):
        d.path = [str(p) for p in rec.get("path") or []]
        d.turns = _turns(rec.get("turns"))
        d.tags = [str(x) for x in rec.get("tags") or []]
        d.score = rec.get("score")
        d.ended_by = rec.get("ended_by")
        intent = rec.get("intent")
        if isinstance(intent, dict) and not _fallback_intent(intent):
            d.intent_label = intent.get("label")
    return d
