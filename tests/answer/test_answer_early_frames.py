"""Frames heard before answer that nobody read (early media on, the answer classifier off for
the task, or read late) are dropped at the answer: the bot's first turn must not hear seconds
of stale ringback or announcement as the customer (SIP leg; the FreeSWITCH call drops its
bridged leg's the same way when the customer leg answers)."""

from __future__ import annotations

import asyncio

from telephony.sip.call import CallState, SipCall


class _Sig:
    def send_bye(self, call: SipCall) -> None: ...
    def send_cancel(self, call: SipCall) -> bool:
        return True
    def send_refer(self, call: SipCall, destination: str) -> None: ...
    def release(self, call: SipCall) -> None: ...


def test_early_frames_nobody_read_are_dropped_at_answer() -> None:
    async def main() -> tuple[list[bytes], SipCall]:
        call = SipCall("c1", _Sig())
        call.on_early_media()
        assert call.state == CallState.EARLY
        for _ in range(200):  # 4 s of early media (ringback, an announcement) nobody reads
            call._on_frame(b"\x01" * 320)
        call.on_answered()
        call._on_frame(b"\x02" * 320)  # the customer's first words
        got: list[bytes] = []
        async for f in call.incoming_frames():
            got.append(f)
            break
        return got, call

    got, call = asyncio.run(main())
    assert got == [b"\x02" * 320]
    assert call.early_frames_dropped == 200


def test_frames_after_answer_are_kept_and_the_end_is_not_lost() -> None:
    async def main() -> list[bytes]:
        call = SipCall("c2", _Sig())
        call.on_answered()
        call._on_frame(b"\x03" * 320)
        call._push_frame(None)
        assert call.drop_queued_frames() == 1  # a second answer-time drop keeps the hang-up mark
        return [f async for f in call.incoming_frames()]

    assert asyncio.run(main()) == []
