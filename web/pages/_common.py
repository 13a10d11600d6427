"""Shared bits of the page handlers: the refused-upload message and its exception handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.response import Redirect

__all__ = ["too_large_handler", "too_large_flash", "too_large_text", "megabytes"]


def megabytes(n: int) -> str:
    """52428800 -> "50.0 MB"."""
    return f"{n / (1024 * 1024):.1f} MB"


def too_large_text(request: Request[Any, Any, Any], size: int | None, limit: int) -> str:
    """"The file is too large to upload: it is 50.0 MB, the limit is 12 MB ..." in the user's language."""
    from web.render import translator

    return translator(request)("upload.too_large", limit=f"{limit // (1024 * 1024)} MB",
                               size=megabytes(size) if size else "?")


def too_large_handler(back: str, limit: int | None = None) -> Callable[[Request[Any, Any, Any], Exception], Response[Any]]:
    """An exception handler for 413 on a form upload: the browser goes back to ``back`` (the form's
    page) with ``?too_large=<bytes sent>``, and that page shows the limit and the size as a flash
    (see :func:`too_large_flash`), instead of a bare error page. Requests that ask for JSON
    (``fetch``, htmx) get ``{"error", "status": 413}``.

    Why a query parameter and not a flash: the limit is hit while the CSRF middleware reads the
    form for its token, outside the session middleware, so a flash set here would be lost.
    ``limit`` defaults to the app's request body limit (``web.app.MAX_UPLOAD_BYTES``)."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        from web.app import MAX_UPLOAD_BYTES
        from web.render import is_htmx, wants_html

        sent = request.headers.get("content-length", "")
        size = int(sent) if sent.isdigit() else 0
        if wants_html(request) and not is_htmx(request):
            return Redirect(path=f"{back}?too_large={size}")
        text = too_large_text(request, size, limit or MAX_UPLOAD_BYTES)
        return Response({"error": text, "status": 413}, status_code=413)

    return handle


def too_large_flash(request: Request[Any, Any, Any], too_large: int | None, limit: int | None = None) -> None:
    """On the page a refused upload came back to: the flash that says why (see :func:`too_large_handler`)."""
    if too_large is None:
        return
    from web.app import MAX_UPLOAD_BYTES
    from web.render import flash

    flash(request, too_large_text(request, too_large, limit or MAX_UPLOAD_BYTES), "error")
