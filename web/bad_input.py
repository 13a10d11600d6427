"""Errors that are the client's input, not the server's fault, wherever in a handler they surface.

An id beyond the database's integer (``/operator/calls/99999999999999999999999``) parses as a
Python int and fails only when the driver binds it (SQLite ``OverflowError``, PostgreSQL and
MariaDB ``DataError``); a JSON body nested thousands deep fails in the decoder with
``RecursionError``. Both used to be 500s. The app's root exception handler (and the API's)
asks :func:`bad_input_message` and answers 400 with the message, so no route needs its own
check and a new route is covered the day it is added.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_400_BAD_REQUEST
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.exc import DataError, StatementError

__all__ = ["bad_input_message", "IdRangeMiddleware", "MAX_DB_INT"]

#: the largest id any supported database stores (a signed 64-bit integer)
MAX_DB_INT = 2**63 - 1


def _out_of_range(exc: BaseException) -> bool:
    return isinstance(exc, (DataError, OverflowError)) or (
        isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError))


def _too_big_path_ids(path_params: dict[str, Any]) -> list[str]:
    return [f"{name.replace('_', ' ')} {value}" for name, value in path_params.items()
            if isinstance(value, int) and not isinstance(value, bool) and not -MAX_DB_INT <= value <= MAX_DB_INT]


def bad_input_message(exc: BaseException, path_params: dict[str, Any] | None = None) -> str | None:
    """The 400 message for an exception caused by the request's input; None for anything else."""
    if isinstance(exc, RecursionError):
        return "the request body is nested too deeply to read"
    if _out_of_range(exc):
        too_big = _too_big_path_ids(path_params or {})
        if too_big:
            return f"{', '.join(too_big)}: out of range (ids are at most {MAX_DB_INT})"
        return "a number in the request is out of range for the database"
    return None


class IdRangeMiddleware(ASGIMiddleware):
    """400 for an ``{id:int}`` path parameter no database can hold, before any handler runs.

    A handler that never binds the id (an in-memory job, a page that finds nothing first) would
    otherwise answer 404 for one and 400 for another; routing has parsed the path parameters by
    the time a middleware runs, so one check here covers every route."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        too_big = _too_big_path_ids(scope.get("path_params") or {})
        if too_big:
            raise HTTPException(f"{', '.join(too_big)}: out of range (ids are at most {MAX_DB_INT})",
                                status_code=HTTP_400_BAD_REQUEST)
        await next_app(scope, receive, send)
