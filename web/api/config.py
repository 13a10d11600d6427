"""``/api/v1``: what a task can be built from: approved scripts, voices, the telephony line.
Scope ``config:read``."""

from __future__ import annotations

from litestar import Controller, get
from sqlmodel import Session

from web.api.schemas import LineOut, ScriptOut, VoiceOut
from web.deps import EngineDep, SettingsDep

__all__ = ["ConfigController"]


class ConfigController(Controller):
    path = "/"
    tags = ["config"]
    opt = {"scope": "config:read"}

    @get("/scripts", sync_to_thread=True)
    def scripts(self, engine: EngineDep) -> list[ScriptOut]:
        """Scripts with an approved version (only those can run in a task)."""
        from designer import store

        with Session(engine) as s:
            return [ScriptOut(id=x.id, name=x.name, business=x.business, approved_version=x.approved,
                              latest_version=x.latest, latest_status=x.latest_status)
                    for x in store.list_scripts(s) if x.approved is not None]

    @get("/voices", sync_to_thread=True)
    def voices(self, settings: SettingsDep) -> list[VoiceOut]:
        """The TTS providers this deployment speaks with, in fallback order, with default voices.
        In a thread: building the chain may read model files."""
        from runtime.speech.tts import build_tts

        chain = build_tts(settings)
        return [VoiceOut(provider=p.name, default_voice=getattr(p, "default_voice", None)) for p in chain.providers]

    @get("/lines")
    async def lines(self, settings: SettingsDep) -> list[LineOut]:
        """The telephony line the runtime dials through and its default limits (no I/O: on the loop)."""
        from runtime.campaigns.dialer import LineLimits

        lim = LineLimits()
        return [LineOut(driver=settings.telephony_driver, max_concurrent=lim.max_concurrent,
                        calls_per_second=lim.calls_per_second)]
