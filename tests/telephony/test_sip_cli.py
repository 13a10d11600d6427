"""``huashu sip call`` against sipp: the outcome printed as JSON, and the usage errors."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sipp.peer import Sipp

from huashu.cli.sip import cli
from telephony.media.audio import write_wav


def _call(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["call", *args])
    return result.exit_code, result.output


@pytest.mark.sipp
@pytest.mark.timeout(60)
@pytest.mark.parametrize(("scenario", "number", "outcome"), [("uas_reject.xml", "1", "busy"), ("uas_echo.xml", "2", "connected")])
def test_call_prints_outcome_json(tmp_path: Path, scenario: str, number: str, outcome: str) -> None:
    wav = tmp_path / "prompt.wav"
    t = np.arange(4000) / 8000
    write_wav(wav, (5000 * np.sin(2 * math.pi * 700 * t)).astype("<i2").tobytes())

    async def main() -> tuple[int, str, int]:
        sipp = Sipp(scenario, tmp_path, keys={"status": "486", "reason": "Busy Here"}, extra=["-rtp_echo"])
        await sipp.start()
        code, out = await asyncio.to_thread(
            _call, [number, "--trunk", f"127.0.0.1:{sipp.port}", "--play", str(wav), "--json", "--ring-timeout", "5"]
        )
        return code, out, await sipp.wait()

    code, out, sipp_rc = asyncio.run(main())
    assert code == 0, out
    report = json.loads(out)
    assert report["outcome"] == outcome and sipp_rc == 0
    if outcome == "connected":
        assert report["events"][-2:] == ["PlaybackFinished", "HungUp"]
        assert report["frames_received"] > 10  # our prompt, echoed back


@pytest.mark.offline
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "--trunk", "localhost"], "HOST:PORT"),
        (["1", "--trunk", "127.0.0.1:5060", "--play", "/nonexistent.wav"], "cannot read"),
        (["1", "--trunk", "127.0.0.1:5060", "--user", "u"], "both username and password"),
    ],
)
def test_usage_errors_exit_2_with_a_message(args: list[str], message: str) -> None:
    code, out = _call(args)
    assert code == 2 and message in out


@pytest.mark.sipp
@pytest.mark.timeout(60)
def test_call_over_tcp_reports_retry_after(tmp_path: Path) -> None:
    async def main() -> tuple[int, str, int]:
        sipp = Sipp(
            "uas_reject_retry_after.xml", tmp_path, transport="tcp",
            keys={"status": "503", "reason": "Service Unavailable", "retry_after": "90"},
        )
        await sipp.start()
        code, out = await asyncio.to_thread(
            _call, ["3", "--trunk", f"127.0.0.1:{sipp.port}", "--transport", "tcp", "--json"]
        )
        return code, out, await sipp.wait()

    code, out, sipp_rc = asyncio.run(main())
    assert code == 0 and sipp_rc == 0, out
    report = json.loads(out)
    assert report["outcome"] == "network_error" and report["sip_status"] == 503
    assert report["retry_after_s"] == 90
