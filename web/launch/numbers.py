"""The wizard's list preview: read the numbers, map them, screen them — and write nothing.

The screen is the loader's own (:func:`runtime.campaigns.compliance.screen` over the context
:func:`runtime.campaigns.queue.build_context` reads: blacklists, opt-outs, dedupe window,
frequency caps, consent, the hold-out group), run inside a read-only connection on a task that
is not stored. So the counts the last page shows are what the first run will queue and drop,
give or take what changes in the database meanwhile.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.campaigns.clock import utcnow
from runtime.campaigns.compliance import Verdict, screen
from runtime.campaigns.holdout import mark_held_out, read_policy
from runtime.campaigns.mapping import ColumnMapping, CustomerRow, MappingError, SourceRow
from runtime.campaigns.models import CallTask, DataSource
from runtime.campaigns.queue import build_context
from runtime.campaigns.secrets import DecryptError, SecretBox
from runtime.campaigns.sources import SourceError, fetch_rows, spec_from_record
from runtime.campaigns.sqlguard import UnsafeQuery
from runtime.campaigns.tasks import TaskSpec
from runtime.campaigns.uploads import RowError, UploadError, read_upload
from runtime.privacy.masking import mask_name, mask_phone
from web.launch.wizard import Problem

__all__ = ["ListRead", "Screened", "PreviewRow", "read_rows", "screen_rows", "mapped", "FIRST_ROWS", "PREVIEW_LIMIT"]

#: rows shown as they will be called
FIRST_ROWS = 5
#: a database or HTTP source is screened on its first rows only (a file is screened whole)
PREVIEW_LIMIT = 50_000


@dataclass
class ListRead:
    """What a list gave: its columns, its rows, its bad lines; or why it cannot be read at all."""

    columns: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    bad_rows: list[RowError] = field(default_factory=list)
    problem: Problem | None = None
    limited: bool = False  # only the first PREVIEW_LIMIT rows were read


@dataclass(frozen=True, slots=True)
class PreviewRow:
    row_no: int
    phone: str
    name: str
    variables: dict[str, str]
    state: str  # queued | deferred | dropped
    reason: str | None


@dataclass
class Screened:
    total: int = 0
    queued: int = 0
    deferred: int = 0  # queued for later: outside the calling window now
    dropped: Counter[str] = field(default_factory=Counter)
    first: list[PreviewRow] = field(default_factory=list)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    @property
    def to_call(self) -> int:
        return self.queued + self.deferred


def _first_columns(rows: list[SourceRow]) -> list[str]:
    return [str(c) for c in rows[0].values] if rows else []


def read_rows(engine: Engine, kind: str, *, upload: str | None = None, source_id: int | None = None,
              query: str | None = None, params: dict[str, Any] | None = None) -> ListRead:
    """The rows of an uploaded file or a data source; a problem instead of an exception."""
    out = ListRead()
    try:
        if kind == "upload":
            if upload is None:
                return ListRead(problem=("launch.err.no_file", {}))
            out.rows = list(read_upload(Path(upload), out.bad_rows))
        elif kind == "source":
            with Session(engine) as s:
                rec = s.get(DataSource, source_id) if source_id is not None else None
            if rec is None:
                return ListRead(problem=("launch.err.no_source", {}))
            spec = spec_from_record(rec, SecretBox())
            out.rows = list(fetch_rows(spec, query or None, params or {}, out.bad_rows, limit=PREVIEW_LIMIT + 1,
                                       timeout=15))
            out.limited = len(out.rows) > PREVIEW_LIMIT
            out.rows = out.rows[:PREVIEW_LIMIT]
        else:
            return out
    except (UploadError, SourceError, UnsafeQuery, DecryptError, ValueError, OSError) as e:
        key = "launch.err.not_a_list" if kind == "upload" else "launch.err.source_failed"
        return ListRead(problem=(key, {"detail": _short(e)}), bad_rows=out.bad_rows)
    out.columns = _first_columns(out.rows)
    if not out.rows:
        out.problem = ("launch.err.no_rows", {"bad": len(out.bad_rows)})
    return out


def _short(e: BaseException) -> str:
    """The library's message, first line only (it names the file's line or the column)."""
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def _transient_task(spec: TaskSpec) -> CallTask:
    """The task as it would be stored, never added to a session: id 0 has no task blacklist."""
    now = utcnow()
    cols = {k: getattr(spec, k) for k in CallTask.model_fields if hasattr(spec, k)}
    cols["query_params"] = json.dumps(spec.query_params, ensure_ascii=False)
    cols["mapping"] = json.dumps(spec.mapping, ensure_ascii=False)
    return CallTask(**cols, id=0, status="draft", created_at=now, updated_at=now)


def _verdict_state(v: Verdict) -> str:
    if v.state != "queued":
        return "dropped"
    return "deferred" if v.not_before is not None else "queued"


def screen_rows(engine: Engine, spec: TaskSpec, rows: Iterable[CustomerRow], bad_rows: int = 0,
                region: str = "CN", unmasked: bool = False) -> Screened:
    """Screen ``rows`` as the first run of ``spec`` would, in a transaction that is rolled back.

    ``unmasked``: the reader may see numbers and names (``personal.view``); others see them masked."""
    out = Screened(total=bad_rows)
    if bad_rows:
        out.dropped["bad_row"] = bad_rows
    task = _transient_task(spec)
    with engine.connect() as conn:
        ctx = build_context(conn, task, region)
        marked = mark_held_out(rows, read_policy(conn), ctx.held_out)
        for v in screen(marked, ctx):
            out.total += 1
            state = _verdict_state(v)
            if state == "dropped":
                out.dropped[v.reason or "bad_format"] += 1
            elif state == "deferred":
                out.deferred += 1
            else:
                out.queued += 1
            if len(out.first) < FIRST_ROWS:
                out.first.append(_shown(v, state, unmasked))
        conn.rollback()
    return out


def _shown(v: Verdict, state: str, unmasked: bool) -> PreviewRow:
    r = v.row
    phone = str(v.phone or v.phone_raw or r.phone or "")
    name = str(r.name or "")
    variables = {k: "" if val is None else str(val)[:60] for k, val in r.variables.items() if not k.startswith("_")}
    if not unmasked:
        phone, name = str(mask_phone(phone) or ""), str(mask_name(name) or "")
        if "name" in variables:
            variables["name"] = str(mask_name(variables["name"]) or "")
    return PreviewRow(r.row_no, phone, name, variables, state, v.reason)


def mapped(rows: list[SourceRow], mapping: dict[str, Any]) -> tuple[list[CustomerRow], Problem | None]:
    """The rows through the column mapping; a problem when the mapping does not fit them."""
    try:
        return list(ColumnMapping.from_dict(mapping).apply(rows)), None
    except MappingError as e:
        return [], ("launch.err.mapping", {"detail": _short(e)})
