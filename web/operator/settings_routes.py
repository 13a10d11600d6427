"""The frequency-cap and dedupe settings page (global; read by the queue when numbers load)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from runtime.campaigns.phones import FORMATS
from web.auth.guards import require_permission
from web.deps import EngineDep
from web.forms import URL_ENCODED
from web.i18n.errors import say_error
from web.operator._render import RUN, op_page, translator_of
from web.operator.caps import CapsError, parse_caps, read_caps, save_caps
from web.render import flash

__all__ = ["SettingsController", "CapsForm"]


@dataclass
class CapsForm:
    """The settings form as typed; :func:`web.operator.caps.parse_caps` checks the numbers."""

    cap_day: str = ""
    cap_week: str = ""
    cap_month: str = ""
    dedupe_days: str = ""
    number_format: str = ""


class SettingsController(Controller):
    path = "/operator/settings"
    guards = [require_permission]
    opt = RUN

    @get("/", sync_to_thread=True)
    def settings_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        return op_page(request, "operator/settings.html", caps=read_caps(engine), formats=FORMATS)

    @post("/", sync_to_thread=True)
    def save_settings(self, request: Request[Any, Any, Any], engine: EngineDep,
                      data: Annotated[CapsForm, URL_ENCODED]) -> Template | Redirect:
        """A refused value re-shows the form with what was typed, so nothing typed is lost."""
        typed = asdict(data)
        try:
            values = parse_caps(typed)
        except CapsError as e:
            return op_page(request, "operator/settings.html", status_code=400, caps=typed, formats=FORMATS,
                           error=say_error(translator_of(request), e, prefix="op.set.err."))
        save_caps(engine, values)
        flash(request, translator_of(request)("op.set.saved"))
        return Redirect(path="/operator/settings")
