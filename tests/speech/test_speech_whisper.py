"""faster-whisper with the base model assembled from its two PyPI halves."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from runtime.speech.asr import AsrResult, WhisperProvider, recognise
from runtime.speech.asr_whisper import to_simplified
from runtime.speech.model_files import whisper_model_dir, whisper_parts
from telephony.media.audio import silence
from telephony.media.g711 import ulaw_decode, ulaw_encode


def test_t2s_folding() -> None:
    assert to_simplified("我已經充值了，謝謝") == "我已经充值了，谢谢"


def test_dialog_confidence_respects_our_rejection() -> None:
    assert AsrResult("x", 0.3).dialog_confidence == 0.6
    assert AsrResult("x", 0.9).dialog_confidence == 0.9
    assert AsrResult("x", 0.99, rejected=True).dialog_confidence == 0.0
    assert AsrResult("x", None).dialog_confidence == 0.6


def test_assembled_model_matches_the_parts(whisper_dir: Path) -> None:
    parts = whisper_parts()
    stamp = json.loads((whisper_dir / "assembled.json").read_text())
    assert stamp["parts"] == [h for _, h, _ in parts]
    h = hashlib.sha256()
    for path, _, _ in parts:
        h.update(path.read_bytes())
    assert stamp["model_sha256"] == h.hexdigest()
    assert (whisper_dir / "model.bin").stat().st_size == sum(size for _, _, size in parts)
    assert whisper_model_dir(whisper_dir.parent) == whisper_dir  # second call trusts the stamp


def test_corrupt_model_is_reassembled(whisper_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "c"
    out = whisper_model_dir(cache)
    with (out / "model.bin").open("r+b") as f:
        f.truncate(1000)
    again = whisper_model_dir(cache)
    assert (again / "model.bin").stat().st_size == sum(size for _, _, size in whisper_parts())


@pytest.mark.audio
@pytest.mark.slow
def test_english_from_piper_through_g711(whisper_dir: Path, piper) -> None:
    pcm = ulaw_decode(ulaw_encode(piper.render("no thanks, I am not interested").pcm))
    r = recognise(WhisperProvider(whisper_dir, language="en"), silence(200) + pcm + silence(200))
    words = r.text.lower().replace(",", "").replace(".", "").replace("'", "").split()
    assert words[:2] == ["no", "thanks"] and "interested" in words and not r.rejected


@pytest.mark.audio
@pytest.mark.slow
def test_silence_and_noise_are_rejected(whisper_dir: Path) -> None:
    import numpy as np

    noise = (np.random.default_rng(7).normal(0, 300, 16000)).astype("<i2").tobytes()
    r = recognise(WhisperProvider(whisper_dir, language="zh"), silence(50))
    assert r.rejected and r.reason == "no audio"
    r = recognise(WhisperProvider(whisper_dir, language="zh"), noise)
    assert r.rejected or r.text == "", r


@pytest.mark.audio
@pytest.mark.slow
def test_the_n_best_of_a_turn_reuses_its_decodes_encoder_pass(whisper_dir: Path) -> None:
    """The greedy decode, the n-best and forced scoring of one turn give the encoder the same
    window: it runs once (it is most of a short reply's cost), and the n-best is of the audio
    that was decoded (a pause's speculative decode may be the turn's result)."""
    import shutil

    from runtime.speech.asr_whisper import _load
    from runtime.speech.tts_espeak import EspeakProvider

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    pcm = silence(200) + EspeakProvider().render("不需要").pcm + silence(200)
    provider = WhisperProvider(whisper_dir, language="zh")
    stream = provider.new_stream()
    for i in range(0, len(pcm), 320):
        stream.accept(pcm[i:i + 320])
    memo = _load(str(provider.model_dir.resolve()), provider.cpu_threads).encode
    passes = memo.passes
    result = stream.peek()  # the pause's decode
    assert memo.passes == passes + 1
    stream.accept(silence(300))  # the rest of the pause arrives after it
    assert result.audio_ms == len(pcm) // 16 and stream.decoded is not None
    alternatives = stream.alternatives(3)
    assert memo.passes == passes + 1, "the n-best ran the encoder again"
    assert alternatives and all(isinstance(t, str) and t for t in alternatives)
    assert set(stream.score(["不需要"])) == {"不需要"}
    assert memo.passes == passes + 1, "forced scoring ran the encoder again"
