"""Building the campaign call runner the settings ask for (``telephony_driver``): the
simulator, a SIP trunk, or FreeSWITCH over the Event Socket, each with its speech and the
call-recording store.

Everything that can be wrong in the configuration (a bad trunk, no ASR model, a broken S3
setting) is found here, when the node starts, as a :class:`RunnerError` with the setting's
name, not on the first call of a campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from designer.model import Script
from huashu.core.config import Settings
from huashu.core.errors import HuashuError, UserError
from huashu.core.registry import Registry
from runtime.calls.speech import SpeechKit
from runtime.campaigns.call_runner import DriverRunner, SpeechFactory
from runtime.campaigns.scripts import Resolver
from runtime.recordings import RecordingConfigError, open_recording_store

__all__ = ["DRIVERS", "TELEPHONY_DRIVERS", "RunnerError", "UnknownDriver", "build_runner", "offline_tts",
           "speech_factory", "simulator_recording_kw"]


class RunnerError(HuashuError, RuntimeError):
    """The requested runner cannot be built; the message says why."""


class UnknownDriver(RunnerError, UserError):
    """``telephony_driver`` names a driver that is not registered."""


def offline_tts(settings: Settings) -> Any:
    """The offline chain (Kokoro for Chinese when installed, piper for English, espeak for every
    language) with the prompt cache: what the simulator's recordings speak with, whatever online
    voice the settings name."""
    from runtime.speech.preview import prompt_cache
    from runtime.speech.tts import offline_chain

    return offline_chain(settings, cache=prompt_cache(settings))


def speech_factory(settings: Settings, tts: Any = None, with_asr: bool = True) -> SpeechFactory:
    """A factory of :class:`SpeechKit` per script: the script's voice, a recogniser for its
    language (one provider per language, shared by all calls; a stream per utterance)."""
    from runtime.speech.expected import asr_language
    from runtime.speech.preview import default_tts

    chain = tts if tts is not None else default_tts(settings)
    recognisers: dict[str, Any] = {}

    def make(script: Script) -> SpeechKit:
        asr = None
        if with_asr:
            lang = asr_language(script)
            if lang not in recognisers:
                from runtime.speech.asr import build_asr

                recognisers[lang] = build_asr(settings, language=lang)
            asr = recognisers[lang]
        return SpeechKit(tts=chain, asr=asr, voice=script.settings.voice)

    return make


def _store(settings: Settings) -> Any:
    try:
        return open_recording_store(settings)
    except RecordingConfigError as e:
        raise RunnerError(str(e)) from e


def simulator_recording_kw(settings: Settings) -> dict[str, Any]:
    """Recording arguments for :class:`~runtime.campaigns.sim_runner.SimulatorRunner`: the
    store, the sample, the bot's offline voice and a second voice for the customer."""
    from runtime.campaigns.sim_runner import tts_customer_voice
    from runtime.speech.preview import prompt_cache
    from runtime.speech.tts import FallbackTts
    from runtime.speech.tts_espeak import EspeakProvider

    store = _store(settings)
    if store is None:
        return {}
    customer = FallbackTts([EspeakProvider()], cache=prompt_cache(settings))
    return {
        "recording_store": store,
        "record_sample": settings.recordings.sample,
        "speech": speech_factory(settings, offline_tts(settings), with_asr=False),
        "recording_voice": tts_customer_voice(customer),
    }


def _check_asr(settings: Settings) -> None:
    """Load the recogniser once at start: a node without a model must not dial."""
    from runtime.speech.asr import build_asr
    from runtime.speech.asr_base import AsrError

    try:
        build_asr(settings)
    except (AsrError, OSError, ValueError) as e:
        raise RunnerError(f"speech: no recogniser for live calls: {e}") from e


def _simulator(resolver: Resolver, settings: Settings, answer: Any, **sim_kw: Any) -> DriverRunner:
    from runtime.campaigns.sim_runner import SimulatorRunner

    kw = {**simulator_recording_kw(settings), **({"answer": answer} if answer else {}), **sim_kw}
    return SimulatorRunner(resolver, **kw)


def _sip(resolver: Resolver, settings: Settings, answer: Any, **_: Any) -> DriverRunner:
    from telephony.sip.driver import SipDriver
    from telephony.sip.trunk import trunk_from_settings

    try:
        trunk = trunk_from_settings(settings.sip)
    except UserError as e:
        raise RunnerError(f"sip settings: {e}") from e
    return _live(resolver, settings, answer, SipDriver(trunk))


def _freeswitch(resolver: Resolver, settings: Settings, answer: Any, **_: Any) -> DriverRunner:
    from telephony.freeswitch.driver import FreeswitchDriver

    fs = settings.freeswitch
    if answer is not None and not fs.early_media:
        # classification on for the node: the early phase must reach it (docs/answering.md)
        fs = fs.model_copy(update={"early_media": True})
    return _live(resolver, settings, answer, FreeswitchDriver(fs))


def _live(resolver: Resolver, settings: Settings, answer: Any, driver: Any) -> DriverRunner:
    """A runner over a driver that dials real numbers: it must recognise speech from the start."""
    _check_asr(settings)
    store = _store(settings)
    return DriverRunner(resolver, driver, speech=speech_factory(settings), recording_store=store,
                        record_sample=settings.recordings.sample, prerender=True, answer=answer)


#: The runners ``telephony_driver`` (or ``huashu run --runner``) can name; each builds the
#: runner over its driver from the settings. ``sim_kw`` (seed, fast, ...) reach the simulator only.
TELEPHONY_DRIVERS: Registry[Callable[..., DriverRunner]] = Registry(
    "telephony driver", unknown="telephony driver {name}: use one of {known} or module:factory", error=UnknownDriver
)
TELEPHONY_DRIVERS.register("simulator", _simulator)
TELEPHONY_DRIVERS.register("sip", _sip)
TELEPHONY_DRIVERS.register("freeswitch", _freeswitch)
DRIVERS = TELEPHONY_DRIVERS.names()


def build_runner(name: str, resolver: Resolver, settings: Settings, **sim_kw: Any) -> DriverRunner:
    """The runner for ``name`` (one of :data:`DRIVERS`). ``sim_kw`` (seed, fast, ...) apply to
    the simulator only."""
    answer = _answer(settings)
    return TELEPHONY_DRIVERS.get(name)(resolver, settings, answer, **sim_kw)


def _answer(settings: Settings) -> Any:
    """Answer classification from ``settings.answer`` (None when off); bad settings stop the node."""
    from runtime.answer.consequences import setup_from_settings

    try:
        return setup_from_settings(settings.answer)
    except UserError as e:
        raise RunnerError(str(e)) from e
