"""REST: erase a number (scope ``personal:erase``) and record an opt-out (scope ``tasks:write``).

Thin over :mod:`runtime.privacy.erase` and :mod:`runtime.campaigns.optout`, the services the CLI
(``huashu privacy``) and the admin page share. Both write the database: in a worker thread."""

from __future__ import annotations

from litestar import Controller, post
from litestar.exceptions import ValidationException

from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.phones import normalize
from runtime.privacy.erase import EraseError, erase_number
from web.api.schemas import ErasureOut, OptOutOut, PhoneBody
from web.deps import EngineDep, SettingsDep

__all__ = ["PrivacyController"]


class PrivacyController(Controller):
    path = "/privacy"
    tags = ["privacy"]

    @post("/erase", opt={"scope": "personal:erase"}, status_code=200, sync_to_thread=True,
          summary="Erase everything held about a number; returns the erasure report")
    def erase(self, engine: EngineDep, settings: SettingsDep, data: PhoneBody) -> ErasureOut:
        try:
            rep = erase_number(engine, data.phone[:64], settings=settings)
        except EraseError as e:
            raise ValidationException(f"phone: {e}") from None
        return ErasureOut(**rep.as_dict())

    @post("/opt-out", opt={"scope": "tasks:write"}, status_code=200, sync_to_thread=True,
          summary="Record that a number asked not to be called (wins over any consent)")
    def opt_out(self, engine: EngineDep, settings: SettingsDep, data: PhoneBody) -> OptOutOut:
        chk = normalize(data.phone[:64], settings.phone_region)
        if chk.e164 is None:
            raise ValidationException(f"phone: {chk.message}")
        with engine.begin() as conn:
            new = record_opt_out(conn, chk.e164, "api", (data.detail or "")[:200] or None)
        return OptOutOut(recorded=new)
