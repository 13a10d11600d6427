"""Structured logs: every line logged while a call runs (threads and tasks too) carries its call id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from obs_helpers import simulated_call

from huashu.core.logs import (
    JsonFormatter,
    TextFormatter,
    call_context,
    configure_logging,
    current_call,
    logging_config,
)
from runtime.calls import SpeechKit
from runtime.speech.tts import RenderedPrompt
from runtime.speech.tts_base import TtsBase


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged at INFO or above, as the JSON lines a deployment would write."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _lines(buf: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buf.getvalue().splitlines() if line.strip()]


class _LoggingTts(TtsBase):
    """Logs from the render thread the session starts, as a real provider's warning would."""

    name = "log-fake"

    def render(self, text: str, voice: str | None = None, rate: float = 1.0) -> RenderedPrompt:
        logging.getLogger("obs.tts").info("rendering %d characters", len(text))
        return RenderedPrompt.of(b"\x10\x00" * 1600, self.name, "v")


def test_lines_during_a_call_carry_its_id_and_campaign(json_lines: io.StringIO) -> None:
    simulated_call("obs-call-7", campaign="c42", speech=SpeechKit(tts=_LoggingTts()))
    logging.getLogger("obs.after").info("between calls")
    lines = _lines(json_lines)
    ended = [x for x in lines if x["msg"].startswith("call ended")]
    assert len(ended) == 1
    assert ended[0]["call_id"] == "obs-call-7" and ended[0]["campaign"] == "c42"
    assert ended[0]["outcome"] == "connected" and ended[0]["talk_ms"] > 0
    renders = [x for x in lines if x["logger"] == "obs.tts"]
    assert renders and all(x["call_id"] == "obs-call-7" for x in renders)  # from a worker thread
    after = [x for x in lines if x["logger"] == "obs.after"]
    assert after and "call_id" not in after[0]


def test_campaign_defaults_to_the_request_variable_and_is_left_out_when_unknown(json_lines: io.StringIO) -> None:
    simulated_call("obs-call-8")
    ended = [x for x in _lines(json_lines) if x["msg"].startswith("call ended")]
    assert ended[0]["call_id"] == "obs-call-8" and "campaign" not in ended[0]


def test_context_nests_and_resets() -> None:
    assert current_call() == {}
    with call_context("a", campaign="1"):
        with call_context("b"):
            assert current_call() == {"call_id": "b"}
        assert current_call() == {"call_id": "a", "campaign": "1"}
    assert current_call() == {}


def test_formatters_carry_extras_errors_and_the_call() -> None:
    rec = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("once",), None)
    rec.hs_outcome = "busy"
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        rec.exc_info = sys.exc_info()
    with call_context("c-1", campaign="9"):
        out = json.loads(JsonFormatter().format(rec))
        text = TextFormatter().format(logging.LogRecord("x", logging.INFO, __file__, 1, "hi", (), None))
    assert out["msg"] == "failed once" and out["level"] == "error" and out["outcome"] == "busy"
    assert out["call_id"] == "c-1" and out["campaign"] == "9" and "ValueError: boom" in out["exc"]
    assert text.endswith("hi [call_id=c-1 campaign=9]")


@pytest.mark.parametrize("json_format", [True, False])
def test_configure_logging_writes_the_chosen_format(json_format: bool, capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("info", json_lines=json_format)
        logging.getLogger("uvicorn.access").info("GET /metrics 200")
        err = capsys.readouterr().err.strip().splitlines()[-1]
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    if json_format:
        assert json.loads(err)["logger"] == "uvicorn.access"
    else:
        assert "INFO uvicorn.access: GET /metrics 200" in err


def test_serve_picks_the_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from huashu.cli.serve import cli

    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.append(kw))
    monkeypatch.setenv("HUASHU_HOST", "127.0.0.1")  # the command sets it; restored after the test
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["--port", "18999"]).exit_code == 0  # not a terminal: JSON
        assert runner.invoke(cli, ["--port", "18999", "--log-format", "text", "--log-level", "warning"]).exit_code == 0
        bad = runner.invoke(cli, ["--log-format", "xml"])
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    fmt = [kw["log_config"]["formatters"]["hs"]["()"] for kw in seen]
    assert fmt == ["huashu.core.logs.JsonFormatter", "huashu.core.logs.TextFormatter"]
    assert seen[1]["log_level"] == "warning" and seen[1]["log_config"]["root"]["level"] == "WARNING"
    assert bad.exit_code == 2 and "xml" in bad.output
    assert logging_config("info")["loggers"]["uvicorn.access"]["propagate"] is True
