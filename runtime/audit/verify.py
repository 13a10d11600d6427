"""Walking the chain: every entry's hash recomputed, every link and the head checked.

Streams the table in sequence order in pages, so a million entries take seconds and little memory.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from runtime.audit.chain import FIELDS
from runtime.audit.models import GENESIS, AuditEntry

__all__ = ["Problem", "Verdict", "verify"]

PAGE = 20_000
MAX_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class Problem:
    seq: int
    what: str


@dataclass(slots=True)
class Verdict:
    entries: int = 0
    last_seq: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "entries": self.entries, "last_seq": self.last_seq,
                "problems": [{"seq": p.seq, "what": p.what} for p in self.problems]}


def verify(engine: Engine) -> Verdict:
    t = AuditEntry.__table__  # type: ignore[attr-defined]
    v = Verdict()
    prev, expect_seq = GENESIS, 1
    cols = [t.c[f] for f in FIELDS] + [t.c.prev_hash, t.c.hash]
    dumps, sha = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode, hashlib.sha256
    with engine.connect() as conn:
        head_seq, head_hash = conn.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).one()
        after = 0
        while True:
            rows = conn.execute(select(*cols).where(t.c.seq > after).order_by(t.c.seq).limit(PAGE)).all()
            if not rows:
                break
            for r in rows:
                seq, linked, stored = r[0], r[9], r[10]
                if seq != expect_seq:
                    _add(v, seq, f"entries {expect_seq}..{seq - 1} are missing")
                if linked != prev:
                    _add(v, seq, "does not link to the entry before it (an entry was removed or replaced)")
                # the same bytes as chain.entry_hash: prev_hash, then the canonical list of FIELDS
                if sha(linked.encode("ascii") + dumps(list(r[:9])).encode()).hexdigest() != stored:
                    _add(v, seq, "its content does not match its hash (the entry was edited)")
                prev, expect_seq = stored, seq + 1
            v.entries += len(rows)
            v.last_seq = rows[-1][0]
            after = rows[-1][0]
    if head_seq != v.last_seq:
        _add(v, int(head_seq), f"the head says {head_seq} entries were written, the table ends at {v.last_seq}")
    elif head_hash != prev:
        _add(v, int(head_seq), "the last entry's hash does not match the head (the end was rewritten)")
    return v


def _add(v: Verdict, seq: int, what: str) -> None:
    if len(v.problems) < MAX_PROBLEMS:
        v.problems.append(Problem(int(seq), what))
