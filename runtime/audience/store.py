"""Saving and reusing what the audience area produces: model versions (joblib files + a row) and audiences.

:func:`audience_numbers` is the interface call tasks use: it yields the callable members
of an audience (never the hold-out control group) with the variables a script may speak.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np
from sqlalchemy import Table, delete, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from runtime.audience.control import control_mask, get_policy
from runtime.audience.frame import Frame
from runtime.audience.models import Audience, AudienceMember, AudienceModel
from runtime.audience.propensity import answer_curve
from runtime.audit.log import record as audit_record

__all__ = [
    "MEMBER_VARIABLES",
    "CONSENT_COLUMNS",
    "save_model",
    "load_model",
    "save_audience",
    "audience_numbers",
    "get_audience",
    "pick_members",
    "audience_targets",
    "reachable",
]

# Customer fields copied into each member's variables (what a script may say or branch on), and
# the customer data's consent columns (basis, date, source), which an audience-fed task screens
# by its business type like a mapped list (runtime.campaigns.audience_source).
MEMBER_VARIABLES: tuple[str, ...] = ("plan", "balance", "arpu", "status", "chronotype", "answer_base")
CONSENT_COLUMNS: tuple[str, ...] = ("consent", "consent_date", "consent_source")
_CHUNK = 10_000


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


class _Fitted(Protocol):
    kind: str
    target: str
    feature_names: list[str]
    metrics: dict[str, Any]
    split_seed: int


def save_model(session: Session, trained: _Fitted, name: str, directory: Path, parent_id: int | None = None) -> AudienceModel:
    """Store a fitted :class:`~runtime.audience.train.Trained` or uplift model as the next version."""
    directory.mkdir(parents=True, exist_ok=True)
    row = AudienceModel(
        name=name,
        kind=trained.kind,
        target=trained.target,
        path="",
        features=list(trained.feature_names),
        metrics=_jsonable(trained.metrics),
        split_seed=trained.split_seed,
        parent_id=parent_id,
    )
    session.add(row)
    session.flush()
    path = directory / f"model-{row.id}-{trained.kind}.joblib"
    joblib.dump(trained, path, compress=3)
    row.path = str(path)
    session.add(row)
    session.flush()
    return row


def load_model(session: Session, model_id: int) -> tuple[AudienceModel, Any]:
    """The row and the fitted object (a :class:`Trained` or an uplift model); KeyError if unknown."""
    row = session.get(AudienceModel, model_id)
    if row is None:
        raise KeyError(f"no model version {model_id}")
    if not Path(row.path).is_file():
        raise KeyError(f"model version {model_id}: file {row.path} is missing")
    return row, joblib.load(row.path)


def get_audience(session: Session, ref: str | int) -> Audience:
    """An audience by id or name; KeyError with the reason otherwise."""
    aud = None
    if isinstance(ref, int) or str(ref).isdigit():
        aud = session.get(Audience, int(ref))
    if aud is None:
        aud = session.exec(select(Audience).where(Audience.name == str(ref))).first()
    if aud is None:
        raise KeyError(f"no audience {ref!r}")
    return aud


def reachable(frame: Frame) -> np.ndarray:
    """Rows a call task can use: a known customer id and a phone number."""
    ids = np.asarray(frame["customer_id"])
    ok = ~np.isnan(ids) if ids.dtype.kind == "f" else ids.astype(np.int64) >= 0
    return np.asarray(ok & (frame["phone"] != "") & (frame["phone"] != None))  # noqa: E711


def pick_members(
    ids: np.ndarray, scores: np.ndarray, control: np.ndarray, top_n: int | None, threshold: float | None
) -> np.ndarray:
    """Positions of the chosen customers, best first.

    With ``top_n``, the ranking is walked until ``top_n`` callable customers are taken; the
    control customers met on the way stay in (flagged), so the control group has the same
    score profile as the treated one.
    """
    order = np.argsort(-scores, kind="mergesort")
    if threshold is not None:
        order = order[scores[order] >= threshold]
    if top_n is not None:
        callable_rank = np.cumsum(~control[order])
        order = order[: int(np.searchsorted(callable_rank, top_n) + 1)] if len(order) else order
        order = order[np.cumsum(~control[order]) <= top_n]
    return order


def save_audience(
    session: Session,
    name: str,
    frame: Frame,
    positions: np.ndarray,
    scores: np.ndarray | None,
    kind: str,
    source: str = "",
    model_id: int | None = None,
    rule: dict[str, Any] | None = None,
    top_n: int | None = None,
    threshold: float | None = None,
    refresh_cron: str | None = None,
) -> Audience:
    """Create or replace the audience ``name`` with the customers at ``positions`` of ``frame``."""
    policy = get_policy(session)
    assert policy is not None
    ids = np.asarray(frame["customer_id"], dtype=np.int64)[positions]
    held = control_mask(ids, policy.salt, policy.fraction)
    aud = session.exec(select(Audience).where(Audience.name == name)).first()
    before = None if aud is None else {"kind": aud.kind, "size": aud.size, "rule": aud.rule, "model_id": aud.model_id,
                                       "source": aud.source, "top_n": aud.top_n, "threshold": aud.threshold}
    if aud is None:
        aud = Audience(name=name, kind=kind)
    aud.kind, aud.model_id, aud.rule, aud.source = kind, model_id, rule, source
    aud.top_n, aud.threshold, aud.refresh_cron = top_n, threshold, refresh_cron
    aud.size, aud.held_out = int((~held).sum()), int(held.sum())
    aud.refreshed_at = datetime.now(UTC)
    session.add(aud)
    session.flush()
    assert aud.id is not None
    session.execute(delete(AudienceMember).where(AudienceMember.audience_id == aud.id))  # type: ignore[arg-type]
    phone = frame["phone"][positions]
    secondary = frame.get("secondary_phone", np.full(len(frame["phone"]), "", dtype=object))[positions]
    cols = {c: frame[c][positions] for c in (*MEMBER_VARIABLES, *CONSENT_COLUMNS) if c in frame}
    sc = scores[positions] if scores is not None else np.zeros(len(positions))
    table = AudienceMember.__table__  # type: ignore[attr-defined]
    for start in range(0, len(positions), _CHUNK):
        stop = start + _CHUNK
        rows = []
        for i in range(start, min(stop, len(positions))):
            variables = {c: _jsonable(v[i]) for c, v in cols.items()}
            variables = {k: (None if isinstance(v, float) and v != v else v) for k, v in variables.items()}
            rows.append(
                {
                    "audience_id": aud.id,
                    "customer_id": int(ids[i]),
                    "phone": str(phone[i]),
                    "secondary_phone": str(secondary[i] or ""),
                    "score": float(sc[i]),
                    "held_out": bool(held[i]),
                    "variables": variables,
                }
            )
        session.execute(insert(table), rows)
    session.flush()
    audit_record(session, "audience.save" if before is None else "audience.refresh", "audience", aud.id, before=before,
                 after={"name": name, "kind": kind, "size": aud.size, "held_out": aud.held_out, "rule": rule,
                        "model_id": model_id, "source": source, "top_n": top_n, "threshold": threshold})
    return aud


def audience_numbers(session: Session, audience_id: int) -> Iterator[tuple[int, str, str, dict[str, Any]]]:
    """``(customer_id, phone, secondary_phone, variables)`` of every callable member, best score first.

    Hold-out (control) members are never yielded. ``variables`` carries the customer fields in
    :data:`MEMBER_VARIABLES`, the model ``score`` and ``answer_by_half_hour`` (48 answer
    probabilities, local time) for the simulator and the best-time scheduler.
    """
    t = _members()
    stmt = (
        sa_select(t.c.customer_id, t.c.phone, t.c.secondary_phone, t.c.score, t.c.variables)
        .where(t.c.audience_id == audience_id, t.c.held_out.is_(False))
        .order_by(t.c.score.desc(), t.c.customer_id.asc())
        .execution_options(yield_per=5000)
    )
    for customer_id, phone, secondary, score, variables in session.execute(stmt):
        v = dict(variables)
        v["score"] = round(score, 5)
        if "chronotype" in v and v.get("answer_base") is not None:
            v["answer_by_half_hour"] = list(_curve(str(v["chronotype"]), float(v["answer_base"])))
        yield customer_id, phone, secondary, v


def _members() -> Table:
    table: Table = AudienceMember.__table__  # type: ignore[attr-defined]
    return table


@lru_cache(maxsize=8192)
def _curve(chronotype: str, answer_base: float) -> tuple[float, ...]:
    return tuple(answer_curve(chronotype, answer_base))


def audience_targets(session: Session, audience_id: int, campaign_id: int) -> Frame:
    """Every member with its arm (treated / control): the list a business-data extract must cover.

    The recharge and balance of held-out members are what the campaign's effect is measured
    against, so they belong in the business data as much as the called members.
    """
    rows = session.exec(
        select(AudienceMember.customer_id, AudienceMember.held_out).where(AudienceMember.audience_id == audience_id)
    ).all()
    return {
        "campaign_id": np.full(len(rows), campaign_id, dtype=np.int64),
        "customer_id": np.asarray([r[0] for r in rows], dtype=np.int64),
        "arm": np.asarray(["control" if r[1] else "treated" for r in rows], dtype=object),
    }
