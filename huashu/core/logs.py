"""Structured logs: one JSON object a line, with the call id (and campaign id) on every line
logged while a call is being handled, through a context variable set by the call session."""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

__all__ = ["call_context", "current_call", "configure_logging", "JsonFormatter", "TextFormatter", "LOG_FORMATS", "logging_config",
           "RedactSecrets", "redact", "protect_access_log"]

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


# A query-string (or form-encoded) parameter whose value is a credential: an OAuth client that
# sends ``client_secret`` in the URL, a link with ``access_token=...``. The name may be prefixed
# (``x_api_key``), the value ends at the next separator.
_SECRET_PARAM = re.compile(
    r"(?i)((?:^|[?&;\s\"'])[\w.\-]*(?:client_secret|access_token|refresh_token|id_token|password|passwd|token|secret|"
    r"api_key|apikey|signature)=)[^&;\s\"'#]*"
)
REDACTED = "[REDACTED]"


def redact(text: str) -> str:
    """``text`` with the value of every credential parameter replaced by ``[REDACTED]``."""
    return _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, text) if "=" in text else text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments so no credential parameter reaches a log.

    uvicorn's access line passes the request path with its query string as an argument, and
    httpx passes a URL object: arguments are redacted as the text they print as, not only the
    format string. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return True


def _redact_arg(value: Any) -> Any:
    """A log argument as it was, unless the text it prints as holds a credential parameter."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else str(value)
    clean = redact(text)
    return value if clean == text else clean


def protect_access_log() -> None:
    """Put :class:`RedactSecrets` on uvicorn's access logger itself, once: it then holds for any
    handler, including uvicorn's own default configuration (``uvicorn web.asgi:app``)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())


def logging_config(level: str = "INFO", json_lines: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict: one stderr handler on the root logger, and the
    uvicorn loggers sent there too; the handler redacts credentials in query strings. A dict (not objects) so uvicorn can apply it again in
    the worker process it starts with ``--reload``."""
    formatter = JsonFormatter if json_lines else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hs": {"()": f"{formatter.__module__}.{formatter.__qualname__}"}},
        "filters": {"redact": {"()": f"{RedactSecrets.__module__}.{RedactSecrets.__qualname__}"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "hs", "stream": "ext://sys.stderr",
                                "filters": ["redact"]}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level.upper()}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """One handler on the root logger, to stderr; replaces any handler there before."""
    logging.config.dictConfig(logging_config(level, json_lines))
