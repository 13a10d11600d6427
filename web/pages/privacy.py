"""The privacy page: an admin erases a number (the report shows what went and that nothing is
left); an operator records an opt-out heard on the phone or by SMS. Thin over the services the
CLI and the API share."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.phones import normalize
from runtime.privacy.erase import EraseError, erase_number
from web.auth.guards import can, require_permission
from web.auth.roles import Permission
from web.pages._common import Form
from web.render import page, translator

__all__ = ["privacy_routes"]

RUN = {"permission": Permission.RUN_CAMPAIGNS}
ERASE = {"permission": Permission.ERASE_PERSONAL}


def _show(request: Request[Any, Any, Any], status: int = 200, **ctx: Any) -> Template:
    return page(request, "privacy.html", status_code=status, may_erase=can(request, Permission.ERASE_PERSONAL), **ctx)


@get("/privacy", guards=[require_permission], opt=RUN, sync_to_thread=True)
def privacy_page(request: Request[Any, Any, Any]) -> Template:
    return _show(request)


@post("/privacy/erase", guards=[require_permission], opt=ERASE, sync_to_thread=True)
def erase(request: Request[Any, Any, Any], data: Form) -> Template:
    try:
        rep = erase_number(request.app.state.engine, (data.get("phone") or "")[:64], settings=request.app.state.settings)
    except EraseError as e:
        return _show(request, 400, error=f"{translator(request)('privacy.phone')}: {e}")
    return _show(request, report=rep)


@post("/privacy/opt-out", guards=[require_permission], opt=RUN, sync_to_thread=True)
def opt_out(request: Request[Any, Any, Any], data: Form) -> Template:
    chk = normalize((data.get("phone") or "")[:64], request.app.state.settings.phone_region)
    if chk.e164 is None:
        return _show(request, 400, error=f"{translator(request)('privacy.phone')}: {chk.message}")
    with request.app.state.engine.begin() as conn:
        new = record_opt_out(conn, chk.e164, "operator", (data.get("detail") or "")[:200] or None)
    return _show(request, opted=translator(request)("privacy.opted" if new else "privacy.already"))


def privacy_routes() -> list[ControllerRouterHandler]:
    return [privacy_page, erase, opt_out]
