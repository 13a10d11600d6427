"""Record what a real FreeSWITCH sends over the Event Socket for the call outcomes the driver
handles, as fixtures for the fast tests (``tests/telephony/esl_fixtures/real/``).

    PYTHONPATH=. .venv/bin/python -m tests.freeswitch.record_fixtures tests/telephony/esl_fixtures/real

Each scenario runs one call through a switch of our own (tests/freeswitch/switch.py) and a sipp
customer, while a second Event Socket connection subscribed to the driver's events writes every
event body byte for byte (``NN-<EVENT-NAME>.event``), in the order the switch sent them.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
import threading
from pathlib import Path

from telephony.contract import Answered, DtmfReceived
from telephony.freeswitch.events import CHANNEL_EVENTS
from tests.freeswitch.rig import collect, customer, driver_for, request
from tests.freeswitch.switch import Switch
from tests.support.ports import free_port
from tests.telephony.sipp.peer import make_customer_audio

__all__ = ["EventTap", "record"]


class EventTap:
    """A raw Event Socket listener: keeps every ``text/event-plain`` body as FreeSWITCH framed it."""

    def __init__(self, port: int, password: str) -> None:
        self.bodies: list[bytes] = []
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._file = self._sock.makefile("rb")
        self._read()
        self._sock.sendall(f"auth {password}\n\n".encode())
        self._read()
        self._sock.sendall(("event plain " + " ".join(CHANNEL_EVENTS) + "\n\n").encode())
        self._read()
        self._sock.settimeout(None)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _read(self) -> tuple[dict[str, str], bytes]:
        headers: dict[str, str] = {}
        while True:
            line = self._file.readline()
            if not line:
                raise EOFError
            line = line.rstrip(b"\n")
            if not line:
                if headers:
                    break
                continue
            k, _, v = line.decode().partition(": ")
            headers[k] = v
        body = self._file.read(int(headers["Content-Length"])) if "Content-Length" in headers else b""
        return headers, body

    def _run(self) -> None:
        try:
            while True:
                headers, body = self._read()
                if headers.get("Content-Type") == "text/event-plain":
                    self.bodies.append(body)
        except (EOFError, OSError, ValueError):
            return

    def close(self) -> None:
        self._sock.close()


def _name(body: bytes) -> str:
    for line in body.split(b"\n"):
        if line.startswith(b"Event-Name: "):
            return line[12:].decode()
    return "UNKNOWN"


async def _answered_dtmf(sw: Switch, work: Path) -> None:
    audio = make_customer_audio(work)
    async with customer(sw, work, "uas_answer_speak.xml", audio=str(audio), wait_ms="500", dtmf_after_ms="2500"):
        driver = driver_for(sw, record_dir=str(sw.recordings))
        try:
            call = await driver.originate(request("rec-answered"))

            async def act(ev: object) -> None:
                if isinstance(ev, Answered):
                    from telephony.recording import StereoWavSink

                    await call.start_recording(StereoWavSink("rec-answered", work / "a.wav"))
                if isinstance(ev, DtmfReceived):
                    await call.hangup()

            await asyncio.wait_for(collect(call, act), 30)
        finally:
            await driver.aclose()


async def _remote_hangup(sw: Switch, work: Path) -> None:
    async with customer(sw, work, "uas_answer_hangup.xml", hold_ms="1000"):
        driver = driver_for(sw)
        try:
            call = await driver.originate(request("rec-remote-bye"))
            await asyncio.wait_for(collect(call), 20)
        finally:
            await driver.aclose()


async def _reject(sw: Switch, work: Path, status: str, reason: str) -> None:
    async with customer(sw, work, "uas_reject.xml", status=status, reason=reason):
        driver = driver_for(sw)
        try:
            call = await driver.originate(request(f"rec-{status}"))
            await asyncio.wait_for(collect(call), 20)
        finally:
            await driver.aclose()


async def _ring_timeout(sw: Switch, work: Path) -> None:
    async with customer(sw, work, "uas_no_answer.xml"):
        driver = driver_for(sw)
        try:
            call = await driver.originate(request("rec-ring", ring_timeout_s=2))
            await asyncio.wait_for(collect(call), 20)
        finally:
            await driver.aclose()


async def _bridge_fails(sw: Switch, work: Path) -> None:
    async with customer(sw, work, "uas_answer_hangup.xml", hold_ms="20000"):
        driver = driver_for(sw)
        driver.settings.media_endpoint = f"huashu@127.0.0.1:{free_port()}"
        try:
            call = await driver.originate(request("rec-bridge-fail"))
            await asyncio.wait_for(collect(call), 20)
        finally:
            await driver.aclose()


async def _early_media(sw: Switch, work: Path) -> None:
    audio = make_customer_audio(work)
    async with customer(sw, work, "uas_early_media.xml", audio=str(audio), call_id="rec-early"):
        driver = driver_for(sw)
        try:
            call = await driver.originate(request("rec-early", ring_timeout_s=10))

            async def act(ev: object) -> None:
                if isinstance(ev, Answered):
                    await asyncio.sleep(0.5)
                    await call.hangup()

            await asyncio.wait_for(collect(call, act), 20)
        finally:
            await driver.aclose()


async def _unreachable(sw: Switch, work: Path) -> None:
    sw.point_gateway(free_port())
    driver = driver_for(sw)
    try:
        call = await driver.originate(request("rec-unreachable"))
        await asyncio.wait_for(collect(call), 20)
    finally:
        await driver.aclose()


SCENARIOS = {
    "answered_dtmf_local_hangup": _answered_dtmf,
    "answered_remote_hangup": _remote_hangup,
    "busy_486": lambda sw, w: _reject(sw, w, "486", "Busy Here"),
    "rejected_603": lambda sw, w: _reject(sw, w, "603", "Decline"),
    "ring_timeout_cancel": _ring_timeout,
    "bridge_to_runtime_fails": _bridge_fails,
    "early_media_then_answer": _early_media,
    "gateway_unreachable_503": _unreachable,
}


def record(out: Path, only: list[str] | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sw = Switch(Path(tmp) / "fs")
        sw.start()
        try:
            for name, run in SCENARIOS.items():
                if only and name not in only:
                    continue
                work = Path(tmp) / name
                work.mkdir()
                tap = EventTap(sw.esl_port, sw.esl_password)
                try:
                    asyncio.run(run(sw, work))  # type: ignore[no-untyped-call]
                    asyncio.run(asyncio.sleep(0.5))
                finally:
                    tap.close()
                folder = out / name
                folder.mkdir(parents=True, exist_ok=True)
                for old in folder.glob("*.event"):
                    old.unlink()
                for i, body in enumerate(tap.bodies):
                    (folder / f"{i:02d}-{_name(body)}.event").write_bytes(body)
                print(f"{name}: {len(tap.bodies)} events")
        finally:
            sw.stop()


if __name__ == "__main__":
    record(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/telephony/esl_fixtures/real"), sys.argv[2:] or None)
