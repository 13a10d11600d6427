"""The privacy page: an admin erases a number (the report shows what went and that nothing is
left); an operator records an opt-out heard on the phone or by SMS. Thin over the services the
CLI and the API share."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.response import Template

from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.phones import normalize
from runtime.privacy.erase import EraseError, erase_number
from web.auth.guards import can, require_permission
from web.auth.roles import Permission
from web.deps import EngineDep, SettingsDep, TranslatorDep
from web.forms import URL_ENCODED, PhoneForm
from web.i18n.errors import say_error
from web.render import page

__all__ = ["PrivacyController"]


def _show(request: Request[Any, Any, Any], status: int = 200, **ctx: Any) -> Template:
    return page(request, "privacy.html", status_code=status, may_erase=can(request, Permission.ERASE_PERSONAL), **ctx)


class PrivacyController(Controller):
    path = "/privacy"
    guards = [require_permission]
    opt = {"permission": Permission.RUN_CAMPAIGNS}

    @get("/", sync_to_thread=False)
    def privacy_page(self, request: Request[Any, Any, Any]) -> Template:
        return _show(request)  # no database: the form alone

    @post("/erase", opt={"permission": Permission.ERASE_PERSONAL}, sync_to_thread=True)
    def erase(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep, t: TranslatorDep,
              data: Annotated[PhoneForm, URL_ENCODED]) -> Template:
        try:
            rep = erase_number(engine, data.phone[:64], settings=settings)
        except EraseError as e:
            return _show(request, 400, error=say_error(t, e, prefix="phone."))
        return _show(request, report=rep)

    @post("/opt-out", sync_to_thread=True)
    def opt_out(self, request: Request[Any, Any, Any], engine: EngineDep, settings: SettingsDep, t: TranslatorDep,
                data: Annotated[PhoneForm, URL_ENCODED]) -> Template:
        chk = normalize(data.phone[:64], settings.phone_region)
        if chk.e164 is None:
            return _show(request, 400, error=t(f"phone.{chk.reason or 'bad_format'}", phone=data.phone[:64]))
        with engine.begin() as conn:
            new = record_opt_out(conn, chk.e164, "operator", data.detail[:200] or None)
        return _show(request, opted=t("privacy.opted" if new else "privacy.already"))
