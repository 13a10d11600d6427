"""Structured logs: one JSON object a line, with the call id (and campaign id) on every line
logged while a call is being handled, through a context variable set by the call session."""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["call_context", "current_call", "configure_logging", "JsonFormatter", "TextFormatter", "LOG_FORMATS", "logging_config"]

LOG_FORMATS = ("json", "text")

_call: ContextVar[dict[str, str] | None] = ContextVar("huashu_call", default=None)


@contextmanager
def call_context(call_id: str, **extra: str) -> Iterator[None]:
    """Every line logged inside the block (and in tasks and threads started from it, which copy
    the context) carries ``call_id`` and ``extra``; empty extras are left out."""
    token = _call.set({"call_id": call_id, **{k: v for k, v in extra.items() if v}})
    try:
        yield
    finally:
        _call.reset(token)


def current_call() -> dict[str, str]:
    """The call fields of the current context ({} outside a call)."""
    return dict(_call.get() or {})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the call fields, and ``hs_*`` extras
    (``log.info("...", extra={"hs_outcome": "busy"})`` adds ``"outcome": "busy"``)."""

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


class TextFormatter(logging.Formatter):
    """For a person at a terminal: the usual line, with the call id in brackets during a call."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ctx = _call.get()
        return f"{line} [{' '.join(f'{k}={v}' for k, v in ctx.items())}]" if ctx else line


def logging_config(level: str = "INFO", json_lines: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict: one stderr handler on the root logger, and the
    uvicorn loggers sent there too. A dict (not objects) so uvicorn can apply it again in
    the worker process it starts with ``--reload``."""
    formatter = JsonFormatter if json_lines else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hs": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "hs", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level.upper()}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """One handler on the root logger, to stderr; replaces any handler there before."""
    logging.config.dictConfig(logging_config(level, json_lines))
