"""The global compliance settings (frequency caps, dedupe window, accepted number format):
read and change them, with the checks an operator page or the CLI needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from huashu.core.errors import UserError
from runtime.audit.log import record as audit_record
from runtime.campaigns import tables as T
from runtime.campaigns.phones import FORMATS
from runtime.campaigns.queue import compliance_settings

__all__ = ["get_compliance", "set_compliance", "FIELDS"]

FIELDS = ("cap_day", "cap_week", "cap_month", "dedupe_days", "number_format")


def get_compliance(engine: Engine) -> dict[str, Any]:
    with engine.begin() as conn:
        d = compliance_settings(conn)
    return {k: d[k] for k in FIELDS}


def set_compliance(engine: Engine, **changes: Any) -> dict[str, Any]:
    """Change some fields; raises UserError naming the field when a value does not fit."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise UserError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    values = {k: v for k, v in changes.items() if v is not None}
    for k in ("cap_day", "cap_week", "cap_month", "dedupe_days"):
        if k in values and (not isinstance(values[k], int) or values[k] < 0):
            raise UserError(f"{k}: must be a whole number >= 0, got {values[k]!r}")
    if "number_format" in values and values["number_format"] not in FORMATS:
        raise UserError(f"number_format: must be one of {', '.join(FORMATS)}")
    merged = {**get_compliance(engine), **values}
    if not merged["cap_day"] <= merged["cap_week"] <= merged["cap_month"]:
        raise UserError(f"caps must grow with the period: day {merged['cap_day']} <= week {merged['cap_week']} "
                         f"<= month {merged['cap_month']}")
    if values:
        with engine.begin() as conn:
            before = {k: v for k, v in compliance_settings(conn).items() if k in values}
            conn.execute(update(T.compliance).where(T.compliance.c.id == 1).values(**values))
            audit_record(conn, "settings.compliance", "settings", "compliance", before=before, after=values)
    return merged
