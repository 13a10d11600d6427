"""Erasure of everything held about one number (PIPL art. 47, GDPR art. 17).

Deletes the dial-queue rows (with their variables and names), the call attempts (with their
transcripts) and their recording files, audience members, blacklist and opt-out rows, and the
lines of uploaded list files kept under the data directory; keeps only the number's keyed hash
on the suppression list so no later list can bring it back. Then every text column of every
table and the recordings folder are searched again: the report says what went and whether
anything is left. Audit entries name numbers by keyed hash only, so the trail stays intact.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import String, Text, delete, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from huashu.core.config import Settings, get_settings
from huashu.core.errors import UserError
from runtime.audit.log import record as audit_record
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.optout import OptOut
from runtime.campaigns.phones import normalize
from runtime.privacy.keyed import number_hash, number_ref
from runtime.privacy.suppression import Suppressed

__all__ = ["EraseError", "ErasureReport", "erase_number", "find_traces"]


class EraseError(UserError):
    """The value is not a phone number; the message says why."""


@dataclass
class ErasureReport:
    number_ref: str  # the keyed hash prefix: the report itself holds no number
    deleted: dict[str, int] = field(default_factory=dict)  # what -> how many
    files: list[str] = field(default_factory=list)  # recording / upload files removed or rewritten
    remaining: list[str] = field(default_factory=list)  # where the number is still found (should be empty)

    def as_dict(self) -> dict[str, Any]:
        return {"number_ref": self.number_ref, "deleted": self.deleted, "files": self.files,
                "remaining": self.remaining, "complete": not self.remaining}


def _forms(e164: str, region: str) -> list[str]:
    """The ways a number is written in stored rows: E.164, national, and with the leading zero."""
    from phonenumbers import format_number, parse
    from phonenumbers.phonenumberutil import PhoneNumberFormat

    n = parse(e164, None)
    national = format_number(n, PhoneNumberFormat.NATIONAL).replace(" ", "").replace("-", "")
    digits = "".join(ch for ch in national if ch.isdigit())
    return sorted({e164, e164.lstrip("+"), digits, digits.lstrip("0")} - {""}, key=len, reverse=True)


def erase_number(engine: Engine, phone: str, *, settings: Settings | None = None, region: str | None = None,
                 reason: str = "erasure_request") -> ErasureReport:
    st = settings or get_settings()
    chk = normalize(phone, region or st.phone_region)
    if chk.e164 is None:
        raise EraseError(chk.message or f"{phone!r} is not a phone number", key=chk.reason or "bad_format",
                         params={"phone": phone[:64]})
    e164 = chk.e164
    forms = _forms(e164, region or st.phone_region)
    rep = ErasureReport(number_ref(e164, st))
    a, j, b = T.attempts, T.jobs, T.blacklist
    o = OptOut.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        job_match = or_(j.c.phone == e164, j.c.phone2 == e164, j.c.dial_phone == e164, j.c.phone_raw.in_(forms))
        job_ids = list(conn.execute(select(j.c.id).where(job_match)).scalars())
        att_where = or_(a.c.phone == e164, a.c.job_id.in_(job_ids)) if job_ids else a.c.phone == e164
        recorded = conn.execute(select(a.c.id, a.c.recording).where(att_where)).all()
        recordings = [(attempt_id, r) for attempt_id, r in recorded if r]
        rep.deleted["call_attempts"] = conn.execute(delete(a).where(att_where)).rowcount or 0
        rep.deleted["dial_jobs"] = conn.execute(delete(j).where(j.c.id.in_(job_ids))).rowcount if job_ids else 0
        rep.deleted["blacklist"] = conn.execute(delete(b).where(b.c.phone == e164)).rowcount or 0
        rep.deleted["opt_outs"] = conn.execute(delete(o).where(o.c.phone == e164)).rowcount or 0
        rep.deleted["audience_members"] = _audience(conn, forms)
        rep.deleted["task_query_params"] = _scrub_query_params(conn, forms)
        s = Suppressed.__table__  # type: ignore[attr-defined]
        h = number_hash(e164, st)
        if conn.execute(select(s.c.number_hash).where(s.c.number_hash == h)).first() is None:
            conn.execute(s.insert().values(number_hash=h, at=utcnow(), reason=reason[:40]))
        audit_record(conn, "privacy.erase", "phone", rep.number_ref, after={"deleted": rep.deleted,
                                                                             "recordings": len(recordings)})
    rep.files += _delete_recordings(st, recordings)
    rep.files += _scrub_uploads(engine, st, forms)
    rep.remaining = find_traces(engine, forms, st)
    return rep


#: what an erased number becomes inside a task's query parameters (the task keeps its other ones)
ERASED = "[erased]"


def _scrub_query_params(conn: Any, forms: list[str]) -> int:
    """Tasks whose query parameters name the number (``{"phone": "13800000001"}`` typed into a
    source task): each such value becomes ``[erased]``; returns how many tasks changed."""
    import json

    t = T.tasks
    cond = or_(*[t.c.query_params.contains(x, autoescape=True) for x in forms])
    changed = 0
    for task_id, raw in conn.execute(select(t.c.id, t.c.query_params).where(cond)).all():
        try:
            params = json.loads(raw or "{}")
        except ValueError:
            params = None
        if isinstance(params, dict):
            scrubbed = {k: ERASED if any(x in str(v) for x in forms) else v for k, v in params.items()}
            new = json.dumps(scrubbed, ensure_ascii=False)
        else:  # not an object (never written by the product): drop it rather than keep the number
            new = "{}"
        conn.execute(t.update().where(t.c.id == task_id).values(query_params=new))
        changed += 1
    return changed


def _audience(conn: Any, forms: list[str]) -> int:
    try:
        from runtime.audience.models import AudienceMember
    except ModuleNotFoundError:  # pragma: no cover - the audience area is optional
        return 0
    m = AudienceMember.__table__  # type: ignore[attr-defined]
    return int(conn.execute(delete(m).where(or_(m.c.phone.in_(forms), m.c.secondary_phone.in_(forms)))).rowcount or 0)


def _recording_root(st: Settings) -> Path:
    from runtime.recordings import recordings_dir

    return recordings_dir(st).resolve()


def _delete_recordings(st: Settings, recorded: list[tuple[int, str]]) -> list[str]:
    """Each attempt's recording through the configured store, by attempt id (the local folder,
    or the S3 bucket with the spooled and fetched copies), whatever the row's location says;
    then a location from before the store layout (``call-recordings/...`` under the data
    folder), only inside the data or recordings folder."""
    from runtime.recordings import attempt_call_id, open_recording_reader

    store = open_recording_reader(st)
    gone: list[str] = []
    for attempt_id, _ in recorded:
        gone += store.delete(attempt_call_id(attempt_id))
    roots = (Path(st.data_dir).resolve(), _recording_root(st))
    for _, rel in recorded:
        p = Path(rel)
        p = (p if p.is_absolute() else roots[0] / p).resolve()
        if not any(p.is_relative_to(r) for r in roots):
            continue  # never delete outside our folders, whatever a row says
        for f in (p, *p.parent.glob(p.stem + ".*")):
            if f.is_file():
                f.unlink()
                gone.append(f.name)
    return gone


def _scrub_uploads(engine: Engine, st: Settings, forms: list[str]) -> list[str]:
    """Rewrite CSV list files kept under the data directory (file sources) without the number's rows."""
    root = Path(st.data_dir).resolve()
    with engine.connect() as conn:
        paths = [p for p in conn.execute(select(T.sources.c.path).where(T.sources.c.path.is_not(None))).scalars()]
    candidates = {Path(p).resolve() for p in paths} | set((root / "uploads").glob("*.csv"))
    done: list[str] = []
    for f in sorted(candidates):
        if not f.is_file() or not f.is_relative_to(root) or f.suffix.lower() not in (".csv", ".txt"):
            continue
        text = f.read_text(encoding="utf-8-sig", errors="replace")
        if not any(x in text for x in forms):
            continue
        rows = list(csv.reader(io.StringIO(text, newline="")))
        kept = [r for r in rows if not any(x in cell for cell in r for x in forms)]
        buf = io.StringIO()
        csv.writer(buf).writerows(kept)
        f.write_text(buf.getvalue(), encoding="utf-8")
        done.append(f.name)
    return done


def find_traces(engine: Engine, forms: list[str], settings: Settings | None = None) -> list[str]:
    """Every ``table.column`` (and recording file name) where one of ``forms`` still appears."""
    st = settings or get_settings()
    hits: list[str] = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [c for c in table.columns if isinstance(c.type, (String, Text))]
            for c in cols:
                cond = or_(*[c.contains(x, autoescape=True) for x in forms])
                if conn.execute(select(table).where(cond).limit(1)).first() is not None:
                    hits.append(f"{table.name}.{c.name}")
    root = _recording_root(st)
    if root.is_dir():
        hits += [f"recordings/{p.name}" for p in root.rglob("*") if p.is_file() and any(x in p.name for x in forms)]
    return hits
