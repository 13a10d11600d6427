"""A scripted FreeSWITCH on a real TCP port: mod_event_socket's framing and replies (quoted
from its source), the fixture events replayed for each originated call, and optionally the
bridge to the runtime's SIP endpoint (a real SIP leg with audio, placed with our SIP driver).

The dialled number picks the script: answer, dtmf, hangup (customer hangs up), busy, invalid,
reject, ring (rings until uuid_kill), drop (answers, then the socket drops), gwdown
(no channel, the originate job fails with GATEWAY_DOWN), late (early media for 0.5 s, then
the answer).

``originate`` returns as FreeSWITCH's does: on the answer, or already on early media unless
``ignore_early_media`` is true (``switch_ivr_originate.c``: ``early_ok = 1`` by default, line
2227; cleared by a true ``ignore_early_media``, lines 2534-2537; success on ``CF_EARLY_MEDIA``
when ``early_ok``, line 777). Only then does the ``&bridge`` application run
(``mod_commands.c`` ``originate_function``, lines 5164-5191), so a bridge placed during early
media reaches the runtime before the customer answered; ``bridged_before_answer`` says so.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from telephony.contract import OriginateRequest
from telephony.sip import SipDriver, SipTrunk
from telephony.sip.call import SipCall

__all__ = ["FakeFreeswitch", "FIXTURES", "frame_event", "fixture"]

FIXTURES = Path(__file__).resolve().parent
FIXTURE_UUID = "5c2a7c2e-3f4b-4d7a-9e6c-1b2d3e4f5a6b"
AUTH_REQUEST = b"Content-Type: auth/request\n\n"
DISCONNECT = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

_CAUSES = {"busy": ("USER_BUSY", "17", "486"), "invalid": ("UNALLOCATED_NUMBER", "1", "404"),
           "reject": ("CALL_REJECTED", "21", "603")}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def frame_event(body: bytes) -> bytes:
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(body) + body


def command_reply(text: str) -> bytes:
    return f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode()


def api_response(text: str) -> bytes:
    data = text.encode()
    return b"Content-Type: api/response\nContent-Length: %d\n\n" % len(data) + data


def _hangup_body(uuid: str, call_id: str, cause: str, q850: str, status: str, disposition: str) -> bytes:
    body = fixture("channel_hangup_complete.event").decode()
    body = body.replace("NORMAL_CLEARING", cause).replace("cause_q850: 16", f"cause_q850: {q850}")
    body = body.replace("sip_term_status: 200", f"sip_term_status: {status}")
    body = body.replace("recv_bye", disposition)
    return body.replace(FIXTURE_UUID, uuid).replace("call-42", call_id).encode()


@dataclass
class _Call:
    uuid: str
    call_id: str
    number: str
    job: str
    bridge: str | None
    early_ok: bool = True
    answered: bool = False
    bridged_before_answer: bool | None = None
    ended: bool = False
    leg: SipCall | None = None
    task: asyncio.Task[None] | None = None


@dataclass
class FakeFreeswitch:
    password: str = "ClueCon"
    tone_hz: float = 600.0
    port: int = 0
    commands: list[str] = field(default_factory=list)
    calls: dict[str, _Call] = field(default_factory=dict)
    connections: int = 0
    bgapi_times: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self._sip: SipDriver | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def aclose(self) -> None:
        for c in self.calls.values():
            if c.task is not None:
                c.task.cancel()
        for w in self._writers:
            w.close()
        if self._server is not None:
            self._server.close()
        if self._sip is not None:
            await self._sip.aclose()

    def drop_connections(self) -> None:
        """The socket drops (FreeSWITCH restarted its module, a network blip ...)."""
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    # --- the wire -------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.write(AUTH_REQUEST)
        authed = False
        try:
            while True:
                block = await reader.readuntil(b"\n\n")
                lines = block.decode().strip("\n").split("\n")
                cmd, headers = lines[0], dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
                self.commands.append(cmd)
                if not authed:
                    if cmd == f"auth {self.password}":
                        authed = True
                        writer.write(command_reply("+OK accepted"))
                    else:
                        writer.write(command_reply("-ERR invalid"))
                        writer.write(b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n" % len(DISCONNECT))
                        writer.write(DISCONNECT)
                        await writer.drain()
                        writer.close()
                        return
                elif cmd.startswith("event plain"):
                    writer.write(command_reply("+OK event listener enabled plain"))
                    self._writers.append(writer)
                elif cmd.startswith("bgapi originate "):
                    job = headers["Job-UUID"]
                    writer.write(f"Content-Type: command/reply\nReply-Text: +OK Job-UUID: {job}\nJob-UUID: {job}\n\n".encode())
                    self.bgapi_times.append(asyncio.get_running_loop().time())
                    self._originate(cmd.removeprefix("bgapi originate "), job)
                elif cmd.startswith("api "):
                    writer.write(api_response(await self._api(cmd[4:])))
                else:
                    writer.write(command_reply("-ERR command not found"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)

    def _emit(self, body: bytes) -> None:
        for w in self._writers:
            w.write(frame_event(body))

    def _event(self, name: str, call: _Call) -> None:
        body = fixture(name).decode().replace(FIXTURE_UUID, call.uuid).replace("call-42", call.call_id)
        self._emit(body.encode())

    def _job_done(self, call: _Call, result: str) -> None:
        body = fixture("background_job.event").decode()
        body = body.replace("7f4db78a-17d7-11dd-b7a0-db4edd065621", call.job)
        body = body.replace("Content-Length: 41\n\n+OK 7f4de4bc-17d7-11dd-b7a0-db4edd065621\n", "")
        data = (result + "\n").encode()
        self._emit(body.encode() + b"Content-Length: %d\n\n" % len(data) + data)

    def _hangup(self, call: _Call, cause: str, q850: str, status: str, disposition: str) -> None:
        if call.ended:
            return
        call.ended = True
        self._emit(_hangup_body(call.uuid, call.call_id, cause, q850, status, disposition))
        if call.leg is not None:
            call.leg.close()

    # --- the scripts ----------------------------------------------------------------------------
    def _originate(self, args: str, job: str) -> None:
        uuid = re.search(r"origination_uuid=([0-9a-f-]+)", args)
        call_id = re.search(r"huashu_call_id=([^,}]+)", args)
        number = re.search(r"sofia/gateway/[^/]+/(\S+)", args)
        bridge = re.search(r"&bridge\(\[[^\]]*\]sofia/external/([^)]+)\)", args)
        assert uuid and call_id and number, args
        ignore = re.search(r"ignore_early_media=([^,}]+)", args)
        # switch_true() values, and the two other modes that also clear early_ok
        early_ok = not ignore or ignore.group(1).lower() not in {"true", "yes", "on", "1", "consume", "ring_ready"}
        call = _Call(uuid.group(1), call_id.group(1), number.group(1), job, bridge.group(1) if bridge else None,
                     early_ok=early_ok)
        self.calls[call.uuid] = call
        call.task = asyncio.get_running_loop().create_task(self._script(call))

    async def _script(self, call: _Call) -> None:
        if call.number == "gwdown":  # the gateway is down: no channel at all, only the job result
            await asyncio.sleep(0.05)
            self._job_done(call, "-ERR GATEWAY_DOWN")
            return
        self._event("channel_create.event", call)
        await asyncio.sleep(0.05)
        if call.number in _CAUSES:
            cause, q850, status = _CAUSES[call.number]
            self._hangup(call, cause, q850, status, "recv_refuse")
            self._job_done(call, f"-ERR {cause}")
            return
        self._event("channel_progress.event", call)
        if call.number == "ring":
            return  # until uuid_kill
        await asyncio.sleep(0.05)
        self._event("channel_progress_media.event", call)
        returned = call.early_ok  # originate succeeds on early media unless told to ignore it
        if returned:
            self._job_done(call, f"+OK {call.uuid}")
            if call.bridge:
                await self._bridge(call)
        await asyncio.sleep(0.5 if call.number == "late" else 0.05)
        call.answered = True
        self._event("channel_answer.event", call)
        if not returned:
            self._job_done(call, f"+OK {call.uuid}")
            if call.bridge:
                await self._bridge(call)
        if call.number == "dtmf":
            await asyncio.sleep(0.2)
            self._event("dtmf.event", call)
        elif call.number == "hangup":
            await asyncio.sleep(0.5)
            self._hangup(call, "NORMAL_CLEARING", "16", "200", "recv_bye")
        elif call.number == "drop":
            await asyncio.sleep(0.1)
            self.drop_connections()

    async def _bridge(self, call: _Call) -> None:
        """What ``&bridge(sofia/external/user@host:port)`` does: a SIP call to the runtime."""
        assert call.bridge is not None
        call.bridged_before_answer = not call.answered
        user, _, hostport = call.bridge.partition("@")
        host, _, port = hostport.partition(":")
        if self._sip is None:
            self._sip = SipDriver(SipTrunk(host, int(port), rtp_port_range=(40000, 42000)))
        call.leg = await self._sip.originate(OriginateRequest(user, call.number, call.call_id))
        leg = call.leg

        async def talk() -> None:
            async for ev in leg.events():
                if type(ev).__name__ == "Answered":
                    n = 8000 * 10
                    pcm = b"".join(
                        int(6000 * math.sin(2 * math.pi * self.tone_hz * i / 8000)).to_bytes(2, "little", signed=True)
                        for i in range(n)
                    )
                    await leg.play(pcm, 1)

        asyncio.get_running_loop().create_task(talk())

    async def _api(self, command: str) -> str:
        name, _, rest = command.partition(" ")
        args = rest.split()
        call = self.calls.get(args[0]) if args else None
        if name == "uuid_exists":
            return "true" if call is not None and not call.ended else "false"
        if call is None or call.ended:
            return "-ERR No such channel!\n"
        if name == "uuid_kill":
            cause = args[1] if len(args) > 1 else "NORMAL_CLEARING"
            disposition = "send_bye" if call.answered else "send_cancel"
            asyncio.get_running_loop().call_later(0.02, self._hangup, call, cause, "16", "200", disposition)
            return "+OK\n"
        if name == "uuid_dump":
            state = "answered" if call.answered else "ringing"
            return f"Event-Name: CHANNEL_DATA\nUnique-ID: {call.uuid}\nAnswer-State: {state}\nvariable_huashu_call_id: {call.call_id}\n"
        if name in ("uuid_send_dtmf", "uuid_record", "uuid_transfer"):
            return "+OK Success\n"
        return f"-ERR {name} Command not found!\n"
