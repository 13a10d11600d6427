"""FreeSWITCH Event Socket wire format, sans-IO: bytes in, messages out; commands out as bytes.

The framing follows ``mod_event_socket.c`` (FreeSWITCH source): every message is a block
of ``Name: value`` lines ended by an empty line; a ``Content-Length`` header announces a body
of exactly that many bytes. ``text/event-plain`` bodies are themselves an event serialised by
``switch_event_serialize()``: header values URL-encoded, and an optional inner body announced
by its own ``Content-Length``. mod_event_socket skips stray CR/LF before a block, and so do we.
Nothing here touches a socket, so the parser is tested byte for byte on recorded exchanges.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from huashu.core.errors import HuashuError

__all__ = [
    "EslMessage",
    "EslEvent",
    "EslParser",
    "EslProtocolError",
    "parse_event_plain",
    "encode_command",
    "MAX_BODY",
]

MAX_BODY = 10 * 1024 * 1024  # mod_event_socket's own max_len for one packet


class EslProtocolError(HuashuError, ValueError):
    """Bytes that are not Event Socket framing; says what and where."""


@dataclass(frozen=True, slots=True)
class EslEvent:
    """One FreeSWITCH event: decoded headers (first value wins for repeats) and its body."""

    headers: Mapping[str, str]
    body: str = ""

    @property
    def name(self) -> str:
        return self.headers.get("Event-Name", "")

    @property
    def uuid(self) -> str:
        return self.headers.get("Unique-ID", "")

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)

    def var(self, name: str, default: str = "") -> str:
        """A channel variable (``variable_<name>`` header)."""
        return self.headers.get(f"variable_{name}", default)


@dataclass(frozen=True, slots=True)
class EslMessage:
    """One framed message from FreeSWITCH: outer headers and the raw body."""

    headers: Mapping[str, str]
    body: bytes = b""
    event: EslEvent | None = field(default=None, compare=False)

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def reply_text(self) -> str:
        return self.headers.get("Reply-Text", "")

    @property
    def ok(self) -> bool:
        """``+OK`` for command replies and api responses alike."""
        text = self.reply_text if self.content_type == "command/reply" else self.body.decode(errors="replace")
        return text.startswith("+OK")


def _split_headers(block: str, where: str, decode: bool) -> dict[str, str]:
    headers: dict[str, str] = {}
    for n, line in enumerate(block.split("\n"), 1):
        line = line.rstrip("\r")
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise EslProtocolError(f"{where}, header line {n}: expected 'Name: value', got {line[:80]!r}")
        value = value.lstrip(" ")
        headers.setdefault(name.strip(), unquote(value) if decode else value)
    return headers


def parse_event_plain(body: bytes) -> EslEvent:
    """A ``text/event-plain`` body: URL-encoded headers, then an optional inner body."""
    text = body.decode("utf-8", errors="replace")
    head, sep, rest = text.partition("\n\n")
    headers = _split_headers(head, "text/event-plain", decode=True)
    inner = ""
    if "Content-Length" in headers:
        try:
            length = int(headers["Content-Length"])
        except ValueError:
            raise EslProtocolError(f"event Content-Length {headers['Content-Length']!r} is not a number") from None
        raw = rest.encode("utf-8")[:length]
        inner = raw.decode("utf-8", errors="replace")
    return EslEvent(headers, inner)


class EslParser:
    """Feed bytes as they arrive; iterate complete messages. Keeps partial input between feeds."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pending: dict[str, str] | None = None
        self._need = 0

    def feed(self, data: bytes) -> list[EslMessage]:
        self._buf += data
        return list(self._drain())

    def _drain(self) -> Iterator[EslMessage]:
        while True:
            if self._pending is None:
                # mod_event_socket tolerates (and older versions send) stray CR/LF/NUL between blocks.
                strip = 0
                while strip < len(self._buf) and self._buf[strip] in b"\r\n\x00":
                    strip += 1
                del self._buf[:strip]
                end = self._buf.find(b"\n\n")
                if end < 0:
                    if len(self._buf) > 65536:
                        raise EslProtocolError("header block longer than 64 KiB without an empty line")
                    return
                block = bytes(self._buf[:end]).decode("utf-8", errors="replace")
                del self._buf[: end + 2]
                headers = _split_headers(block, "message", decode=False)
                length = headers.get("Content-Length", "0")
                try:
                    self._need = int(length)
                except ValueError:
                    raise EslProtocolError(f"Content-Length {length!r} is not a number") from None
                if not 0 <= self._need <= MAX_BODY:
                    raise EslProtocolError(f"Content-Length {self._need} is out of range 0..{MAX_BODY}")
                self._pending = headers
            if len(self._buf) < self._need:
                return
            body = bytes(self._buf[: self._need])
            del self._buf[: self._need]
            headers, self._pending = self._pending, None
            event = parse_event_plain(body) if headers.get("Content-Type") == "text/event-plain" else None
            yield EslMessage(headers, body, event)


def encode_command(command: str, headers: Mapping[str, str] | None = None) -> bytes:
    """One command block. Line breaks inside would start a new header, so they are refused."""
    lines = [command, *(f"{k}: {v}" for k, v in (headers or {}).items())]
    for line in lines:
        if "\n" in line or "\r" in line:
            raise ValueError(f"Event Socket command line contains a line break: {line[:80]!r}")
    return ("\n".join(lines) + "\n\n").encode()
