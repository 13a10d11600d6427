"""Shared bits of the operator handlers: the page renderer with the operator messages, the query
string and the role options of the controllers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.response import Template

from web.auth.roles import Permission
from web.i18n import Translator
from web.operator.messages import OUTCOMES, TASK_STATUS_CLASS
from web.render import language_of, page

__all__ = ["op_page", "query_of", "VIEW", "RUN", "translator_of", "with_query"]

#: Any signed-in role may look at the task list; calls, numbers and changes need the operator's right.
VIEW = {"permission": Permission.VIEW_SCRIPTS}
RUN = {"permission": Permission.RUN_CAMPAIGNS}


def translator_of(request: Request[Any, Any, Any]) -> Translator:
    return Translator(language_of(request))


def op_page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """``web.render.page`` with the operator pages' vocabularies (outcomes, status colours, run right)."""
    tpl = page(request, template, status_code=status_code, **context)
    assert tpl.context is not None
    tpl.context.update(
        t=translator_of(request), outcomes=OUTCOMES, status_class=TASK_STATUS_CLASS,
        can_run=bool(tpl.context["can"](Permission.RUN_CAMPAIGNS.value)), qs=with_query,
    )
    return tpl


def with_query(base: dict[str, str], **changes: Any) -> str:
    """``?a=1&page=2``: the current filters with some changed; empty values are left out."""
    merged = {**base, **{k: ("" if v is None else str(v)) for k, v in changes.items()}}
    return "?" + urlencode({k: v for k, v in merged.items() if v != ""})


def query_of(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in request.query_params.items()}
