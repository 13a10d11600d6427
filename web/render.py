"""Rendering pages: every template gets the user, the translator, the language and the role checks."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from web.auth.guards import can, current_user
from web.auth.roles import Permission
from web.i18n import LANG_COOKIE, Translator, pick_language

__all__ = ["language_of", "translator", "page", "wants_html", "flash"]


def language_of(request: Request[Any, Any, Any]) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(language_of(request))


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A browser navigation (not fetch/htmx asking for JSON): errors become pages or redirects."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


def flash(request: Request[Any, Any, Any], text: str, kind: str = "ok") -> None:
    """A one-time message shown on the next page (kept in the server-side session, not the URL)."""
    session = request.scope.get("session")
    if isinstance(session, dict):
        session.setdefault("flashes", []).append([kind, text])


def _pop_flashes(request: Request[Any, Any, Any]) -> list[list[str]]:
    session = request.scope.get("session")
    if isinstance(session, dict) and session.get("flashes"):
        items: list[list[str]] = session.pop("flashes")
        return items
    return []


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    t = translator(request)
    user = current_user(request)
    context.update(
        t=t,
        lang=t.lang,
        user=user,
        can=lambda perm: can(request, Permission(perm)),
        path=request.url.path,
        flashes=_pop_flashes(request),
        areas=getattr(request.app.state, "areas", frozenset()),
    )
    return Template(template_name=template, context=context, status_code=status_code)
