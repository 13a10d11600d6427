"""The FreeSWITCH driver: originate through a gateway over the Event Socket, follow the
channel events, and take the answered customer's audio on the runtime's SIP endpoint.

Calls survive a dropped socket: the driver keeps every live call by its origination UUID
(which we choose), reconnects with backoff, re-subscribes, and asks FreeSWITCH about each
call (``uuid_exists``, ``uuid_dump``) to catch up on what happened while it was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid as uuidlib
from typing import Any

from huashu.core.telephony_settings import FreeswitchSettings
from telephony.contract import HangupBy, LineLimitReached, OriginateRequest
from telephony.freeswitch.call import FsCall
from telephony.freeswitch.client import EslClient, EslError
from telephony.freeswitch.commands import originate_command
from telephony.freeswitch.events import CHANNEL_EVENTS, NETWORK_CAUSES
from telephony.freeswitch.limits import CpsPacer
from telephony.freeswitch.protocol import EslEvent
from telephony.outcomes import HangupCause, cause_from_freeswitch
from telephony.sip.driver import SipDriver
from telephony.sip.trunk import SipTrunk

__all__ = ["FreeswitchDriver", "LineLimitReached"]  # the contract's, re-exported for old imports

_log = logging.getLogger(__name__)


def _dump_headers(text: str) -> dict[str, str]:
    """``uuid_dump`` output: ``Name: value`` lines (values URL-encoded like events)."""
    from urllib.parse import unquote

    out: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            out.setdefault(name.strip(), unquote(value.strip()))
    return out


class FreeswitchDriver:
    name = "freeswitch"
    real_calls = True

    def __init__(self, settings: FreeswitchSettings, media: SipDriver | None = None) -> None:
        self.settings = settings
        self.max_concurrent = settings.max_concurrent
        self._pacer = CpsPacer(self._paced_cps(None))
        self.switch_sessions_per_second: int | None = None  # what the switch said when we connected
        self._calls: dict[str, FsCall] = {}  # by FreeSWITCH UUID
        self._by_call_id: dict[str, FsCall] = {}
        self._jobs: dict[str, FsCall] = {}  # bgapi Job-UUID -> call
        self._starting = 0
        self.client = EslClient(
            settings.host,
            settings.port,
            settings.password,
            CHANNEL_EVENTS,
            self._on_event,
            on_connected=self._reattach,
            backoff_s=(0.1, settings.reconnect_max_s),
        )
        if media is None and settings.media_endpoint:
            media = SipDriver(
                SipTrunk(
                    settings.host,
                    local_ip=settings.media_listen_ip,
                    local_port=settings.media_listen_port,
                    rtp_port_range=(settings.media_rtp_port_min, settings.media_rtp_port_max),
                )
            )
        self.media = media
        self._started = False
        self._start_lock = asyncio.Lock()

    @property
    def active_calls(self) -> int:
        return len(self._calls) + self._starting

    async def start(self) -> None:
        async with self._start_lock:
            if self._started:
                return
            if self.media is not None:
                self.media.on_incoming = self._on_media_invite
                await self.media.start()
            await self.client.start()
            if self.switch_sessions_per_second is None:
                await self._read_session_rate()  # pace the first calls to the switch's limit too
            self._started = True

    async def aclose(self) -> None:
        for call in list(self._calls.values()):
            with contextlib.suppress(EslError):
                await call.hangup()
        for call in list(self._calls.values()):
            call.finish_without_event(cause_from_freeswitch("SYSTEM_SHUTDOWN"), "local")
        await self.client.aclose()
        if self.media is not None:
            await self.media.aclose()

    async def originate(self, req: OriginateRequest) -> FsCall:
        if self.max_concurrent is not None and self.active_calls >= self.max_concurrent:
            raise LineLimitReached(f"{self.active_calls} calls up; FreeSWITCH line limit is {self.max_concurrent}")
        uuid = str(uuidlib.uuid4())
        cmd = originate_command(
            uuid=uuid,
            gateway=self.settings.gateway,
            number=req.number,
            caller_id=req.caller_id,
            call_id=req.call_id,
            ring_timeout_s=req.ring_timeout_s,
            variables=req.variables,
            media_endpoint=self.settings.media_endpoint,
            early_media=self.settings.early_media,
        )
        await self.start()
        self._starting += 1
        try:
            await self._pacer.wait()
            call = FsCall(req.call_id, uuid, self)
            job = str(uuidlib.uuid4())
            self._calls[uuid] = call
            self._by_call_id[req.call_id] = call
            self._jobs[job] = call
            try:
                await self.client.bgapi(cmd, job)
            except EslError:
                self.release(call)
                raise
            call.timers.append(asyncio.get_running_loop().create_task(call.ring_timeout(req.ring_timeout_s)))
        finally:
            self._starting -= 1
        return call

    def release(self, call: FsCall) -> None:
        self._calls.pop(call.uuid, None)
        self._by_call_id.pop(call.call_id, None)
        for job, c in list(self._jobs.items()):
            if c is call:
                del self._jobs[job]

    # --- events ----------------------------------------------------------------------------
    def _on_event(self, event: EslEvent) -> None:
        if event.name == "BACKGROUND_JOB":
            self._on_job(event)
            return
        call = self._calls.get(event.uuid)
        if call is None:
            return  # not ours (other legs, other applications on the same switch)
        call.on_event(event)

    def _on_job(self, event: EslEvent) -> None:
        """``originate`` finished: ``+OK <uuid>`` (events tell the rest) or ``-ERR <CAUSE>``."""
        call = self._jobs.pop(event.get("Job-UUID"), None)
        if call is None:
            return
        result = event.body.strip()
        if result.startswith("-ERR"):
            cause = (result[4:].strip() or "NORMAL_UNSPECIFIED").split()[0]
            # The CHANNEL_HANGUP_COMPLETE (with who and the SIP status) usually came first;
            # without one (GATEWAY_DOWN, no route ...) the job's result is all there is.
            by: HangupBy = "network" if cause in NETWORK_CAUSES else "remote"
            # No SIP status was seen: keep none, as FsCallState.hangup does without
            # sip_term_status (an inferred 408 would make a dead gateway's timer "no answer").
            named = cause_from_freeswitch(cause)
            call.finish_without_event(HangupCause(named.name, named.q850, None), by)

    def _paced_cps(self, switch_sps: int | None) -> float:
        """Calls a second: the configured CPS, but never more than the switch's session rate allows.

        Each bridged call costs the switch two sessions; above ``sessions-per-second`` FreeSWITCH
        refuses the second leg (``Throttle Error!``) and the customer, already answered, hears
        nothing. The switch counts sessions per whole second (a counter refilled each second),
        so evenly spaced calls can put ``cps + 1`` starts into one second: one call a second
        of headroom, and 10 % for timing jitter, measured on the real switch (tests/freeswitch).
        """
        sps = float(switch_sps or self.settings.switch_sessions_per_second)
        per_call = self.settings.sessions_per_call
        limit = max(0.5, min(sps * 0.9 / per_call, sps / per_call - 1))
        return min(self.settings.cps, limit) if self.settings.cps else limit

    async def _read_session_rate(self) -> None:
        """``status`` says "... per Sec out of max N": pace to the switch's real limit."""
        try:
            text = await self.client.api("status")
        except EslError as exc:
            _log.warning("cannot read FreeSWITCH's session rate: %s", exc)
            return
        m = re.search(r"per Sec out of max (\d+)", text)
        if m is None:
            return
        sps = int(m.group(1))
        self.switch_sessions_per_second = sps
        if sps < self.settings.switch_sessions_per_second:
            _log.warning(
                "FreeSWITCH allows %s sessions a second, settings assume %s (sessions-per-second in switch.conf.xml,"
                " huashu_sessions_per_second in vars_huashu.xml); pacing to %.1f calls a second",
                sps, self.settings.switch_sessions_per_second, self._paced_cps(sps),
            )
        self._pacer.set_rate(self._paced_cps(min(sps, self.settings.switch_sessions_per_second)))

    async def _reattach(self) -> None:
        """After a reconnect: find out what became of every call we were following."""
        following = list(self._calls.items())  # not calls originated while this runs
        await self._read_session_rate()
        for uuid, call in following:
            try:
                exists = (await self.client.api(f"uuid_exists {uuid}")).strip() == "true"
            except EslError as exc:
                _log.warning("re-attaching call %s failed: %s", call.call_id, exc)
                continue
            if not exists:
                if not call.seen_channel:
                    continue  # originate still running: the channel may not exist yet
                # It ended while we were away and FreeSWITCH keeps no record we can ask for.
                call.finish_without_event(HangupCause("NORMAL_UNSPECIFIED", 31, None), "network")
                continue
            try:
                dump = _dump_headers(await self.client.api(f"uuid_dump {uuid}"))
            except EslError:
                continue
            state = dump.get("Answer-State", "")
            catch_up = {"ringing": ["CHANNEL_PROGRESS"], "early": ["CHANNEL_PROGRESS_MEDIA"],
                        "answered": ["CHANNEL_ANSWER"]}.get(state, [])
            for name in catch_up:
                call.on_event(EslEvent({**dump, "Event-Name": name, "Unique-ID": uuid}))

    # --- media legs --------------------------------------------------------------------------
    def _on_media_invite(self, invite: Any) -> None:
        call_id = invite.invite.headers.get_first("X-Huashu-Call-Id") if invite.invite is not None else None
        call = self._by_call_id.get(call_id or "")
        if call is None:
            _log.warning("media INVITE for unknown call %r refused", call_id)
            invite.reject(404, "Unknown Huashu Call")
            return
        asyncio.get_running_loop().create_task(self._accept_leg(invite, call))

    async def _accept_leg(self, invite: Any, call: FsCall) -> None:
        assert self.media is not None
        try:
            leg = await self.media.accept_incoming(invite, call.call_id)
        except Exception as exc:
            _log.warning("media leg for call %s refused: %s", call.call_id, exc)
            return
        call.attach_media(leg)
