"""The speech-level attack: the text attack's right variants spoken, sent through G.711 and heard.

The fast tests use a fake voice and a fake recogniser that mishears one word, so what is pinned
is the attack's logic (which variants are spoken, what counts as a recognition failure, which
hotwords are suggested, the audio cache). The slow one runs the real chain (espeak-ng, G.711,
Whisper base) on a tiny script and checks the report's shape, never the transcripts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from designer.model import Script
from runtime.lab.attack import attack
from runtime.lab.speech import pick, speech_attack
from runtime.speech.asr_base import AsrResult
from runtime.speech.cache import PromptCache
from runtime.speech.tts_base import RenderedPrompt, TtsBase

TINY: dict[str, Any] = {
    "format": "huashu.script/1", "id": "tiny", "name": "tiny", "language": "zh-CN", "start": "ask",
    "nodes": [
        {"id": "ask", "type": "say_listen", "prompt": {"text": "您本月话费充值了吗？"},
         "asr": {"mode": "free", "hotwords": ["不需要"]},
         "branches": [{"id": "b_done", "when": {"keywords": ["充值了", "交过了"]}, "goto": "bye"},
                      {"id": "b_no", "when": {"keywords": ["不需要"]}, "goto": "bye"},
                      {"id": "b_nm", "when": {"event": "no_match"}, "goto": "bye"},
                      {"id": "b_sil", "when": {"event": "silence"}, "goto": "bye"}]},
        {"id": "bye", "type": "end", "prompt": {"text": "再见"}},
    ],
}


class _Voice(TtsBase):
    """Each text gets audio of its own length, so the fake recogniser knows what was said."""

    name = "fake"

    def __init__(self) -> None:
        self.said: dict[int, str] = {}
        self.renders = 0

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        self.renders += 1
        n = 1600 + 160 * (len(self.said) + 1)
        self.said[n] = text
        return RenderedPrompt.of(b"\x10\x00" * n, self.name, voice or "v")


class _Ear:
    """Hears 充值 as 聪明 (as Whisper does on espeak's robotic Chinese); records its hotwords."""

    name = "fake-asr"

    def __init__(self, voice: _Voice) -> None:
        self.voice = voice
        self.hotwords: list[tuple[str, ...]] = []

    def new_stream(self, expected: Sequence[str] = (), grammar: bool = False, hotwords: Sequence[str] = ()) -> Any:
        self.hotwords.append(tuple(hotwords))
        ear, buf = self, bytearray()

        class _S:
            def accept(self, frame: bytes) -> None:
                buf.extend(frame)

            def finish(self) -> AsrResult:
                lead_tail = (300 + 400) * 8  # samples of the silence around the turn
                n = (len(buf) // 2) - lead_tail
                text = min(ear.voice.said.items(), key=lambda kv: abs(kv[0] - n))[1]
                return AsrResult(text.replace("充值", "聪明"), 0.9, provider="fake-asr")

        return _S()


def test_only_right_variants_are_spoken_spread_over_families_and_capped() -> None:
    report = attack(TINY)
    picked = pick(report, 3)
    assert len(picked) == 6  # 3 a branch
    for _, branch, o in picked:
        assert o.ok and o.variant.intended == branch
        assert o.variant.family not in ("contrary", "off_script", "homophone", "traditional")
    fams = [o.variant.family for _, b, o in picked if b == "b_done"]
    assert len(set(fams)) == len(fams)  # one of each family before a second of any
    assert pick(report, 3) == picked


def test_recognition_failures_are_told_apart_and_hotwords_suggested(tmp_path: Path) -> None:
    script = Script.from_dict(TINY)
    report = attack(script)
    voice = _Voice()
    ear = _Ear(voice)
    rep = speech_attack(script, report, voice, ear, PromptCache(tmp_path), voices=("a", "b"), limit=2)
    by = {b.branch: b for b in rep.branches}
    assert by["b_no"].recall == 1.0 and by["b_no"].spoken == 4  # 2 variants x 2 voices
    done = [s for s in rep.spoken if s.branch == "b_done"]
    lost = [s for s in done if "充值" in s.text]
    assert lost and all(not s.ok and "聪明" in s.heard and s.taken == "no_match" for s in lost)
    assert by["b_done"].recall is not None and by["b_done"].recall < by["b_done"].text_recall  # type: ignore[operator]
    # a call already gives the recogniser the node's hotword and its keywords (runtime.speech.expected
    # .call_hotwords), so there is nothing to suggest for this node
    assert rep.hotwords == {}
    assert set(ear.hotwords) == {("不需要", "充值了", "交过了")}
    # the audio is cached: a second run renders nothing
    renders = voice.renders
    again = speech_attack(script, report, voice, ear, PromptCache(tmp_path), voices=("a", "b"), limit=2)
    assert voice.renders == renders and again.audio_cached == len(again.spoken) and again.audio_rendered == 0
    assert json.loads(json.dumps(rep.to_dict()))["hotwords"] == {}


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    script = Script.from_dict(TINY)
    report = attack(script)
    voice = _Voice()
    for kw in ({"limit": 0}, {"limit": 51}, {"law": "g729"}, {"voices": ()}):
        args: dict[str, Any] = {"voices": ("a",), "limit": 1, **kw}
        with pytest.raises(ValueError):
            speech_attack(script, report, voice, _Ear(voice), PromptCache(tmp_path), **args)


@pytest.fixture(scope="module")
def whisper(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from runtime.speech.asr import AsrError, WhisperProvider
    from runtime.speech.model_files import whisper_model_dir

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    try:
        return WhisperProvider(whisper_model_dir(tmp_path_factory.mktemp("models")), language="zh")
    except AsrError as exc:
        pytest.skip(str(exc))


@pytest.mark.audio
@pytest.mark.slow
def test_the_cli_speaks_a_tiny_script_through_espeak_g711_and_whisper(tmp_path: Path, whisper: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import runtime.speech.asr as asr_mod
    from huashu.cli.script import cli as main

    monkeypatch.setattr(asr_mod, "build_asr", lambda *a, **k: whisper)
    f = tmp_path / "tiny.json"
    f.write_text(json.dumps(TINY, ensure_ascii=False), encoding="utf-8")
    args = ["attack", str(f), "--json", "--speech", "--limit", "1", "--voices", "cmn-latn-pinyin+f3",
            "--line", "alaw", "--audio-cache", str(tmp_path / "audio")]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    sp = json.loads(res.output)["speech"]
    assert sp["utterances"] == 2 and sp["recogniser"] == "whisper" and sp["line"] == "alaw"
    assert {b["branch"] for b in sp["branches"]} == {"b_done", "b_no"}
    assert sp["audio_rendered"] == 2 and list((tmp_path / "audio").glob("*/*.wav"))
    for fail in sp["failures"]:
        assert fail["heard"] != fail["text"] or fail["rejected"]
    again = json.loads(CliRunner().invoke(main, args).output)["speech"]
    assert again["audio_cached"] == 2 and again["audio_rendered"] == 0
    # a voice espeak-ng does not have is a clear message, not a traceback
    bad = CliRunner().invoke(main, [*args[:-4], "--voices", "nosuchvoice", "--audio-cache", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "nosuchvoice" in bad.output and "Traceback" not in bad.output


def test_an_espeak_voice_variant_still_reads_chinese_as_pinyin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speech attack's second voice is ``cmn-latn-pinyin+f3``: with the variant suffix the
    text must still go to espeak-ng as toned pinyin (it used to go as characters, read as noise)."""
    import subprocess

    from runtime.speech import tts_espeak

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    sent: list[bytes] = []
    real = subprocess.run

    def spy(cmd: list[str], *a: Any, **k: Any) -> Any:
        if "--stdin" in cmd:
            sent.append(k["input"])
        return real(cmd, *a, **k)

    monkeypatch.setattr(tts_espeak.subprocess, "run", spy)
    out = tts_espeak.EspeakProvider().render("已经充值了", "cmn-latn-pinyin+f3")
    assert sent == [b"yi3 jing1 chong1 zhi2 le5"] and out.voice == "cmn-latn-pinyin+f3" and out.duration_ms > 300
