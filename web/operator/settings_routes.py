"""The frequency-cap and dedupe settings page (global; read by the queue when numbers load)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from runtime.campaigns.phones import FORMATS
from web.auth.guards import require_permission
from web.operator._render import RUN, engine_of, op_page, translator_of
from web.operator.caps import CapsError, parse_caps, read_caps, save_caps
from web.pages._common import Form
from web.render import flash

__all__ = ["settings_routes"]


@get("/operator/settings", guards=[require_permission], opt=RUN, sync_to_thread=True)
def settings_page(request: Request[Any, Any, Any]) -> Template:
    return op_page(request, "operator/settings.html", caps=read_caps(engine_of(request)), formats=FORMATS)


@post("/operator/settings", guards=[require_permission], opt=RUN, sync_to_thread=True)
def save_settings(request: Request[Any, Any, Any], data: Form) -> Template | Redirect:
    """A refused value re-shows the form with what was typed, so nothing typed is lost."""
    try:
        values = parse_caps(data)
    except CapsError as e:
        return op_page(request, "operator/settings.html", status_code=400, caps=dict(data), formats=FORMATS,
                       error=str(e))
    save_caps(engine_of(request), values)
    flash(request, translator_of(request)("op.set.saved"))
    return Redirect(path="/operator/settings")


def settings_routes() -> list[ControllerRouterHandler]:
    return [settings_page, save_settings]
