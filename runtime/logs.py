"""Structured logs: one JSON object a line, with the call id (and campaign id) on every line
logged while a call is being handled, through a context variable set by the call session."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["call_context", "configure_logging", "JsonFormatter"]

_call: ContextVar[dict[str, str] | None] = ContextVar("huashu_call", default=None)


@contextmanager
def call_context(call_id: str, **extra: str) -> Iterator[None]:
    token = _call.set({"call_id": call_id, **extra})
    try:
        yield
    finally:
        _call.reset(token)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        ctx = _call.get()
        if ctx:
            out.update(ctx)
        for key, value in getattr(record, "__dict__", {}).items():
            if key.startswith("hs_"):
                out[key[3:]] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
