"""REST: erase a number (scope ``personal:erase``) and record an opt-out (scope ``tasks:write``).

Thin over :mod:`runtime.privacy.erase` and :mod:`runtime.campaigns.optout`, the services the CLI
(``huashu privacy``) and the admin page share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, post
from litestar.exceptions import ValidationException
from litestar.params import JSONBody

from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.phones import normalize
from runtime.privacy.erase import EraseError, erase_number

__all__ = ["privacy_api_routes"]


@dataclass
class PhoneBody:
    phone: str
    detail: str | None = None


@post("/privacy/erase", opt={"scope": "personal:erase"}, tags=["privacy"], status_code=200, sync_to_thread=True,
      summary="Erase everything held about a number; returns the erasure report")
def erase_route(request: Request[Any, Any, Any], data: JSONBody[PhoneBody]) -> dict[str, Any]:
    try:
        rep = erase_number(request.app.state.engine, data.phone[:64], settings=request.app.state.settings)
    except EraseError as e:
        raise ValidationException(f"phone: {e}") from None
    return rep.as_dict()


@post("/privacy/opt-out", opt={"scope": "tasks:write"}, tags=["privacy"], status_code=200, sync_to_thread=True,
      summary="Record that a number asked not to be called (wins over any consent)")
def opt_out_route(request: Request[Any, Any, Any], data: JSONBody[PhoneBody]) -> dict[str, Any]:
    chk = normalize(data.phone[:64], request.app.state.settings.phone_region)
    if chk.e164 is None:
        raise ValidationException(f"phone: {chk.message}")
    with request.app.state.engine.begin() as conn:
        new = record_opt_out(conn, chk.e164, "api", (data.detail or "")[:200] or None)
    return {"recorded": new}


def privacy_api_routes() -> list[Any]:
    return [erase_route, opt_out_route]
