"""HttpAsrProvider against a local OpenAI-style transcription server started by the test (127.0.0.1)."""

from __future__ import annotations

import io
import json
import threading
import wave
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runtime.speech.asr import AsrError, HttpAsrProvider, recognise
from telephony.media.audio import silence


class _Handler(BaseHTTPRequestHandler):
    """Answers like /v1/audio/transcriptions: the 'transcript' describes what arrived."""

    mode = "ok"

    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/v1/audio/transcriptions" or _Handler.mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"model crashed")
            return
        msg = BytesParser(policy=default).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
        )
        fields = {p.get_param("name", header="content-disposition"): p for p in msg.iter_parts()}
        with wave.open(io.BytesIO(fields["file"].get_payload(decode=True)), "rb") as w:
            rate, frames = w.getframerate(), w.getnframes()
        prompt = fields["prompt"].get_payload(decode=True).decode("utf-8") if "prompt" in fields else ""
        fmt = fields["response_format"].get_content().strip()
        out = {"text": f"{rate} Hz {frames * 1000 // rate} ms prompt={prompt} format={fmt}"}
        if _Handler.mode == "ok":
            out["segments"] = [{"avg_logprob": -0.2}, {"avg_logprob": -0.4}]
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    _Handler.mode = "ok"
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_posts_8k_wav_with_expected_phrases_as_prompt(server: str) -> None:
    asr = HttpAsrProvider(server)
    r = recognise(asr, silence(1500), ["已经充值了", "没有"])
    assert r.text == "8000 Hz 1500 ms prompt=已经充值了, 没有 format=verbose_json"
    assert r.confidence == pytest.approx(0.741, abs=0.001)  # exp(mean(-0.2, -0.4))
    assert not r.rejected and r.provider == "http"


def test_no_confidence_when_server_gives_none(server: str) -> None:
    _Handler.mode = "plain"
    r = recognise(HttpAsrProvider(server + "/v1/audio/transcriptions"), silence(500))
    assert r.confidence is None and r.text.startswith("8000 Hz 500 ms")


def test_server_error_and_unreachable_server_are_asr_errors(server: str) -> None:
    _Handler.mode = "error"
    with pytest.raises(AsrError, match="answered 500: model crashed"):
        recognise(HttpAsrProvider(server), silence(500))
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AsrError, match="unreachable"):
        recognise(HttpAsrProvider(f"http://127.0.0.1:{port}", timeout_s=2), silence(500))
