"""One error shape per API surface, for every 4xx/5xx: the handlers' own errors and Litestar's
(unknown path, wrong method, validation) alike.

- ``/api/...``: ``{"error": msg, "status": code, "detail": msg, "status_code": code}`` plus
  ``"extra"`` (the offending fields) for validation errors. ``error``/``status`` is what the rest
  of the app answers; ``detail``/``status_code``/``extra`` is Litestar's documented error schema
  (it is in the OpenAPI), so clients generated from either read it.
- ``/oauth/...``: RFC 6749 section 5.2, ``{"error": code, "error_description": msg}``, with
  ``Cache-Control: no-store``.

Routing errors never reach a router's handlers (Litestar answers them with the app's), so the
app's handler passes requests under these prefixes here (``handles``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, MethodNotAllowedException, ValidationException
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE

from huashu.core.errors import Conflict, HuashuError, NotFound
from web.bad_input import bad_input_message

__all__ = ["API_PREFIXES", "handles", "api_error_body", "oauth_error", "error_response"]

API_PREFIXES = ("/api/", "/oauth/")
_OAUTH_PREFIX = "/oauth/"
_log = logging.getLogger(__name__)
# msgspec's words for a path parameter that is not an int / is out of its bounds
_NOT_INT = re.compile(r"^Expected `int`, got `\w+`$")
_BOUND = re.compile(r"^Expected `int` (>=|<=) (-?\d+)$")


def handles(path: str) -> bool:
    """True for the paths whose errors take the API shapes (the app's handler asks)."""
    return path.startswith(API_PREFIXES) or path in ("/api", "/oauth")


def api_error_body(status: int, message: str, extra: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "status": status, "detail": message, "status_code": status}
    if extra:
        body["extra"] = extra
    return body


def oauth_error(code: str, description: str, status: int = 400, headers: dict[str, str] | None = None) -> Response[Any]:
    """An RFC 6749 error answer; 401 carries the Basic challenge the RFC asks for."""
    out = dict(headers or {})
    if status == 401:
        out["WWW-Authenticate"] = 'Basic realm="huashu"'
    out["Cache-Control"] = "no-store"
    return Response({"error": code, "error_description": description}, status_code=status, headers=out)


def _path_param_message(extra: Any) -> str | None:
    """``task id must be a number`` for ``/tasks/abc``: the first path parameter that failed,
    worded for a person (the path names the thing, so the message does too)."""
    if not isinstance(extra, list):
        return None
    for item in extra:
        if not isinstance(item, dict) or item.get("source") != "path":
            continue
        label = str(item.get("key", "id")).replace("_", " ")
        msg = str(item.get("message", ""))
        if _NOT_INT.match(msg):
            return f"{label} must be a number"
        if m := _BOUND.match(msg):
            return f"{label} must be {'at least' if m.group(1) == '>=' else 'at most'} {m.group(2)}"
        return f"{label}: {msg}"
    return None


def _huashu_status(exc: HuashuError) -> int:
    """What the caller must fix is 400, unless it names a missing thing (404) or a clash with
    the current state (409)."""
    if isinstance(exc, NotFound):
        return 404
    return 409 if isinstance(exc, Conflict) else 400


def _describe(request: Request[Any, Any, Any], exc: Exception) -> tuple[int, str, Any, dict[str, str]]:
    """(status, message, extra, headers) for any exception, Litestar's own included."""
    if (bad := bad_input_message(exc, request.scope.get("path_params"))) is not None:
        return 400, bad, None, {}
    if isinstance(exc, HuashuError):  # raised on purpose, its message written for the caller
        return _huashu_status(exc), exc.message, None, {}
    if not isinstance(exc, HTTPException):
        _log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return 500, "internal error", None, {}
    headers = dict(exc.headers or {})
    where = f"{request.method} {request.url.path}"
    routed = request.scope.get("route_handler") is not None
    if isinstance(exc, MethodNotAllowedException):
        allowed = headers.get("allow") or headers.get("Allow") or ""
        return exc.status_code, f"{where}: method not allowed (allowed: {allowed or 'none'})", None, headers
    if exc.status_code == 404 and not routed:
        return 404, f"{where}: no such endpoint", None, headers
    if exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        limit = request.app.request_max_body_size
        size = f" (the limit is {limit // (1024 * 1024)} MB)" if isinstance(limit, int) and limit else ""
        return exc.status_code, f"the request body is too large{size}", None, headers
    extra = exc.extra if isinstance(exc, ValidationException) else None
    message = (_path_param_message(extra) or _with_fields(str(exc.detail), extra)) if extra else str(exc.detail)
    return exc.status_code, message, extra, headers


def _with_fields(detail: str, extra: Any) -> str:
    """Litestar's "Validation failed for POST /x" plus which field and why, so the one-line
    ``error`` says where without the caller digging into ``extra``."""
    if not isinstance(extra, list):
        return detail
    parts = []
    for item in extra:
        if isinstance(item, dict) and item.get("message"):
            key, source = item.get("key"), getattr(item.get("source"), "value", item.get("source"))
            where = "body" if source == "body" and key == "data" else f"{key} ({source})" if key else str(source or "")
            parts.append(f"{where}: {item['message']}" if where else str(item["message"]))
    return f"{detail}: {'; '.join(parts)}" if parts else detail


def _oauth_code(status: int) -> str:
    if status == 401:
        return "invalid_client"
    return "server_error" if status >= 500 else "invalid_request"


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The exception handler for ``/api`` and ``/oauth``: the surface's one error shape."""
    status, message, extra, headers = _describe(request, exc)
    if request.url.path.startswith(_OAUTH_PREFIX) or request.url.path == "/oauth":
        return oauth_error(_oauth_code(status), message, status, headers)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="huashu"'
    return Response(api_error_body(status, message, extra), status_code=status, headers=headers or None)
