"""The audience area's random hold-out control group, applied to every campaign's numbers.

Whatever the source (file, database, HTTP, audience), a customer whose id hashes into the
control group (:func:`runtime.audience.control.control_mask`) is dropped with reason
``control_group``, so the measured effect of calling stays a fair randomised comparison.
No persisted policy means no control group: nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import cast

import numpy as np
from sqlalchemy import Table, select
from sqlalchemy.engine import Connection

from runtime.campaigns.mapping import CustomerRow

__all__ = ["Policy", "read_policy", "mark_held_out"]

_BATCH = 20000


@dataclass(frozen=True, slots=True)
class Policy:
    salt: str
    fraction: float


def read_policy(conn: Connection) -> Policy | None:
    """The persisted policy, read without creating one (a campaign never invents a control group)."""
    from runtime.audience.models import ControlPolicy

    t = cast(Table, ControlPolicy.__table__)  # type: ignore[attr-defined]
    row = conn.execute(select(t.c.salt, t.c.fraction).order_by(t.c.id).limit(1)).first()
    if row is None or not row[1]:
        return None
    return Policy(str(row[0]), float(row[1]))


def _int_id(customer_id: str | None) -> int | None:
    """Control membership is defined on integer customer ids; other keys are never held out."""
    if customer_id is None:
        return None
    s = customer_id.strip()
    return int(s) if s.isdigit() and len(s) < 19 else None


def mark_held_out(rows: Iterable[CustomerRow], policy: Policy | None, held_out: set[str]) -> Iterator[CustomerRow]:
    """Pass rows through unchanged, adding each batch's control-group ids to ``held_out`` before
    yielding the batch: the screen downstream sees a row only after its membership is known,
    and the hash runs vectorised instead of once per row."""
    if policy is None:
        yield from rows
        return
    from runtime.audience.control import control_mask

    it = iter(rows)
    while batch := list(islice(it, _BATCH)):
        pairs = [(r.customer_id, i) for r in batch if r.customer_id is not None and (i := _int_id(r.customer_id)) is not None]
        if pairs:
            mask = control_mask(np.asarray([i for _, i in pairs], dtype=np.int64), policy.salt, policy.fraction)
            held_out.update(str(cid) for (cid, _), m in zip(pairs, mask, strict=True) if m)
        yield from batch
