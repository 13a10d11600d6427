"""VoskServerProvider against a local vosk-server (WebSocket protocol of alphacep/vosk-server)
started by the test on 127.0.0.1 and backed by the real Korean model."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from runtime.speech.asr import AsrError, VoskServerProvider, recognise
from telephony.media.audio import frames, silence
from telephony.media.g711 import ulaw_decode, ulaw_encode

pytestmark = pytest.mark.audio


def _handler(model: object, seen: list[dict[str, object]]):
    import vosk

    def handle(ws) -> None:  # one connection = one utterance, like vosk-server's asr_server.py
        rec = None
        for message in ws:
            if isinstance(message, str) and "config" in message:
                cfg = json.loads(message)["config"]
                seen.append(cfg)
                args = [json.dumps(cfg["phrase_list"], ensure_ascii=False)] if "phrase_list" in cfg else []
                rec = vosk.KaldiRecognizer(model, cfg["sample_rate"], *args)
                rec.SetWords(bool(cfg.get("words")))
                continue
            assert rec is not None
            if isinstance(message, str) and "eof" in message:
                ws.send(rec.FinalResult())
                return
            ws.send(rec.Result() if rec.AcceptWaveform(message) else rec.PartialResult())

    return handle


@pytest.fixture
def server(vosk_ko) -> Iterator[tuple[str, list[dict[str, object]]]]:
    from websockets.sync.server import serve

    seen: list[dict[str, object]] = []
    srv = serve(_handler(vosk_ko.model, seen), "127.0.0.1", 0)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"ws://127.0.0.1:{srv.socket.getsockname()[1]}", seen
    srv.shutdown()


def test_grammar_over_websocket(server, espeak_8k) -> None:
    url, seen = server
    pcm = ulaw_decode(ulaw_encode(espeak_8k("아니요", "ko")))
    r = recognise(VoskServerProvider(url), pcm, ["네 냈어요", "아니요", "네"], grammar=True)
    assert (r.text, r.rejected, r.provider) == ("아니요", False, "vosk-server")
    assert seen[-1] == {"sample_rate": 8000, "words": 1, "phrase_list": ["네 냈어요", "아니요", "네"]}
    out_of_grammar = recognise(VoskServerProvider(url), ulaw_decode(ulaw_encode(espeak_8k("감사합니다", "ko"))),
                               ["네 냈어요", "아니요", "네"], grammar=True)
    assert out_of_grammar.rejected


def test_free_mode_streams_partials(server, espeak_8k) -> None:
    url, _ = server
    stream = VoskServerProvider(url).new_stream()
    pcm = silence(200) + espeak_8k("안녕하세요 반갑습니다", "ko")
    partials = [p for f in frames(pcm) if (p := stream.accept(f)) is not None]
    r = stream.finish()
    assert partials and r.text and r.confidence is not None


def test_unreachable_server(server) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AsrError, match="unreachable"):
        VoskServerProvider(f"ws://127.0.0.1:{port}", timeout_s=2).new_stream()
    with pytest.raises(AsrError, match="ws://"):
        VoskServerProvider("http://127.0.0.1:1")
