"""Call results of a task as CSV or XLSX, one row per attempt, with the outcome label of the
paper's result screen (已接通 / 无应答 / ...) and the dropped numbers with their reasons."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.spreadsheet import csv_row, csv_writer, xlsx_row
from telephony.outcomes import OUTCOME_LABELS_ZH, Outcome

__all__ = ["call_rows", "export_calls", "HEADER"]

HEADER = ("attempt_id", "job_id", "row", "customer_id", "name", "phone", "leg", "outcome", "outcome_label", "cause",
          "intent", "opt_out", "started_at", "ended_at", "ring_ms", "talk_ms", "drop_reason", "drop_message")


def _label(outcome: str | None) -> str:
    try:
        return OUTCOME_LABELS_ZH[Outcome(outcome)] if outcome else ""
    except ValueError:
        return outcome or ""


def call_rows(engine: Engine, task_id: int) -> list[tuple[Any, ...]]:
    """Attempts (oldest first), then numbers that were never dialled with why."""
    a, j = T.attempts, T.jobs
    with engine.connect() as c:
        att = c.execute(
            select(a.c.id, a.c.job_id, j.c.row_no, j.c.customer_id, j.c.name, a.c.phone, a.c.leg, a.c.outcome, a.c.cause,
                   a.c.intent, a.c.opt_out, a.c.started_at, a.c.ended_at, a.c.ring_ms, a.c.talk_ms)
            .join(j, j.c.id == a.c.job_id).where(a.c.task_id == task_id).order_by(a.c.id)
        ).all()
        drops = c.execute(
            select(j.c.id, j.c.row_no, j.c.customer_id, j.c.name, j.c.phone, j.c.phone_raw, j.c.drop_reason, j.c.drop_message)
            .where(j.c.task_id == task_id, j.c.state == "dropped").order_by(j.c.id)
        ).all()
    out: list[tuple[Any, ...]] = []
    for r in att:
        out.append((r.id, r.job_id, r.row_no, r.customer_id, r.name, r.phone, r.leg, r.outcome or "", _label(r.outcome),
                    r.cause, r.intent, bool(r.opt_out), r.started_at.isoformat() if r.started_at else "",
                    r.ended_at.isoformat() if r.ended_at else "", r.ring_ms, r.talk_ms, "", ""))
    for d in drops:
        out.append(("", d.id, d.row_no, d.customer_id, d.name, d.phone or d.phone_raw, "", "", "", "", "", "", "", "",
                    "", "", d.drop_reason, d.drop_message))
    return out


def export_calls(engine: Engine, task_id: int, fmt: str = "csv") -> bytes:
    rows = call_rows(engine, task_id)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv_writer(buf)  # every text cell safe from formula evaluation (runtime.spreadsheet)
        w.writerow(HEADER)
        w.writerows(csv_row(r) for r in rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese CSV correctly
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("calls")
        ws.append(list(HEADER))
        for r in rows:
            ws.append(xlsx_row(ws, r))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; use csv or xlsx")
