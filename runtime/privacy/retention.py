"""Retention housekeeping: personal data past its period is deleted or anonymised, per kind.

- call records (attempts) older than ``call_records_days``: deleted;
- transcripts (the engine record of a call) older than ``transcripts_days``: cleared;
- finished dial-queue rows older than ``customer_rows_days``: anonymised (number, name,
  customer id, variables removed; the row stays for the run's counts);
- files in ``<data_dir>/uploads`` older than ``uploads_days``: deleted.
Recordings keep their own period (``recordings.retention_days``, :mod:`runtime.recordings`).
Each run appends one audit entry with what it removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from huashu.core.config import Settings
from runtime.audit.context import Actor
from runtime.audit.log import record as audit_record
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.queue import OPEN_STATES

__all__ = ["apply_retention", "retention_loop"]
_log = logging.getLogger(__name__)


def apply_retention(engine: Engine, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    r = settings.retention
    a, j = T.attempts, T.jobs
    done: dict[str, int] = {}
    with engine.begin() as conn:
        if r.call_records_days is not None:
            cut = now - timedelta(days=r.call_records_days)
            done["call_records"] = conn.execute(delete(a).where(a.c.started_at < cut)).rowcount or 0
        if r.transcripts_days is not None:
            cut = now - timedelta(days=r.transcripts_days)
            done["transcripts"] = conn.execute(
                update(a).where(a.c.started_at < cut, a.c.record.is_not(None)).values(record=None)).rowcount or 0
        if r.customer_rows_days is not None:
            cut = now - timedelta(days=r.customer_rows_days)
            done["customer_rows"] = conn.execute(
                update(j).where(j.c.created_at < cut, j.c.state.not_in(OPEN_STATES),
                                (j.c.phone.is_not(None)) | (j.c.name.is_not(None)) | (j.c.phone_raw.is_not(None)))
                .values(phone=None, phone_raw=None, phone2=None, dial_phone=None, name=None, customer_id=None,
                        variables="{}", note=None, drop_message=None)).rowcount or 0
        done["uploads"] = _old_uploads(Path(settings.data_dir) / "uploads", r.uploads_days, now)
        if any(done.values()):
            audit_record(conn, "privacy.retention", "retention", now.date().isoformat(), after=done,
                         actor=Actor("system:retention"))
    return done


def _old_uploads(folder: Path, days: int | None, now: datetime) -> int:
    if days is None or not folder.is_dir():
        return 0
    cut = (now - timedelta(days=days)).timestamp()
    n = 0
    for f in folder.iterdir():
        if f.is_file() and f.stat().st_mtime < cut:
            f.unlink()
            n += 1
    return n


async def retention_loop(engine: Engine, settings: Settings, stop: asyncio.Event) -> None:
    """Run now and then every ``retention.every_s`` until ``stop`` (a runtime node's housekeeping)."""
    while not stop.is_set():
        try:
            done = await asyncio.to_thread(apply_retention, engine, settings)
            if any(done.values()):
                _log.info("retention: %s", done, extra={"hs_retention": done})
        except Exception as e:  # one failed run must not stop the node; the next one retries
            _log.warning("retention run failed: %s", e)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.retention.every_s)
