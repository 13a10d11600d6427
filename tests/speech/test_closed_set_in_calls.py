"""A recognised turn goes through the closed set on its way to the engine: the chosen branch is
taken with the hypothesis as the transcript, a rejection is no-match with the reason; the same
path serves ``huashu asr --script --node`` and ``huashu chat --audio-replies``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from designer.model import Script
from huashu.cli import cli
from runtime.calls.listening import Ear, Heard, Hearing
from runtime.dialog.engine import DialogEngine
from runtime.dialog.events import Speech
from runtime.speech.turn import NodeNotListening, hear_turn
from telephony.media.audio import write_wav
from tests.support.speech_closedset import ScriptedAsr, noise_turn

LIB = Path(__file__).resolve().parents[2] / "scripts_library"
SCRIPT = LIB / "mobile_semi_suspension.json"


@pytest.fixture(scope="module")
def script() -> Script:
    return Script.from_dict(json.loads(SCRIPT.read_text("utf-8")))


def _engine_at_open(script: Script) -> DialogEngine:
    eng = DialogEngine(script, {k: v.example for k, v in script.variables.items()})
    eng.start(0)
    assert eng.current_node == "open"
    return eng


def test_engine_takes_the_hinted_branch_and_keeps_the_hypothesis(script: Script) -> None:
    eng = _engine_at_open(script)
    eng.handle(Speech(5000, "布须要", True, 0.8, "open_no", "closed set: heard '布须要' as '不需要'"))
    turn = [t for t in eng.turns if t.customer is not None][-1]
    assert turn.branch == "open_no" and turn.customer == "布须要"
    assert "closed set: heard" in turn.why


def test_engine_no_match_says_the_closed_set_reason(script: Script) -> None:
    eng = _engine_at_open(script)
    eng.handle(Speech(5000, "今天天气怎么样", True, 0.0, None, "closed set rejected: closest phrase ..."))
    turn = [t for t in eng.turns if t.customer is not None][-1]
    assert turn.branch in (None, "open_nomatch") and turn.why.startswith("closed set rejected")


def test_ear_sends_the_closed_set_choice(script: Script) -> None:
    from runtime.dialog.compiled import compile_script
    from telephony.media.endpointing import SpeechEnded, SpeechStarted

    compiled = compile_script(script)
    got: list[Heard | Hearing] = []

    async def no_barge() -> bool:
        return False

    asr = ScriptedAsr(["号的"])
    ear = Ear(asr, False, emit=got.append, barge_in=no_barge,
              listening=lambda: compiled.listen(script.by_id["open"]), closed=compiled.closed)

    async def run() -> None:
        await ear.events([SpeechStarted(0)], b"\0" * 320)
        await ear.events([SpeechEnded(0, 800)], b"")

    asyncio.run(run())
    heard = [h for h in got if isinstance(h, Heard)]
    assert heard and heard[0].branch_hint == "open_yes" and heard[0].text == "号的"
    assert heard[0].confidence >= 0.6


def test_hear_turn_runs_vad_recogniser_and_closed_set(script: Script) -> None:
    asr = ScriptedAsr(["不需要"])
    turn = hear_turn(asr, script, "open", noise_turn())
    d = turn.to_dict()
    assert d["hypothesis"] == "不需要" and d["branch"] == "open_no" and not d["rejected"]
    assert 800 <= d["speech_ms"] <= 1800  # the burst (+ pre-roll and end silence), not the silence after it
    assert asr.asked[0]["expected"]  # the node's expected phrases reach the recogniser


def test_hear_turn_silence_is_no_speech(script: Script) -> None:
    turn = hear_turn(ScriptedAsr(["好的"]), script, "open", bytes(16000))
    assert turn.result is None and turn.to_dict()["rejected"]


def test_hear_turn_refuses_a_node_that_does_not_listen(script: Script) -> None:
    say = next(n.id for n in script.nodes if not n.listens)
    with pytest.raises(NodeNotListening, match="listening nodes: open"):
        hear_turn(ScriptedAsr([]), script, say, noise_turn())


@pytest.fixture
def fake_asr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import runtime.speech.asr as asr_mod

    def install(texts: list[str]) -> ScriptedAsr:
        fake = ScriptedAsr(texts)
        monkeypatch.setattr(asr_mod, "build_asr", lambda *a, **k: fake)
        return fake

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    return install


def test_chat_audio_replies_json_per_turn(fake_asr, tmp_path: Path) -> None:
    fake_asr(["布须要", "今天天气怎么样"])
    files = []
    for i in range(2):
        f = tmp_path / f"r{i}.wav"
        write_wav(f, noise_turn(seed=i))
        files.append(str(f))
    res = CliRunner().invoke(cli, ["chat", str(SCRIPT), "--examples", "--audio-replies", ",".join(files), "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    first = out["audio"][0]
    assert first["hypothesis"] == "布须要" and first["branch"] == "open_no" and first["confidence"] >= 0.6
    assert out["turns"][0]["branch"] == "open_no" and out["turns"][0]["customer"] == "布须要"


def test_asr_script_node_json(fake_asr, tmp_path: Path) -> None:
    fake_asr(["今天天气怎么样"])
    f = tmp_path / "r.wav"
    write_wav(f, noise_turn())
    res = CliRunner().invoke(cli, ["asr", str(f), "--script", str(SCRIPT), "--node", "open", "--json"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["hypothesis"] == "今天天气怎么样" and out["rejected"] and out["branch"] is None
    assert "closed set rejected" in out["reason"]


def test_asr_script_needs_node_and_a_listening_one(fake_asr, tmp_path: Path) -> None:
    fake_asr([])
    f = tmp_path / "r.wav"
    write_wav(f, noise_turn())
    res = CliRunner().invoke(cli, ["asr", str(f), "--script", str(SCRIPT)])
    assert res.exit_code == 2 and "--script and --node go together" in res.output
    res = CliRunner().invoke(cli, ["asr", str(f), "--script", str(SCRIPT), "--node", "nope"])
    assert res.exit_code == 2 and "listening nodes" in res.output


def test_hotwords_cli_lists_candidates(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["hotwords", str(SCRIPT), "--node", "open", "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert list(out) == ["open"] and not out["open"]["open"]
    assert {"phrase": "不需要", "branch": "open_no", "scope": "node", "source": "builtin:deny"} in out["open"]["candidates"]
