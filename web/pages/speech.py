"""Prompt audio in the editor: TTS preview of a prompt and uploaded recordings.

Both use the speech area's own code (``runtime.speech``): the preview goes through the same
provider chain and cache a campaign uses, so what the designer hears is what customers hear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath

from telephony.media.audio import wav_bytes
from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.deps import TranslatorDep
from web.forms import MULTI_PART
from web.i18n import Translator
from web.pages._common import too_large_handler

__all__ = ["SpeechController", "PreviewBody", "RecordingUpload", "fill_examples", "recording_problem", "MAX_RECORDING_BYTES"]

MAX_RECORDING_BYTES = 10 * 1024 * 1024
_VAR = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def fill_examples(text: str, values: dict[str, Any]) -> str:
    """Prompt text with each ``${var}`` replaced by its example value (kept as is when none is given)."""
    return _VAR.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def _tts(state: State) -> Any:
    """One provider chain per app, built on first use (building it loads nothing heavy)."""
    if getattr(state, "tts", None) is None:
        from runtime.speech.cache import PromptCache
        from runtime.speech.tts import build_tts

        settings = state.settings
        state.tts = build_tts(settings, cache=PromptCache(Path(settings.data_dir) / "tts-cache"))
    return state.tts


@dataclass
class PreviewBody:
    """``{"text": "...", "variables": {...}, "voice": "..."}``: ``Any`` fields, checked by the handler
    (an empty text is refused with its own sentence)."""

    text: Any = None
    variables: Any = None
    voice: Any = None


@dataclass
class RecordingUpload:
    file: UploadFile | None = None


def _recordings(state: State) -> Any:
    from runtime.speech.recordings import PromptRecordingStore

    return PromptRecordingStore(Path(state.settings.data_dir) / "recordings")


def _refused(message: str, detail: str) -> Response[Any]:
    """400 with the user's sentence in ``error`` and the decoder's own words in ``detail``."""
    return Response({"error": message, "detail": detail, "status": 400}, status_code=400)


def recording_problem(t: Translator, name: str, technical: str) -> str:
    """Why an upload is not used, in the user's language; the decoder's text (ffmpeg's
    "pipe:0: Invalid data found ...") is no help to a designer and stays in ``detail``."""
    reason = technical.removeprefix(f"{name}: ")
    if reason.startswith("not audio"):
        return t("ed.rec.not_audio", name=name)
    if reason.startswith("empty file"):
        return t("ed.rec.empty", name=name)
    if reason.startswith("too long"):
        m = re.search(r"the limit is ([\d.]+) s", reason)
        return t("ed.rec.too_long", name=name, limit=m.group(1) if m else "?")
    if reason.startswith("the recording is silent"):
        return t("ed.rec.silent", name=name)
    return t("ed.rec.other", name=name, reason=reason)


class SpeechController(Controller):
    """TTS preview, prompt recordings uploaded and played: each in a worker thread (synthesis, ffmpeg, files)."""

    path = "/"
    guards = [require_permission]
    opt = {"permission": Permission.VIEW_SCRIPTS}

    @post("/tts", sync_to_thread=True, status_code=200)
    def tts_preview(self, state: State, data: PreviewBody) -> Response[Any]:
        text = data.text
        if not isinstance(text, str) or not text.strip():
            raise ClientException("nothing to say: the prompt text is empty")
        variables = data.variables if isinstance(data.variables, dict) else {}
        voice = data.voice if isinstance(data.voice, str) and data.voice else None
        from runtime.speech.tts import TtsError

        try:
            out = _tts(state).render(fill_examples(text, variables or {}), voice)
        except TtsError as e:
            return Response({"error": f"TTS failed: {e}"}, status_code=502)
        headers = {"x-tts-provider": out.provider, "x-tts-voice": out.voice}
        if out.warnings:
            headers["x-tts-warnings"] = "; ".join(out.warnings)[:500].encode("ascii", "replace").decode()
        return Response(wav_bytes(out.pcm), media_type="audio/wav", headers=headers)

    @post("/scripts/{key:str}/recordings", opt={"permission": Permission.EDIT_SCRIPTS}, sync_to_thread=True,
          exception_handlers={413: too_large_handler("/scripts")})
    def upload_recording(self, state: State, t: TranslatorDep, key: FromPath[str],
                         data: Annotated[RecordingUpload, MULTI_PART]) -> Any:
        from runtime.speech.recordings import RecordingError

        upload = data.file
        if upload is None or not isinstance(upload, UploadFile):
            raise ClientException(t("ed.rec.no_file"))
        name = upload.filename or "upload"
        raw = upload.file.read(MAX_RECORDING_BYTES + 1)
        if len(raw) > MAX_RECORDING_BYTES:
            return _refused(t("ed.rec.too_large", name=name, limit=MAX_RECORDING_BYTES // 1048576), "")
        try:
            rid = _recordings(state).save(raw, name)
        except RecordingError as e:
            return _refused(recording_problem(t, name, str(e)), str(e))
        return {"audio": rid, "url": f"/recordings/{rid}"}

    @get("/recordings/{rid:str}", sync_to_thread=True)
    def play_recording(self, state: State, rid: FromPath[str]) -> Response[bytes]:
        from runtime.speech.recordings import RecordingError

        try:
            pcm = _recordings(state).load(rid)
        except RecordingError as e:
            raise NotFoundException(str(e)) from None
        return Response(wav_bytes(pcm), media_type="audio/wav")
