"""Rendering pages: every template gets the user, the translator, the language and the role checks.

Flash messages are Litestar's flash plugin (``litestar.plugins.flash``): :func:`flash` stores
one in the server-side session and ``base.html`` pops them with ``get_flashes()``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.plugins.flash import flash as _plugin_flash
from litestar.response import Template

from web.auth.guards import can, current_user
from web.auth.roles import Permission
from web.i18n import LANG_COOKIE, Translator, pick_language

__all__ = ["language_of", "translator", "page", "wants_html", "flash", "is_htmx"]


def language_of(request: Request[Any, Any, Any]) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(language_of(request))


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A browser navigation (not fetch/htmx asking for JSON): errors become pages or redirects."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """An htmx request (``HX-Request``), read through the htmx plugin's ``request.htmx``."""
    details = getattr(request, "htmx", None)
    return bool(details) if details is not None else bool(request.headers.get("hx-request"))


def flash(request: Request[Any, Any, Any], text: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (kept in the server-side session, not the URL).
    Paths without a session (static files, probes) have nowhere to keep one: nothing is stored."""
    if isinstance(request.scope.get("session"), dict):
        _plugin_flash(request, text, kind)


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    t = translator(request)
    user = current_user(request)
    context.update(
        t=t,
        lang=t.lang,
        user=user,
        can=lambda perm: can(request, Permission(perm)),
        path=request.url.path,
        areas=getattr(request.app.state, "areas", frozenset()),
        has_session=isinstance(request.scope.get("session"), dict),  # get_flashes() needs one (no static 404s)
    )
    return Template(template_name=template, context=context, status_code=status_code)
