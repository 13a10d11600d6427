"""``huashu media classify``: class, confidence, decision time and evidence from a WAV file."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import COMMANDS
from huashu.cli.media import cli
from telephony.media.audio import resample, write_wav
from telephony.simulator import sounds as S


def _wav(tmp_path: Path, pcm: bytes, rate: int = 8000) -> Path:
    f = tmp_path / "clip.wav"
    write_wav(f, pcm if rate == 8000 else resample(pcm, 8000, rate), rate)
    return f


def test_registered_as_a_command_group() -> None:
    assert COMMANDS["media"][0] == "huashu.cli.media"


@pytest.mark.offline
@pytest.mark.parametrize("rate", [8000, 16000])
def test_busy_tone_json_from_an_8_or_16_khz_wav(tmp_path: Path, rate: int) -> None:
    f = _wav(tmp_path, S.busy_tone("cn", 4.0), rate)
    res = CliRunner().invoke(cli, ["classify", str(f), "--recogniser", "none", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["class"] == "busy_tone" and out["phase"] == "early" and out["machine"] is True
    assert 0 < out["decided_at_s"] < 2.0 and out["confidence"] > 0.5
    assert out["evidence"][0]["kind"] == "cadence" and "cn_busy" in out["evidence"][0]["what"]


@pytest.mark.offline
def test_text_output_names_class_time_and_evidence(tmp_path: Path) -> None:
    f = _wav(tmp_path, S.concat(S.gap(0.2), S.sit(), S.gap(1.0)))
    res = CliRunner().invoke(cli, ["classify", str(f), "--recogniser", "none"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("sit  confidence")
    assert "decided at" in res.output and "SIT 914/1371/1777 Hz" in res.output


@pytest.mark.offline
def test_follow_lists_the_ringing_before_the_verdict(tmp_path: Path) -> None:
    pcm = S.add_noise(S.concat(S.ringback("cn", 5.0), S.sit(), S.gap(1.0)), random.Random(1), 25.0)
    res = CliRunner().invoke(cli, ["classify", str(_wav(tmp_path, pcm)), "--recogniser", "none", "--follow", "--json"])
    out = json.loads(res.output)
    assert out["class"] == "sit" and out["before"][0]["class"] == "ringback"


@pytest.mark.offline
def test_not_audio_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "notes.wav"
    bad.write_text("hello")
    res = CliRunner().invoke(cli, ["classify", str(bad), "--json"])
    assert res.exit_code == 2 and "not audio" in json.loads(res.output.splitlines()[0])["error"]
    res = CliRunner().invoke(cli, ["classify", str(tmp_path / "missing.wav")])
    assert res.exit_code == 2 and "cannot read" in res.output


@pytest.mark.offline
def test_a_bad_phrase_table_is_a_clear_error(tmp_path: Path) -> None:
    f = _wav(tmp_path, S.busy_tone("cn", 2.0))
    table = tmp_path / "mine.json"
    table.write_text('{"language": "zh", "phrases": [{"label": "nobody", "text": "x"}]}')
    res = CliRunner().invoke(cli, ["classify", str(f), "--table", str(table)])
    assert res.exit_code == 2 and "mine.json: phrases[0].label 'nobody'" in res.output


@pytest.mark.audio
def test_an_announcement_file_names_the_phrase(tmp_path: Path) -> None:
    from runtime.speech.tts_espeak import EspeakProvider

    speech = S.trim_edges(EspeakProvider().render("您拨打的号码是空号，请查证后再拨", voice="cmn-latn-pinyin+m3").pcm)
    f = _wav(tmp_path, S.concat(S.prefix_tone(0), speech), 16000)
    out = json.loads(CliRunner().invoke(cli, ["classify", str(f), "--json"]).output)
    assert out["class"] == "announcement_invalid"
    assert any(e["kind"] == "phrase" and "空号" in e["what"] for e in out["evidence"])


@pytest.mark.audio
def test_json_gives_the_action_and_the_label_with_their_evidence(tmp_path: Path) -> None:
    """The shared opening 对不起，您拨打的用户 (slow) is acted on before its kind is heard."""
    from runtime.speech.tts_espeak import EspeakProvider

    speech = S.trim_edges(EspeakProvider().render("对不起，您拨打的用户已关机", voice="cmn-latn-pinyin+m3", rate=0.9).pcm)
    f = _wav(tmp_path, S.through_g711(S.concat(S.prefix_tone(0), speech, S.gap(1.5))))
    res = CliRunner().invoke(cli, ["classify", str(f), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["class"].startswith("announcement") and out["decided_at_s"] < out["labelled_at_s"]
    assert out["action"]["class"] == "announcement" and out["action"]["pending"] is True
    assert out["action"]["decided_at_s"] == out["decided_at_s"] < 2.5
    assert any(e["kind"] == "phrase" for e in out["action"]["evidence"])  # the action's evidence ...
    assert len(out["evidence"]) > len(out["action"]["evidence"])  # ... and the label's, which heard more


@pytest.mark.audio
def test_text_output_gives_the_action_time_and_the_kind_time(tmp_path: Path) -> None:
    from runtime.speech.tts_espeak import EspeakProvider

    speech = S.trim_edges(EspeakProvider().render("对不起，您拨打的用户已关机", voice="cmn-latn-pinyin+m3", rate=0.9).pcm)
    f = _wav(tmp_path, S.through_g711(S.concat(S.prefix_tone(0), speech, S.gap(1.5))))
    res = CliRunner().invoke(cli, ["classify", str(f)])
    assert res.exit_code == 0, res.output
    assert re.search(r"decided at \d+\.\d\d s, kind known at \d+\.\d\d s of", res.output), res.output
