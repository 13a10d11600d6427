"""HTTP ``Range: bytes=`` for the recording player (RFC 9110 section 14), without I/O.

Litestar's ``File`` response does not answer range requests, and an ``<audio>`` element
seeks by asking for them, so this parses the header into one byte span. Only a single range
is served; a multi-range or unparsable header is ignored (the full file, 200), which RFC
9110 allows. A syntactically valid range that starts past the end is unsatisfiable (416).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ByteRange", "Unsatisfiable", "parse_range"]


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Inclusive ``start``..``end`` as in ``Content-Range: bytes start-end/size``."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(ValueError):
    """The range is well-formed but selects no byte of the file: answer 416."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The span to send, or None for the whole file; raises :class:`Unsatisfiable`."""
    if not header:
        return None
    unit, sep, spec = header.strip().partition("=")
    if not sep or unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()) or not (first or last):
        return None
    if not first:  # suffix range: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable(f"bytes=-{n} of a {size}-byte file")
        return ByteRange(max(0, size - n), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignore the header
    if start >= size:
        raise Unsatisfiable(f"bytes={start}- starts past the end of a {size}-byte file")
    return ByteRange(start, min(end, size - 1))
