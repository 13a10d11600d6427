"""Serving a call's recording with HTTP range requests (200 whole, 206 one span, 416 unsatisfiable).

The attempt row stores the recording's local path (``telephony.recording`` stores write under
the data directory); a path that resolves outside the data directory is refused, so a
tampered row cannot make the web serve arbitrary files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Stream
from litestar.types import ControllerRouterHandler
from sqlalchemy import select

from runtime.campaigns import tables as T
from web.auth.guards import require_permission
from web.operator._render import RUN, engine_of
from web.operator.ranges import ByteRange, Unsatisfiable, parse_range

__all__ = ["recording_routes", "recording_path", "CHUNK"]

CHUNK = 64 * 1024


def recording_path(data_dir: Path, stored: str | None, attempt_id: int) -> Path:
    """The file to serve; NotFoundException with the reason otherwise."""
    if not stored:
        raise NotFoundException(f"call {attempt_id} has no recording")
    root = Path(data_dir).resolve()
    p = Path(stored)
    p = (p if p.is_absolute() else root / p).resolve()
    if not p.is_relative_to(root):
        raise NotFoundException(f"the recording of call {attempt_id} is outside the data directory; not served")
    if not p.is_file():
        raise NotFoundException(f"the recording of call {attempt_id} is missing on disk ({p.name})")
    return p


def _read(path: Path, span: ByteRange) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(span.start)
        left = span.length
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


@get("/operator/calls/{attempt_id:int}/recording", guards=[require_permission], opt=RUN, sync_to_thread=True)
def recording(request: Request[Any, Any, Any], attempt_id: int) -> Response[Any]:
    a = T.attempts
    with engine_of(request).connect() as conn:
        row = conn.execute(select(a.c.recording).where(a.c.id == attempt_id)).first()
    if row is None:
        raise NotFoundException(f"no call with id {attempt_id}")
    path = recording_path(request.app.state.settings.data_dir, row[0], attempt_id)
    size = path.stat().st_size
    headers = {
        "accept-ranges": "bytes",
        "content-disposition": f'inline; filename="call-{attempt_id}.wav"',
        "cache-control": "private, max-age=3600",
    }
    try:
        span = parse_range(request.headers.get("range"), size)
    except Unsatisfiable as e:
        return Response({"error": f"range not satisfiable: {e}"}, status_code=416,
                        headers={**headers, "content-range": f"bytes */{size}"})
    status = 206
    if span is None:
        span, status = ByteRange(0, size - 1), 200
    else:
        headers["content-range"] = span.content_range(size)
    headers["content-length"] = str(max(span.length, 0))
    return Stream(_read(path, span) if size else iter([b""]), media_type="audio/wav", status_code=status, headers=headers)


def recording_routes() -> list[ControllerRouterHandler]:
    return [recording]
