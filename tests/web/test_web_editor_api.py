"""The editor's JSON endpoints: live check, test talk, TTS preview and recording upload."""

from __future__ import annotations

import io
import json
import math
import shutil
import struct
import wave
from typing import Any

import pytest

from scripts_library import library_paths
from tests.support.web_client import csrf_of, jpost
from web.documents import blank_document


def _library_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(library_paths()[0].read_text(encoding="utf-8"))
    return doc


def test_check_reports_findings_with_nodes_and_a_qa_score(client_for: Any) -> None:
    c = client_for("designer")
    good = jpost(c, "/check", {"doc": _library_doc()}).json()
    assert good["valid"] is True and isinstance(good["qa"]["score"], int)
    doc = blank_document("t", "T", "en-US")
    bad = jpost(c, "/check", {"doc": doc}).json()
    assert bad["valid"] is False
    assert {f["node"] for f in bad["errors"]} == {"open"}
    assert "missing_silence_branch" in {f["code"] for f in bad["errors"]}
    doc["nodes"][0]["type"] = "bogus"  # a structural error still names its node
    broken = jpost(c, "/check", {"doc": doc}).json()
    assert broken["errors"][0]["code"] == "schema" and broken["errors"][0]["node"] == "open"
    assert broken["qa"] is None
    assert jpost(c, "/check", {"nodoc": 1}).status_code == 400


def test_talk_replays_replies_through_the_dialog_harness(client_for: Any) -> None:
    c = client_for("reviewer")
    doc = _library_doc()
    variables = {k: v.get("example", "") for k, v in doc.get("variables", {}).items()}
    first = jpost(c, "/talk", {"doc": doc, "variables": variables, "replies": []}).json()
    assert first["turns"][0]["who"] == "bot" and first["path"] == [doc["start"]] and not first["finished"]
    hung = jpost(c, "/talk", {"doc": doc, "variables": variables, "replies": [{"text": "<hangup>"}]}).json()
    assert hung["finished"] is True and hung["turns"][1]["who"] == "customer"
    silent = jpost(c, "/talk", {"doc": doc, "variables": variables, "replies": [{"silence": True}]}).json()
    assert len(silent["path"]) >= 2  # the silence branch moved the call on (or repeated the node)
    bad = jpost(c, "/talk", {"doc": doc, "replies": [{"text": "<dtmf:xyz>"}]})
    assert bad.status_code == 400 and "DTMF" in bad.json()["error"]
    broken = dict(doc, nodes=[{"id": "a", "type": "nope"}])
    r = jpost(c, "/talk", {"doc": broken, "replies": []})
    assert r.status_code == 400 and "structure" in r.json()["error"]


@pytest.mark.audio
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_tts_preview_returns_playable_wav(client_for: Any) -> None:
    c = client_for("designer")
    r = jpost(c, "/tts", {"text": "Hello ${name}, your balance is low.", "variables": {"name": "Ann"}})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as w:
        assert w.getframerate() == 8000 and w.getnframes() > 8000 * 0.5
    assert jpost(c, "/tts", {"text": "  "}).status_code == 400


def _tone_wav(seconds: float = 1.0, rate: int = 16000) -> bytes:
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(rate * seconds)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


@pytest.mark.audio
@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_recording_upload_accepts_audio_and_rejects_the_rest(client_for: Any) -> None:
    c = client_for("designer")

    def upload(name: str, data: bytes, lang: str = "en") -> Any:
        return c.post("/scripts/any/recordings", files={"file": (name, data)}, data={"_csrf_token": csrf_of(c)},
                      headers={"accept": "application/json", "accept-language": lang})

    r = upload("hello.wav", _tone_wav())
    assert r.status_code == 201 and len(r.json()["audio"]) >= 16
    played = c.get(r.json()["url"])
    assert played.status_code == 200 and played.content[:4] == b"RIFF"
    r = upload("notes.wav", b"this is not audio at all" * 100)
    # a sentence for the designer; the decoder's own words only in "detail"
    assert r.status_code == 400 and r.json()["error"] == "notes.wav: this file is not audio we can read. Use a WAV, MP3 or OGG recording."
    assert "notes.wav: not audio" in r.json()["detail"] and "pipe:" not in r.json()["error"]
    r = upload("notes.wav", b"this is not audio at all" * 100, lang="zh")
    assert r.json()["error"].startswith("notes.wav：这个文件不是可读取的音频")
    r = upload("empty.wav", b"")
    assert r.status_code == 400 and r.json()["error"] == "empty.wav: the file is empty."
    assert client_for("operator").post("/scripts/any/recordings", files={"file": ("a.wav", _tone_wav())}).status_code == 403
