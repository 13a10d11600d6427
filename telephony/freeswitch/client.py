"""A small asyncio Event Socket client (inbound mode) that survives FreeSWITCH restarts.

Why not Genesis: Genesis 2026.10 pins ``rich<14``/``typer<0.13``/``uvicorn<0.33`` (this
project ships rich 15 and uvicorn 0.54) and pulls FastAPI, Redis and OpenTelemetry into the
runtime. What we need from it is small: authenticate, subscribe, send ``api``/``bgapi`` and
match replies in order, deliver events, reconnect. That is this module, over the sans-IO
parser in :mod:`telephony.freeswitch.protocol`.

Replies: mod_event_socket answers commands strictly in order on one connection
(``command/reply`` or ``api/response``), so a FIFO of futures matches them. ``bgapi`` jobs
carry our own ``Job-UUID`` header so the BACKGROUND_JOB event can be matched without a race.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from telephony.contract import DriverError
from telephony.freeswitch.protocol import EslEvent, EslMessage, EslParser, EslProtocolError, encode_command

__all__ = ["EslClient", "EslError", "EslAuthError", "EslNotConnected"]

_log = logging.getLogger(__name__)


class EslError(DriverError):
    """FreeSWITCH answered a command with -ERR, or the connection broke under it."""


class EslAuthError(EslError):
    """Wrong Event Socket password (or ACL): retrying cannot help."""


class EslNotConnected(EslError):
    """No connection to FreeSWITCH right now (it is being re-established)."""


class EslClient:
    def __init__(
        self,
        host: str,
        port: int,
        password: str,
        events: Sequence[str],
        on_event: Callable[[EslEvent], None],
        on_connected: Callable[[], Awaitable[None]] | None = None,
        on_disconnected: Callable[[], None] | None = None,
        backoff_s: tuple[float, float] = (0.1, 5.0),
        timeout_s: float = 5.0,
    ) -> None:
        self.host, self.port, self._password = host, port, password
        self._events = list(events)
        self._on_event = on_event
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._backoff = backoff_s
        self._timeout = timeout_s
        self._writer: asyncio.StreamWriter | None = None
        self._pending: deque[asyncio.Future[EslMessage]] = deque()
        self._send_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._first: asyncio.Future[None] | None = None
        self.connected = asyncio.Event()
        self.connections = 0  # how many times we (re)connected; tests and metrics read it

    async def start(self) -> None:
        """Connect and authenticate; raises if the first attempt fails, retries later drops."""
        self._first = asyncio.get_running_loop().create_future()
        self._task = asyncio.get_running_loop().create_task(self._supervise(), name="esl-client")
        await self._first

    async def aclose(self) -> None:
        self._closing = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.write(encode_command("exit"))
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    # --- commands --------------------------------------------------------------------------
    async def command(self, line: str, headers: dict[str, str] | None = None) -> EslMessage:
        if not self.connected.is_set():
            try:
                await asyncio.wait_for(self.connected.wait(), self._timeout)
            except TimeoutError:
                raise EslNotConnected(f"not connected to FreeSWITCH at {self.host}:{self.port}") from None
        return await self._send(encode_command(line, headers))

    async def api(self, command: str) -> str:
        """Run an API command and return its output; ``-ERR ...`` output raises :class:`EslError`."""
        reply = await self.command(f"api {command}")
        text = reply.body.decode("utf-8", errors="replace")
        if text.startswith("-ERR") or text.startswith("-USAGE"):
            raise EslError(f"api {command.split(' ')[0]}: {text.strip()}")
        return text

    async def bgapi(self, command: str, job_uuid: str) -> None:
        reply = await self.command(f"bgapi {command}", {"Job-UUID": job_uuid})
        if not reply.ok:
            raise EslError(f"bgapi {command.split(' ')[0]}: {reply.reply_text}")

    async def _send(self, data: bytes) -> EslMessage:
        fut: asyncio.Future[EslMessage] = asyncio.get_running_loop().create_future()
        async with self._send_lock:
            writer = self._writer
            if writer is None:
                raise EslNotConnected("connection to FreeSWITCH lost")
            self._pending.append(fut)
            writer.write(data)
            await writer.drain()
        return await asyncio.wait_for(fut, self._timeout)

    # --- connection lifecycle ----------------------------------------------------------
    async def _supervise(self) -> None:
        delay = self._backoff[0]
        while not self._closing:
            try:
                await self._session()
                delay = self._backoff[0]
            except EslAuthError as exc:
                self._fail_first(exc)
                _log.error("%s; not retrying", exc)
                return
            except (OSError, EslProtocolError, EslError, TimeoutError) as exc:
                if self._first is not None and not self._first.done():
                    self._fail_first(EslNotConnected(f"cannot reach FreeSWITCH at {self.host}:{self.port}: {exc}"))
                    return
                _log.warning("Event Socket to %s:%s lost: %s; retrying in %.1f s", self.host, self.port, exc, delay)
            finally:
                self._teardown()
            if self._closing:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff[1])

    def _fail_first(self, exc: Exception) -> None:
        if self._first is not None and not self._first.done():
            self._first.set_exception(exc)

    async def _session(self) -> None:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self._timeout)
        parser = EslParser()
        inbox: deque[EslMessage] = deque()

        async def next_message() -> EslMessage:
            while not inbox:
                data = await asyncio.wait_for(reader.read(65536), self._timeout)
                if not data:
                    raise EslError("FreeSWITCH closed the connection during login")
                inbox.extend(parser.feed(data))
            return inbox.popleft()

        try:
            hello = await next_message()
            if hello.content_type != "auth/request":
                raise EslProtocolError(f"expected auth/request, got {hello.content_type!r}")
            writer.write(encode_command(f"auth {self._password}"))
            reply = await next_message()
            if not reply.ok:
                raise EslAuthError(f"Event Socket login refused: {reply.reply_text or 'no reply'}")
        except BaseException:
            writer.close()
            raise
        self._writer = writer
        reader_task = asyncio.get_running_loop().create_task(self._read(reader, parser, inbox))
        try:
            sub = await self._send(encode_command("event plain " + " ".join(self._events)))
            if not sub.ok:
                raise EslError(f"event subscription refused: {sub.reply_text}")
            self.connections += 1
            self.connected.set()
            if self._first is not None and not self._first.done():
                self._first.set_result(None)
            if self._on_connected is not None:
                await self._on_connected()
            await reader_task
        finally:
            reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader_task

    async def _read(self, reader: asyncio.StreamReader, parser: EslParser, inbox: deque[EslMessage]) -> None:
        while inbox:
            if self._dispatch(inbox.popleft()):
                return
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for msg in parser.feed(data):
                if self._dispatch(msg):
                    return

    def _dispatch(self, msg: EslMessage) -> bool:
        """Route one message; True when FreeSWITCH said goodbye."""
        ctype = msg.content_type
        if ctype in ("command/reply", "api/response"):
            if self._pending:
                fut = self._pending.popleft()
                if not fut.done():
                    fut.set_result(msg)
            else:
                _log.warning("unexpected %s from FreeSWITCH: %r", ctype, msg.reply_text or msg.body[:80])
        elif ctype == "text/event-plain" and msg.event is not None:
            try:
                self._on_event(msg.event)
            except Exception:
                _log.exception("handling %s failed", msg.event.name)
        elif ctype in ("text/disconnect-notice", "text/rude-rejection"):
            _log.warning("FreeSWITCH disconnects: %s", msg.body.decode(errors="replace").strip())
            return True
        return False

    def _teardown(self) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        while self._pending:
            fut = self._pending.popleft()
            if not fut.done():
                fut.set_exception(EslNotConnected("connection to FreeSWITCH lost before the reply"))
        if was_connected and self._on_disconnected is not None:
            self._on_disconnected()
