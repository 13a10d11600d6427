"""The driver contract suite against the SIP driver, with sipp as the far end (one scenario
that picks its behaviour from the dialled user part)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from contract_suite import ContractHarness, DriverContract
from sipp.peer import Sipp, make_customer_audio

from telephony.sip import SipDriver, SipTrunk

pytestmark = [pytest.mark.sipp, pytest.mark.timeout(60)]

NUMBERS = {
    "answer": "answer",
    "answer_dtmf": "dtmf",
    "answer_hangup": "hangup",
    "busy": "busy",
    "invalid": "invalid",
    "reject": "reject",
    "ring_forever": "ring",
}


class _SippDriver(SipDriver):
    """A SIP driver that owns its far end: sipp starts with it and stops with it."""

    def __init__(self, sipp: Sipp) -> None:
        super().__init__(SipTrunk("127.0.0.1", sipp.port, transport=sipp.transport))
        self._sipp = sipp

    async def aclose(self) -> None:
        await super().aclose()
        await self._sipp.stop()


@pytest.fixture(scope="module")
def _audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox are needed to record the customer")
    return make_customer_audio(tmp_path_factory.mktemp("contract-audio"))


class TestSipDriverContract(DriverContract):
    @pytest.fixture
    def harness(self, tmp_path: Path, _audio: Path) -> ContractHarness:
        async def make() -> _SippDriver:
            sipp = Sipp("uas_contract.xml", tmp_path, keys={"audio": str(_audio)}, calls=100, timeout_s=60)
            await sipp.start()
            return _SippDriver(sipp)

        return ContractHarness(make_driver=make, numbers=NUMBERS, ring_timeout_s=10.0, timeout_s=20.0)


class TestSipDriverContractOverTcp(DriverContract):
    """The same suite with SIP over TCP (sipp ``-t t1``): one connection, Content-Length framing."""

    @pytest.fixture
    def harness(self, tmp_path: Path, _audio: Path) -> ContractHarness:
        async def make() -> _SippDriver:
            sipp = Sipp(
                "uas_contract.xml", tmp_path, keys={"audio": str(_audio)}, calls=100, timeout_s=60, transport="tcp"
            )
            await sipp.start()
            return _SippDriver(sipp)

        return ContractHarness(make_driver=make, numbers=NUMBERS, ring_timeout_s=10.0, timeout_s=20.0)
