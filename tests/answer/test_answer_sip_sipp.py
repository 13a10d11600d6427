"""Over SIP against sipp: a recorded operator announcement in 183 early media, and one after
200 OK, reach the answer classifier through the SIP driver's media; the call ends with the
announcement's outcome (we CANCEL, or BYE before the bot says a word)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from runtime.answer.consequences import AnswerSetup
from runtime.answer.references import default_spotter
from runtime.calls import run_call
from telephony.contract import OriginateRequest
from telephony.outcomes import Outcome
from telephony.sip import SipDriver, SipTrunk
from tests.support.amd_scenes import announcement_ulaw
from tests.support.scripts import library_script
from tests.telephony.sipp.peer import Sipp

pytestmark = [pytest.mark.sipp, pytest.mark.audio]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class _Sipp(Sipp):
    """sipp with a scenario from this folder (the shared peer reads tests/telephony/sipp)."""

    def _render(self) -> Path:
        text = (HERE / "sipp" / self.scenario).read_text()
        for k, v in self.keys.items():
            text = text.replace(f"[{k}]", v)
        out = self.workdir / f"{self.port}-{self.scenario}"
        out.write_text(text)
        return out


@pytest.mark.parametrize(("scenario", "text", "outcome"), [
    ("uas_announcement_early.xml", "您拨打的电话已停机", Outcome.ANNOUNCEMENT_SUSPENDED),
    ("uas_announcement_answered.xml", "您拨打的电话暂时无法接通，请稍后再拨", Outcome.ANNOUNCEMENT_UNREACHABLE),
])
def test_announcement_over_sip_ends_the_call_with_its_outcome(tmp_path: Path, scenario: str, text: str,
                                                              outcome: Outcome) -> None:
    audio = announcement_ulaw(tmp_path, text)
    spotter = default_spotter(("zh",))

    async def main() -> None:
        sipp = _Sipp(scenario, tmp_path, keys={"audio": str(audio)}, timeout_s=30.0)
        await sipp.start()
        driver = SipDriver(SipTrunk("127.0.0.1", sipp.port))
        try:
            res = await run_call(driver, OriginateRequest("1009", "95500", "ann-1"), library_script(), {"extra_fee": 3},
                                 answer=AnswerSetup(spotter=spotter))
            assert await sipp.wait() == 0, sipp.errors()
        finally:
            await driver.aclose()
        assert res.outcome is outcome, res.answer
        verdict = res.answer[-1]
        assert verdict["class"] == outcome.value
        assert any(e["kind"] == "phrase" for e in verdict["evidence"])
        assert verdict["decided_at_s"] < 4.5
        assert res.engine_record is None or not res.engine_record.turns  # the bot never spoke to it

    asyncio.run(main())
