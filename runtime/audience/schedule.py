"""Rule audiences regenerated on their cron: when one is due, and the refresh itself, claimed once.

Several runtime nodes call :func:`refresh_due` every scheduling round. A refresh is claimed
like a campaign trigger: ``UPDATE audience SET refreshed_at = now WHERE id = :id AND
refreshed_at = <the value read>`` in the same transaction that rewrites the members, so
exactly one node regenerates each due audience, and a crash mid-way leaves it due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import numpy as np
from croniter import croniter
from sqlalchemy import Table, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.audience.models import Audience

__all__ = ["is_due", "next_refresh", "Refreshed", "refresh_due", "regenerate"]

_log = logging.getLogger(__name__)


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def next_refresh(cron: str, last: datetime) -> datetime:
    nxt: datetime = croniter(cron, last).get_next(datetime)
    return nxt


def is_due(cron: str | None, last: datetime, now: datetime) -> bool:
    """True when a refresh time passed since ``last``; audiences without a cron are never due.
    A naive ``last`` (SQLite hands timestamps back without zone) is taken as UTC."""
    if not cron:
        return False
    return next_refresh(cron, _utc(last)) <= _utc(now)


@dataclass(frozen=True, slots=True)
class Refreshed:
    audience_id: int
    name: str
    size: int  # callable members
    held_out: int
    error: str | None = None  # the refresh failed; the audience keeps its members until the next due time


def regenerate(session: Session, aud: Audience, now: datetime) -> Audience:
    """Re-run a rule audience's rule over its customer file and replace its members."""
    from runtime.audience.frame import read_frame
    from runtime.audience.rules import rule_mask
    from runtime.audience.store import reachable, save_audience

    if aud.rule is None:
        raise ValueError(f"audience {aud.name!r} has no rule")
    frame = read_frame(Path(aud.source))
    mask = rule_mask(dict(aud.rule), frame, np.datetime64(_utc(now).replace(tzinfo=None), "s"))
    pos = np.flatnonzero(mask & reachable(frame))
    return save_audience(session, aud.name, frame, pos, None, "rule", aud.source, rule=dict(aud.rule),
                         refresh_cron=aud.refresh_cron)


def _claim(session: Session, aud_id: int, seen: datetime, now: datetime) -> bool:
    t = cast(Table, Audience.__table__)  # type: ignore[attr-defined]
    res = session.connection().execute(
        update(t).where(t.c.id == aud_id, t.c.refreshed_at == seen).values(refreshed_at=now)
    )
    return res.rowcount == 1


def refresh_due(engine: Engine, now: datetime | None = None) -> list[Refreshed]:
    """Regenerate every rule audience whose cron is due and that this call wins."""
    now = _utc(now or datetime.now(UTC))
    t = cast(Table, Audience.__table__)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.refresh_cron, t.c.refreshed_at).where(t.c.kind == "rule", t.c.refresh_cron.is_not(None))
        ).all()
    out: list[Refreshed] = []
    for aud_id, cron, seen in rows:
        if not is_due(cron, seen, now):
            continue
        with Session(engine, expire_on_commit=False) as s:
            if not _claim(s, aud_id, seen, now):
                continue  # another node has it (or just did it)
            aud = s.get(Audience, aud_id)
            assert aud is not None
            name = aud.name
            try:
                aud = regenerate(s, aud, now)
                aud.refreshed_at = now  # the schedule's clock, so the next due time follows the cron
                s.add(aud)
                s.commit()
                out.append(Refreshed(aud_id, aud.name, aud.size, aud.held_out))
                continue
            except Exception as e:  # a missing file or a broken rule: record the try, keep the members
                s.rollback()
                error = f"{type(e).__name__}: {e}"
        _log.warning("audience %s: scheduled refresh failed: %s", aud_id, error)
        with Session(engine) as s:
            if _claim(s, aud_id, seen, now):  # not retried every round: next try at the next due time
                s.commit()
        out.append(Refreshed(aud_id, name, 0, 0, error))
    return out
