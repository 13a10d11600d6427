"""Through the real FreeSWITCH, with the project's own SIP stack as the customer: the bot's DTMF
(``uuid_send_dtmf``) reaches the customer as RFC 4733, and a customer who talks over a prompt
stops it (barge-in) on the bridged media."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import pytest

from telephony.contract import Answered, DtmfReceived, HungUp, PlaybackFinished
from telephony.sip import SipDriver, SipTrunk
from tests.freeswitch.rig import collect, driver_for, request
from tests.freeswitch.switch import Switch
from tests.support.ports import free_port

pytestmark = [pytest.mark.freeswitch, pytest.mark.timeout(60)]


def _tone(seconds: float, hz: float = 440.0) -> bytes:
    t = np.arange(int(8000 * seconds)) / 8000
    return (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tobytes()


async def _customer(switch: Switch, behaviour: Any) -> SipDriver:
    cust = SipDriver(SipTrunk("127.0.0.1", 5060, local_ip="127.0.0.1", local_port=free_port(),
                              rtp_port_range=(40000, 50000)))

    def on_incoming(invite: Any) -> None:
        async def run() -> None:
            call = await cust.accept_incoming(invite, "customer")
            await behaviour(call)

        asyncio.get_running_loop().create_task(run())

    cust.on_incoming = on_incoming
    await cust.start()
    switch.point_gateway(cust.local_address[1])
    return cust


def test_bot_dtmf_reaches_the_customer(switch: Switch) -> None:
    async def main() -> list[str]:
        keys: list[str] = []

        async def behaviour(call: Any) -> None:
            async for ev in call.events():
                if isinstance(ev, DtmfReceived):
                    keys.append(ev.digit)
                if isinstance(ev, HungUp):
                    return

        cust = await _customer(switch, behaviour)
        driver = driver_for(switch)
        try:
            call = await driver.originate(request("fs-dtmf-out"))

            async def act(ev: object) -> None:
                if isinstance(ev, Answered):
                    await call.send_dtmf("5")
                    for _ in range(50):
                        if keys:
                            break
                        await asyncio.sleep(0.1)
                    await call.hangup()

            await asyncio.wait_for(collect(call, act), 20)
        finally:
            await driver.aclose()
            await cust.aclose()
        return keys

    assert asyncio.run(main()) == ["5"]


def test_customer_talking_over_a_prompt_stops_it(switch: Switch) -> None:
    async def main() -> tuple[float, list[object]]:
        async def behaviour(call: Any) -> None:
            await asyncio.sleep(0.8)
            await call.play(_tone(1.0, 300), 1)  # the customer talks over the bot
            async for ev in call.events():
                if isinstance(ev, HungUp):
                    return

        cust = await _customer(switch, behaviour)
        driver = driver_for(switch)
        stopped_after = -1.0
        try:
            call = await driver.originate(request("fs-barge"))
            t_play = 0.0

            async def listen() -> None:
                nonlocal stopped_after
                async for frame in call.incoming_frames():
                    if np.abs(np.frombuffer(frame, dtype="<i2")).max() > 2000:
                        await call.stop_playback()
                        stopped_after = time.monotonic() - t_play
                        return

            async def act(ev: object) -> None:
                nonlocal t_play
                if isinstance(ev, Answered):
                    t_play = time.monotonic()
                    await call.play(_tone(8.0), 7)
                    asyncio.get_running_loop().create_task(listen())
                if isinstance(ev, PlaybackFinished):
                    await call.hangup()

            got = await asyncio.wait_for(collect(call, act), 20)
        finally:
            await driver.aclose()
            await cust.aclose()
        return stopped_after, got.events

    stopped_after, events = asyncio.run(main())
    finished = [e for e in events if isinstance(e, PlaybackFinished)]
    assert finished and finished[0].play_id == 7 and finished[0].interrupted
    assert 0.5 < stopped_after < 3.0, stopped_after  # stopped by the customer's voice, not the prompt's end
