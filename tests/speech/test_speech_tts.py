"""TTS providers, the fallback chain and its failure reporting."""

from __future__ import annotations

import socket

import pytest

from runtime.speech.tts import (
    MAX_PROMPT_CHARS,
    EdgeTtsProvider,
    EspeakProvider,
    FallbackTts,
    PromptTooLong,
    RenderedPrompt,
    TtsError,
    VoiceRef,
    parse_voice,
)
from runtime.speech.tts_base import TtsBase
from runtime.speech.tts_espeak import to_pinyin
from telephony.media.audio import peak_dbfs, rms_dbfs


def test_parse_voice() -> None:
    assert parse_voice("espeak:cmn-latn-pinyin") == VoiceRef("espeak", "cmn-latn-pinyin")
    assert parse_voice("zh-CN-XiaoxiaoNeural") == VoiceRef("edge", "zh-CN-XiaoxiaoNeural")
    assert parse_voice("en-us") == VoiceRef("espeak", "en-us")
    assert parse_voice(None) == VoiceRef(None, None)
    with pytest.raises(TtsError, match="unknown TTS provider 'acme'"):
        parse_voice("acme:x")


def test_pinyin_conversion_reads_numbers_the_chinese_way() -> None:
    assert to_pinyin("已经充值了100元。") == "yi3 jing1 chong1 zhi2 le5 yi4 bai3 yuan2 ."


@pytest.mark.audio
def test_espeak_chinese_uses_pinyin_voice_and_rate_changes_length() -> None:
    e = EspeakProvider()
    zh = e.render("好的，我已经充值了")
    assert zh.voice == "cmn-latn-pinyin" and zh.provider == "espeak"
    # 9 syllables at espeak's default speed take 1.5-4 s; spelling characters as letters takes far longer
    assert 1500 <= zh.duration_ms <= 4000
    fast = e.render("好的，我已经充值了", rate=2.0)
    assert fast.duration_ms < zh.duration_ms * 0.75
    assert len(zh.pcm) // 16 == zh.duration_ms and rms_dbfs(zh.pcm) > -40


@pytest.mark.audio
def test_espeak_unknown_voice_is_an_error() -> None:
    with pytest.raises(TtsError, match="no voice 'no-such-voice'"):
        EspeakProvider().render("hello", "no-such-voice")


@pytest.mark.audio
def test_piper_renders_with_headroom(piper) -> None:
    out = piper.render("yes I already paid")
    assert out.provider == "piper" and out.voice == "en_US-joe-medium"
    assert 700 <= out.duration_ms <= 3000
    assert peak_dbfs(out.pcm) <= -0.95  # 1 dB headroom kept at 8 kHz


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again on exit: connections are refused


class _Silent(TtsBase):
    name = "silent"

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        return RenderedPrompt.of(b"\x00\x00" * 8000, self.name, "x")


class _Broken(TtsBase):
    name = "broken"
    needs_network = True

    def __init__(self) -> None:
        self.calls = 0

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        self.calls += 1
        raise TtsError("engine exploded")


@pytest.mark.audio
def test_edge_down_falls_back_to_espeak_and_says_so() -> None:
    edge = EdgeTtsProvider(proxy=f"http://127.0.0.1:{_refused_port()}", connect_timeout_s=2)
    tts = FallbackTts([edge, EspeakProvider()])
    out = tts.render("您好，这里是客服中心", "zh-CN-XiaoxiaoNeural")
    assert out.provider == "espeak" and out.voice == "cmn-latn-pinyin"
    assert len(out.warnings) == 1 and out.warnings[0].startswith("edge: edge-tts failed")
    assert out.duration_ms > 1000


def test_silence_counts_as_failure_and_all_failing_raises() -> None:
    tts = FallbackTts([_Silent(), _Broken()])
    with pytest.raises(TtsError, match="silent: rendered silence; broken: engine exploded"):
        tts.render("hello")


def test_failed_provider_is_skipped_during_cooldown() -> None:
    now = [0.0]
    broken = _Broken()
    good = _Good()
    tts = FallbackTts([broken, good], cooldown_s=30, clock=lambda: now[0])
    assert tts.render("a").provider == "good"
    assert tts.render("b").warnings[0].startswith("broken: skipped, failed 0 s ago")
    assert broken.calls == 1
    now[0] = 31.0
    tts.render("c")
    assert broken.calls == 2


def test_local_engine_failures_do_not_cool_down() -> None:
    class _Local(_Broken):
        needs_network = False

    local = _Local()
    tts = FallbackTts([local, _Good()], cooldown_s=30, clock=lambda: 0.0)
    tts.render("a")
    tts.render("b")
    assert local.calls == 2


def test_empty_text_and_bad_rate_rejected() -> None:
    tts = FallbackTts([_Good()])
    with pytest.raises(TtsError, match="empty"):
        tts.render("   ")
    with pytest.raises(TtsError, match="rate"):
        tts.render("hi", rate=10)


def test_voice_of_an_unconfigured_provider_falls_back_with_a_warning() -> None:
    out = FallbackTts([_Good()]).render("hi", "piper:en_US-joe-medium")
    assert out.provider == "good" and out.warnings == ("piper: not configured here (have good)",)


class _Good(TtsBase):
    name = "good"

    def __init__(self) -> None:
        self.calls = 0

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        self.calls += 1
        return RenderedPrompt.of(b"\x10\x00" * (800 * len(text)), self.name, voice or "v")


@pytest.mark.audio
def test_edge_mp3_becomes_8k_with_headroom(tmp_path) -> None:
    """The conversion half of the edge provider, on real MP3 (the network half cannot run here)."""
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=24000:duration=1.5",
                    "-ac", "1", "-y", str(tmp_path / "e.mp3")], check=True)
    mp3 = (tmp_path / "e.mp3").read_bytes()

    class _Offline(EdgeTtsProvider):
        async def _mp3(self, text: str, voice: str, rate: float) -> bytes:
            self.asked = (text, voice, rate)
            return mp3

    edge = _Offline()
    out = edge.render("hello there")
    assert edge.asked == ("hello there", "en-US-AriaNeural", 1.0)  # voice follows the text's language
    assert out.provider == "edge" and abs(out.duration_ms - 1500) <= 80 and peak_dbfs(out.pcm) <= -0.95
    assert edge.voice_for("您好") == "zh-CN-XiaoxiaoNeural"


class _Crashing(TtsBase):
    """A provider failing the way engines really do: not with TtsError."""

    needs_network = False

    def __init__(self, name: str, exc: BaseException) -> None:
        self.name = name
        self.exc = exc
        self.calls = 0

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        self.calls += 1
        raise self.exc


@pytest.mark.parametrize(
    "exc",
    [OSError(7, "Argument list too long"), RuntimeError("onnxruntime: Failed to allocate memory for 78 GB"),
     TimeoutError("read timed out"), ValueError("odd input")],
    ids=["oserror", "onnxruntime", "timeout", "valueerror"],
)
def test_any_provider_exception_falls_back_and_is_reported(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    crashing = _Crashing("piper", exc)
    tts = FallbackTts([crashing, _Good()])
    with caplog.at_level("WARNING", logger="runtime.speech.tts"):
        out = tts.render("hello")
    assert out.provider == "good" and crashing.calls == 1
    assert out.warnings == (f"piper: {type(exc).__name__}: {exc}",)
    (record,) = [r for r in caplog.records if "piper" in r.getMessage()]
    assert type(exc).__name__ in record.getMessage() and record.exc_info is not None  # with the traceback


def test_an_online_provider_crashing_cools_down_like_any_outage() -> None:
    crashing = _Crashing("edge", TimeoutError("read timed out"))
    crashing.needs_network = True
    tts = FallbackTts([crashing, _Good()], cooldown_s=30, clock=lambda: 0.0)
    tts.render("a")
    assert tts.render("b").warnings == ("edge: skipped, failed 0 s ago (TimeoutError: read timed out)",)
    assert crashing.calls == 1


def test_every_provider_crashing_is_a_tts_error_not_a_crash() -> None:
    tts = FallbackTts([_Crashing("piper", OSError("boom")), _Crashing("espeak", MemoryError())])
    with pytest.raises(TtsError, match="every TTS provider failed: piper: OSError: boom; espeak: MemoryError"):
        tts.render("hello")


def test_prompt_longer_than_the_limit_is_refused_before_any_provider() -> None:
    good = _Good()
    tts = FallbackTts([good])
    assert tts.render("好" * MAX_PROMPT_CHARS).provider == "good"
    with pytest.raises(PromptTooLong, match=f"the prompt is 40,000 characters; the limit is {MAX_PROMPT_CHARS:,}"):
        tts.render("你好" * 20000)
    assert good.calls == 1
    assert issubclass(PromptTooLong, TtsError)


@pytest.mark.audio
def test_espeak_reads_the_text_from_stdin_not_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess as sp

    from runtime.speech import tts_espeak

    seen: list[tuple[list[str], bytes | None]] = []
    real_run = sp.run

    def spy(cmd, *args, **kw):  # type: ignore[no-untyped-def]
        if "-w" in cmd:
            seen.append((list(cmd), kw.get("input")))
        return real_run(cmd, *args, **kw)

    monkeypatch.setattr(tts_espeak.subprocess, "run", spy)
    text = "--help me, this starts like an option"
    out = EspeakProvider().render(text, "en-us")
    ((cmd, given),) = seen
    assert all(text not in part for part in cmd) and given == text.encode()
    assert out.duration_ms > 1000  # spoken, not taken as an option
