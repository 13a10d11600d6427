"""The SIP driver: an outbound user agent (aiosipua for messages, dialogs, digest auth,
REGISTER) with our own RTP on one shared 20 ms clock.

aiosipua covers the transaction details we would otherwise rewrite (parsing with 400 on
missing headers, 2xx ACK, CANCEL built from the INVITE, 401/407 retry, in-dialog BYE and
re-INVITE routing, REGISTER refresh); :mod:`telephony.sip.uaglue` fills its gaps, and this
module adds INVITE retransmission over UDP (timer A/B), the ring timeout and the mapping of
responses to the call's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from typing import Any

from aiosipua import SdpMessage, SipDigestAuth, SipRequest, SipResponse, SipUAS, parse_sdp
from aiosipua.registration import Registration

from huashu.core.errors import HuashuError, UserError
from telephony.contract import LineLimitReached, OriginateRequest
from telephony.outcomes import Q850_NAMES, HangupCause, cause_from_sip_status
from telephony.sip.call import CallState, SipCall
from telephony.sip.clock import MediaClock
from telephony.sip.media import CODECS
from telephony.sip.ports import RtpPortPool
from telephony.sip.retransmit import Retransmitter
from telephony.sip.routing import plan_for_uac, plan_for_uas, refresh_target
from telephony.sip.sdp import SdpError, build_sdp, choose_media
from telephony.sip.tcp import GlueTcpTransport
from telephony.sip.trunk import SipTrunk
from telephony.sip.uaglue import GlueUAC, GlueUdpTransport, in_dialog_reply, info_dtmf_digit, non2xx_ack

# ``LineLimitReached`` is the contract's (a DriverError), re-exported here because this module
# used to define its own (a bare RuntimeError) and callers import it from telephony.sip.
__all__ = ["SipDriver", "LineLimitReached", "RegistrationFailed", "reason_header"]

_log = logging.getLogger(__name__)
_T1 = 0.5
_TIMER_B = 32.0
_CANCEL_GUARD_S = 4.0
_NUMBER = re.compile(r"^[+0-9A-Za-z*._-]{1,64}$")
_HEADER_KEY = re.compile(r"[^A-Za-z0-9-]")
# No response at all (timer B): no SIP status was seen, so none is recorded (a made-up 408
# would read as "no answer" when the trunk is really unreachable).
_NO_RESPONSE = HangupCause("RECOVERY_ON_TIMER_EXPIRE", 102, None)
_Q850 = re.compile(r"Q\.850\s*;\s*cause\s*=\s*(\d+)", re.IGNORECASE)


class RegistrationFailed(HuashuError, RuntimeError):
    """The registrar refused or never answered our REGISTER."""


_RETRY_AFTER = re.compile(r"^\s*(\d{1,9})")


def _retry_after(response: SipResponse) -> int | None:
    """``Retry-After: 120 (overloaded);duration=3600`` -> 120 (RFC 3261 §20.33)."""
    m = _RETRY_AFTER.match(response.get_header("Retry-After") or "")
    return int(m.group(1)) if m else None


def reason_header(cause: str) -> str | None:
    """The RFC 3326 ``Reason`` for a FreeSWITCH cause name, when it has a Q.850 number."""
    q850 = Q850_NAMES.get(cause)
    return None if q850 is None else f'Q.850;cause={q850};text="{cause}"'


def _q850_from(response: SipResponse) -> int | None:
    m = _Q850.search(response.get_header("Reason") or "")
    return int(m.group(1)) if m else None


def _variable_headers(req: OriginateRequest) -> dict[str, str]:
    headers = {"X-Huashu-Call-Id": req.call_id}
    for key, value in req.variables.items():
        name = "X-Huashu-" + _HEADER_KEY.sub("-", key).strip("-")
        if "\r" in value or "\n" in value:
            raise UserError(f"variable {key!r} contains a line break; it cannot travel as a SIP header")
        headers[name] = value
    return headers


class SipDriver:
    """Places calls on one :class:`SipTrunk`. Start is lazy: the first originate binds the socket."""

    name = "sip"
    real_calls = True

    def __init__(self, trunk: SipTrunk, clock: MediaClock | None = None) -> None:
        self.trunk = trunk
        self.max_concurrent = trunk.max_concurrent
        self.clock = clock or MediaClock()
        self._pool = RtpPortPool(trunk.local_ip, trunk.rtp_port_range)
        self._transport: GlueUdpTransport | GlueTcpTransport | None = None
        self._uac: GlueUAC | None = None
        self._uas: SipUAS | None = None
        self._registration: Registration | None = None
        self._calls: dict[str, SipCall] = {}  # by SIP Call-ID
        self._outgoing: dict[str, Any] = {}  # SIP Call-ID -> aiosipua OutgoingCall
        self._incoming: dict[str, Any] = {}  # SIP Call-ID -> aiosipua IncomingCall (media legs)
        self._start_lock = asyncio.Lock()
        self.retransmitter = Retransmitter()  # BYE over UDP (timer E/F)
        self._auth = SipDigestAuth(trunk.username, trunk.password) if trunk.username and trunk.password else None
        self.on_incoming: Callable[[Any], None] | None = None

    @property
    def local_address(self) -> tuple[str, int]:
        if self._transport is None:
            raise RuntimeError("SIP driver not started")
        return self._transport.local_addr

    @property
    def active_calls(self) -> int:
        return len(self._calls)

    async def start(self) -> None:
        async with self._start_lock:
            if self._transport is not None:
                return
            local = (self.trunk.local_ip, self.trunk.local_port)
            transport: GlueUdpTransport | GlueTcpTransport
            if self.trunk.transport == "tcp":
                transport = GlueTcpTransport(local)
                transport.on_unreachable = self._on_unreachable
            else:
                transport = GlueUdpTransport(local_addr=local)
            self._uac = GlueUAC(transport)
            self._uas = SipUAS(transport, uac=self._uac, user_agent=self.trunk.user_agent)
            self._uas.on_bye = self._on_bye
            self._uas.on_reinvite = self._on_reinvite
            self._uas.on_invite = self._on_invite
            self._uas._handlers["INFO"] = self._on_info  # aiosipua answers INFO 405 otherwise
            await self._uas.start()
            transport.on_message = self._on_message
            self._transport = transport
            if self.trunk.register:
                await self._register()

    async def _register(self) -> None:
        assert self._uac is not None
        done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        reg = Registration(
            self._uac,
            f"sip:{self.trunk.username}@{self.trunk.domain}",
            self.trunk.address,
            auth=self._auth,
            expires=self.trunk.register_expires,
        )

        def settle(error: str | None) -> None:
            if not done.done():
                done.set_result(error)

        reg.on_registered = lambda r: settle(None)
        reg.on_failed = lambda r, code, reason: settle(f"{code} {reason}")
        self._registration = reg
        reg.register()
        try:
            error = await asyncio.wait_for(done, 5.0)
        except TimeoutError:
            error = "no answer within 5 s"
        if error is not None:
            raise RegistrationFailed(f"REGISTER to {self.trunk.host}:{self.trunk.port} failed: {error}")

    # --- Driver contract ---------------------------------------------------------------------
    async def originate(self, req: OriginateRequest) -> SipCall:
        if not _NUMBER.match(req.number):
            raise UserError(f"number {req.number!r} has characters a SIP URI user part cannot carry")
        if not _NUMBER.match(req.caller_id):
            raise UserError(f"caller id {req.caller_id!r} has characters a SIP URI user part cannot carry")
        if self.max_concurrent is not None and len(self._calls) >= self.max_concurrent:
            raise LineLimitReached(f"{len(self._calls)} calls up; trunk limit is {self.max_concurrent}")
        headers = _variable_headers(req)
        await self.start()
        assert self._uac is not None
        call = SipCall(req.call_id, self)
        _, _, port = await self._pool.bind(lambda: call.stream)
        offer = parse_sdp(build_sdp(self.trunk.local_ip, port, session_id=call.sdp_session))
        domain = self.trunk.domain
        out = self._uac.send_invite(
            f"sip:{req.caller_id}@{domain}",
            f"sip:{req.number}@{domain}",
            self.trunk.address,
            offer,
            extra_headers=headers,
            user_agent=self.trunk.user_agent,
            auth=self._auth,
        )
        self._uac.extra_headers[out.call_id] = headers
        call.sip_call_id = out.call_id
        self._calls[out.call_id] = call
        self._outgoing[out.call_id] = out
        self.clock.add(call.stream)
        loop = asyncio.get_running_loop()
        call.timers.append(loop.create_task(self._retransmit_invite(call)))
        call.timers.append(loop.create_task(self._ring_timeout(call, req.ring_timeout_s)))
        return call

    async def aclose(self) -> None:
        for call in list(self._calls.values()):
            with contextlib.suppress(Exception):
                await call.hangup()
        if any(c.state != CallState.ENDED for c in self._calls.values()):
            await asyncio.sleep(0.2)  # let 487s to our CANCELs arrive
        for call in list(self._calls.values()):
            call.finish(HangupCause("SYSTEM_SHUTDOWN", None, None), "local")
        if self._registration is not None:
            with contextlib.suppress(Exception):
                self._registration.unregister()
            await asyncio.sleep(0.05)
        await self.retransmitter.aclose(grace_s=1.0)  # unanswered BYEs get a second chance
        if self._uas is not None:
            await self._uas.stop()
        await self.clock.aclose()
        self._transport = None

    async def accept_incoming(self, invite: Any, call_id: str) -> SipCall:
        """Answer an incoming INVITE as a media leg (FreeSWITCH bridging a customer to us)."""
        if invite.sdp_offer is None:
            invite.reject(488)
            raise SdpError("incoming INVITE has no SDP offer")
        try:
            choice = choose_media(invite.sdp_offer)
        except SdpError:
            invite.reject(488)
            raise
        call = SipCall(call_id, self)
        _, _, port = await self._pool.bind(lambda: call.stream)
        self._apply_sdp(call, invite.sdp_offer)
        answer = build_sdp(
            self.trunk.local_ip, port, payload_types=(choice.payload_type,), dtmf_pt=choice.dtmf_pt,
            session_id=call.sdp_session,
        )
        invite.accept(parse_sdp(answer))
        call.sip_call_id = invite.call_id
        call.got_response = True
        self._calls[call.sip_call_id] = call
        self._incoming[call.sip_call_id] = invite
        if self._transport is not None:
            req = invite.invite
            self._transport.routes.plans[call.sip_call_id] = plan_for_uas(
                req.headers.get("contact"), req.headers.get("record-route"), invite.dialog.remote_uri
            )
        self.clock.add(call.stream)
        call.on_answered()
        return call

    # --- Signalling, used by SipCall ------------------------------------------------------
    def _stamp_reason(self, call: SipCall) -> None:
        reason = reason_header(call.hangup_reason)
        if reason is not None and self._transport is not None:
            self._transport.routes.reasons[call.sip_call_id] = reason

    def send_bye(self, call: SipCall) -> None:
        self._stamp_reason(call)
        transport = self._transport
        incoming = self._incoming.get(call.sip_call_id)
        out = self._outgoing.get(call.sip_call_id)
        if transport is None:
            return
        if incoming is not None:
            bye, first_addr = incoming.hangup(), incoming.source_addr
        elif out is not None and self._uac is not None:
            bye, first_addr = out.hangup(self._uac), out.remote_addr
        else:
            return
        if bye is not None and not transport.reliable and bye.cseq is not None:
            # The first send rewrote Request-URI/Route; keep its next hop for the resends,
            # because the dialog's plan is dropped when the call is released.
            dest = transport.routes.route(bye, first_addr)
            self.retransmitter.start((call.sip_call_id, bye.cseq.seq, "BYE"), lambda: transport.send(bye, dest))

    def send_cancel(self, call: SipCall) -> bool:
        out = self._outgoing.get(call.sip_call_id)
        if out is None or self._uac is None or not call.got_response:
            return False  # RFC 3261 9.1: no CANCEL before a provisional response
        self._stamp_reason(call)
        if out.cancel(self._uac) is None:
            return False
        call.cancel_sent = True
        call.timers.append(asyncio.get_running_loop().create_task(self._cancel_guard(call)))
        return True

    def send_refer(self, call: SipCall, destination: str) -> None:
        out = self._outgoing.get(call.sip_call_id)
        if out is None or self._uac is None:
            raise RuntimeError(f"call {call.call_id} has no dialog to transfer")
        target = destination if destination.startswith("sip:") else f"sip:{destination}@{self.trunk.domain}"
        self._uac.send_refer(out.dialog, target, self.trunk.address)

    def release(self, call: SipCall) -> None:
        self.clock.remove(call.stream)
        self._pool.release(call.stream.local_port)
        self._calls.pop(call.sip_call_id, None)
        self._outgoing.pop(call.sip_call_id, None)
        incoming = self._incoming.pop(call.sip_call_id, None)
        if self._transport is not None:
            self._transport.routes.plans.pop(call.sip_call_id, None)
            self._transport.routes.reasons.pop(call.sip_call_id, None)
        if self._uac is not None:
            self._uac.extra_headers.pop(call.sip_call_id, None)
            self._uac.remove_call(call.sip_call_id)
        if incoming is not None and self._uas is not None:
            # aiosipua keeps answered incoming calls until a BYE arrives; ours ended here.
            incoming._stop_retransmissions()
            self._uas._calls.pop(call.sip_call_id, None)

    # --- timers -----------------------------------------------------------------------------
    async def _retransmit_invite(self, call: SipCall) -> None:
        """Timer A/B (RFC 3261 17.1.1.2): resend the INVITE until any response, give up at 32 s.

        Over TCP only timer B runs: the transport is reliable, a resend would be a duplicate.
        """
        interval, waited = _T1, 0.0
        reliable = self._transport is not None and self._transport.reliable
        while not call.got_response and call.state == CallState.CALLING:
            if waited >= _TIMER_B:
                call.finish(_NO_RESPONSE, "network")
                return
            await asyncio.sleep(interval)
            waited += interval
            out = self._outgoing.get(call.sip_call_id)
            if out is not None and not call.got_response and self._transport is not None and not reliable:
                self._transport.send(out.invite, self.trunk.address)
            interval = min(interval * 2, 4.0)

    def _on_unreachable(self, lost: list[Any], addr: tuple[str, int], error: str) -> None:
        """A TCP connect failed: calls whose INVITE was waiting on it end now as network errors."""
        for message in lost:
            if isinstance(message, SipRequest) and message.method == "INVITE":
                call = self._calls.get(message.call_id or "")
                if call is not None and not call.got_response:
                    _log.warning("call %s: %s:%d unreachable over TCP: %s", call.call_id, *addr, error)
                    call.finish(HangupCause("NETWORK_OUT_OF_ORDER", 38, None), "network")

    async def _ring_timeout(self, call: SipCall, timeout: float) -> None:
        await asyncio.sleep(timeout)
        if call.state not in (CallState.CALLING, CallState.EARLY) or call.cancel_sent:
            return
        call.hangup_reason = "NO_ANSWER"
        if not self.send_cancel(call):
            # Nothing answered our INVITE at all: the trunk is down, not the customer.
            call.finish(_NO_RESPONSE, "network")

    async def _cancel_guard(self, call: SipCall) -> None:
        await asyncio.sleep(_CANCEL_GUARD_S)
        call.finish(HangupCause("ORIGINATOR_CANCEL", None, 487), "local")

    # --- incoming SIP -------------------------------------------------------------------------
    def _on_message(self, msg: SipRequest | SipResponse, addr: tuple[str, int]) -> None:
        assert self._uas is not None and self._uac is not None
        if isinstance(msg, SipResponse):
            cseq = msg.cseq
            if cseq is not None and cseq.method.upper() == "INVITE":
                self._on_invite_response(msg, addr)
            elif cseq is not None and cseq.method.upper() == "BYE":
                self.retransmitter.answered((msg.call_id or "", cseq.seq, "BYE"))
            self._uac.handle_response(msg, addr)
        else:
            self._uas._on_message(msg, addr)

    def _on_invite_response(self, resp: SipResponse, addr: tuple[str, int]) -> None:
        status = resp.status_code
        if status >= 300:
            self._ack_failure(resp, addr)
        call = self._calls.get(resp.call_id or "")
        if call is None:
            return
        call.got_response = True
        if status < 300:
            self._learn_route(call, resp)
        if status < 200 and call.cancel_pending and not call.cancel_sent:
            call.cancel_pending = False
            self.send_cancel(call)
            return
        if status < 200:
            has_sdp = bool(resp.body) and resp.content_type == "application/sdp"
            if has_sdp and self._apply_sdp(call, resp.text):
                call.on_early_media()
            if status == 180 or (status != 100 and not has_sdp):
                call.on_ringing()
            return
        if status < 300:
            if resp.body and resp.content_type == "application/sdp" and not self._apply_sdp(call, resp.text):
                asyncio.get_running_loop().call_soon(self._bye_after_ack, call, "INCOMPATIBLE_DESTINATION")
                return
            if call.cancel_sent or call.cancel_pending or call.state == CallState.ENDED:
                # 200 crossed our CANCEL (RFC 3261 9.1): ACK it (aiosipua does) and hang up.
                asyncio.get_running_loop().call_soon(self._bye_after_ack, call, "ORIGINATOR_CANCEL")
                return
            call.on_answered()
            return
        out = self._outgoing.get(call.sip_call_id)
        if status in (401, 407) and self._auth is not None and out is not None and out._auth_attempts == 0:
            return  # aiosipua retries with credentials
        if status == 487 or call.cancel_sent:
            call.finish(cause_from_sip_status(487), "local")
            return
        call.retry_after_s = _retry_after(resp)
        by = "network" if 500 <= status < 600 else "remote"
        call.finish(cause_from_sip_status(status, _q850_from(resp)), by)  # type: ignore[arg-type]

    def _learn_route(self, call: SipCall, resp: SipResponse) -> None:
        """Remote target and route set from a dialog-creating response, before its ACK goes out.

        RFC 3261 §12.1.2 / §13.2.2.4: a 1xx with a To tag or the 2xx sets both (the 2xx
        recomputes them); once answered, a 2xx (to a re-INVITE) only refreshes the target.
        """
        to = resp.to_addr
        if self._transport is None or to is None or not to.tag or resp.status_code == 100:
            return
        plans = self._transport.routes.plans
        contact = resp.headers.get("contact")
        current = plans.get(call.sip_call_id)
        out = self._outgoing.get(call.sip_call_id)
        if current is not None and call.state == CallState.ANSWERED:
            plans[call.sip_call_id] = refresh_target(current, contact)
        else:
            fallback = out.dialog.remote_uri if out is not None else f"sip:{self.trunk.host}:{self.trunk.port}"
            plans[call.sip_call_id] = plan_for_uac(contact, resp.headers.get("record-route"), fallback)
        if out is not None:
            out.dialog.remote_target = plans[call.sip_call_id].remote_target
            out.dialog.route_set = list(plans[call.sip_call_id].route_set)

    def _bye_after_ack(self, call: SipCall, cause: str) -> None:
        self.send_bye(call)
        sip_status = 487 if cause == "ORIGINATOR_CANCEL" else None
        call.finish(HangupCause(cause, None, sip_status), "local")

    def _apply_sdp(self, call: SipCall, sdp: SdpMessage | str) -> bool:
        try:
            choice = choose_media(sdp)
        except (SdpError, ValueError) as exc:
            _log.warning("call %s: unusable SDP from the peer: %s", call.call_id, exc)
            return False
        stream = call.stream
        stream.symmetric = self.trunk.symmetric_rtp
        if not (stream.symmetric and stream.latched):
            stream.remote = choice.address
        stream.codec = CODECS[choice.payload_type]
        stream.dtmf_pt = choice.dtmf_pt
        stream.sending = choice.direction in ("sendrecv", "recvonly") and choice.address[1] != 0
        return True

    def _ack_failure(self, resp: SipResponse, addr: tuple[str, int]) -> None:
        """ACK a non-2xx final response in the INVITE's transaction (RFC 3261 17.1.1.3)."""
        assert self._transport is not None
        ack = non2xx_ack(resp)
        if ack is not None:
            self._transport.send(ack, self.trunk.address)

    def _on_info(self, request: SipRequest, addr: tuple[str, int]) -> None:
        """SIP INFO DTMF, for carriers that signal keys that way instead of RFC 4733."""
        assert self._transport is not None
        call = self._calls.get(request.call_id or "")
        if call is None:
            self._transport.send_reply(in_dialog_reply(request, 481, "Call/Transaction Does Not Exist"))
            return
        digit = info_dtmf_digit(request.content_type, request.text)
        if request.body and digit is None:
            self._transport.send_reply(in_dialog_reply(request, 415, "Unsupported Media Type"))
            return
        self._transport.send_reply(in_dialog_reply(request, 200, "OK"))
        if digit is not None:
            call.on_dtmf(digit)

    def _on_bye(self, wrapper: Any, request: SipRequest) -> None:
        call = self._calls.get(request.call_id or "")
        if call is not None:
            call.finish(HangupCause("NORMAL_CLEARING", 16, None), "remote")

    def _on_reinvite(self, wrapper: Any) -> None:
        """Answer a re-INVITE (hold, unhold, new address) with our SDP, mirroring direction."""
        call = self._calls.get(wrapper.call_id)
        if call is None:
            wrapper.reject(481)
            return
        plans = self._transport.routes.plans if self._transport is not None else {}
        if wrapper.call_id in plans:  # a re-INVITE is a target refresh (RFC 3261 §12.2.2)
            plans[wrapper.call_id] = refresh_target(plans[wrapper.call_id], wrapper.invite.headers.get("contact"))
        direction = "sendrecv"
        if wrapper.sdp_offer is not None:
            try:
                choice = choose_media(wrapper.sdp_offer)
            except SdpError as exc:
                _log.warning("call %s: re-INVITE SDP refused: %s", call.call_id, exc)
                wrapper.reject(488)
                return
            self._apply_sdp(call, wrapper.sdp_offer)
            direction = {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive"}.get(
                choice.direction, "sendrecv"
            )
        call.sdp_version += 1
        answer = build_sdp(
            self.trunk.local_ip,
            call.stream.local_port,
            payload_types=(call.stream.codec.payload_type,),
            dtmf_pt=call.stream.dtmf_pt,
            direction=direction,
            session_id=call.sdp_session,
            version=call.sdp_version,
        )
        wrapper.accept(parse_sdp(answer))

    def _on_invite(self, wrapper: Any) -> None:
        if self.on_incoming is not None:
            self.on_incoming(wrapper)
        else:
            wrapper.reject(403, "Outbound Only")

