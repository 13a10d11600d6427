"""The frequency-cap settings form: validate the posted values, then store the one settings row.

Reading goes through ``runtime.campaigns.queue.compliance_settings`` (it creates the row with
defaults); the campaigns code has no writer, so the validated UPDATE of that row lives here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.campaigns.phones import FORMATS
from runtime.campaigns.queue import compliance_settings

__all__ = ["CapsError", "FIELDS", "parse_caps", "read_caps", "save_caps"]

FIELDS: tuple[str, ...] = ("cap_day", "cap_week", "cap_month", "dedupe_days")
_MAX = 10_000


class CapsError(ValueError):
    """A posted value that cannot be stored; names the field. ``key`` and ``params`` name the
    page's sentence (``op.set.err.<key>``; ``label`` is the field's label key)."""

    def __init__(self, message: str, *, key: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.params: dict[str, Any] = dict(params or {})


def parse_caps(form: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FIELDS:
        raw = (form.get(name) or "").strip()
        try:
            n = int(raw)
        except ValueError:
            raise CapsError(f"{name}: {raw!r} is not a whole number", key="not_whole",
                            params={"label": f"op.set.{name}", "value": repr(raw)}) from None
        if not 0 <= n <= _MAX:
            raise CapsError(f"{name}: {n} is outside 0..{_MAX}", key="range",
                            params={"label": f"op.set.{name}", "value": n, "max": _MAX})
        out[name] = n
    if not out["cap_day"] <= out["cap_week"] <= out["cap_month"]:
        raise CapsError(
            f"caps: per day ({out['cap_day']}) <= per 7 days ({out['cap_week']}) <= per 30 days ({out['cap_month']}) must hold",
            key="order", params={"day": out["cap_day"], "week": out["cap_week"], "month": out["cap_month"]})
    fmt = (form.get("number_format") or "").strip()
    if fmt not in FORMATS:
        raise CapsError(f"number_format: {fmt!r} is not one of {', '.join(FORMATS)}", key="format",
                        params={"value": repr(fmt), "formats": ", ".join(FORMATS)})
    out["number_format"] = fmt
    return out


def read_caps(engine: Engine) -> dict[str, Any]:
    with engine.begin() as conn:
        return compliance_settings(conn)


def save_caps(engine: Engine, values: dict[str, Any]) -> dict[str, Any]:
    with engine.begin() as conn:
        compliance_settings(conn)  # make sure the row exists
        conn.execute(update(T.compliance).where(T.compliance.c.id == 1).values(**values))
        return compliance_settings(conn)
