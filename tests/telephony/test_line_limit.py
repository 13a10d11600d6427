"""One ``LineLimitReached`` for every driver: the contract's, so the dialer's ``except`` catches them all.

``runtime.calls.session`` (``run_call``) catches ``telephony.contract.LineLimitReached`` and
hands it to the dialer, which waits for a free line; every other ``DriverError`` becomes a
``network_error`` attempt. A driver raising a look-alike class would slip past the first
clause (and, being no ``DriverError``, past the second as an unexpected crash).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Coroutine
from typing import Any

import pytest
from esl_fixtures.fake_freeswitch import FakeFreeswitch
from sipp.peer import free_udp_port

from telephony import contract
from telephony.contract import DriverError, OriginateRequest

pytestmark = [pytest.mark.offline, pytest.mark.timeout(60)]


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


async def dial(driver: Any, call_id: str) -> str:
    """What run_call does with ``originate``: a full driver is "wait", any other failure an error."""
    try:
        await driver.originate(OriginateRequest("ring", "95500", call_id, ring_timeout_s=20))
    except contract.LineLimitReached:
        return "full"
    except DriverError:
        return "driver error"
    return "dialled"


def test_old_import_paths_name_the_contract_class() -> None:
    from telephony.freeswitch.driver import LineLimitReached as from_freeswitch
    from telephony.sip import LineLimitReached as from_sip
    from telephony.sip.driver import LineLimitReached as from_sip_driver

    assert from_sip is from_sip_driver is from_freeswitch is contract.LineLimitReached
    assert issubclass(contract.LineLimitReached, DriverError)


def test_a_full_sip_driver_raises_the_contract_class() -> None:
    from telephony.sip import SipDriver, SipTrunk

    async def main() -> tuple[str, str]:
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a trunk that never answers
        sink.bind(("127.0.0.1", 0))
        driver = SipDriver(SipTrunk("127.0.0.1", sink.getsockname()[1], max_concurrent=1))
        try:
            return await dial(driver, "first"), await dial(driver, "second")
        finally:
            await driver.aclose()
            sink.close()

    assert run(main()) == ("dialled", "full")


def test_a_full_freeswitch_driver_raises_the_contract_class() -> None:
    from telephony.freeswitch import FreeswitchDriver, FreeswitchSettings

    async def main() -> tuple[str, str]:
        fake = FakeFreeswitch()
        await fake.start()
        port = free_udp_port()
        driver = FreeswitchDriver(FreeswitchSettings(
            port=fake.port, gateway="carrier", media_endpoint=f"huashu@127.0.0.1:{port}",
            media_listen_port=port, max_concurrent=1,
        ))
        try:
            return await dial(driver, "first"), await dial(driver, "second")
        finally:
            await driver.aclose()
            await fake.aclose()

    assert run(main()) == ("dialled", "full")
