"""Serving a call's recording with HTTP range requests (200 whole, 206 one span, 416 unsatisfiable).

The attempt row stores the recording's local path as the runtime node wrote it. A path that
resolves outside the data directory and the configured recordings folder is refused, so a
tampered row cannot make the web serve arbitrary files. When the file is not on this
machine (another node wrote it, or it lives in an S3 bucket), the configured recording store
fetches it by call id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Stream
from litestar.types import ControllerRouterHandler
from sqlalchemy import select

from runtime.audit.log import record_now as audit_read
from runtime.campaigns import tables as T
from telephony.recording.store import LocalRecordingStore
from web.auth.guards import require_permission
from web.operator._render import RUN, engine_of
from web.operator.privacy import may_play
from web.operator.ranges import ByteRange, Unsatisfiable, parse_range

__all__ = ["recording_routes", "recording_path", "CHUNK"]

CHUNK = 64 * 1024


def recording_path(data_dir: Path, stored: str | None, attempt_id: int, *, roots: tuple[Path, ...] = (),
                   store: Any = None) -> Path:
    """The file to serve; NotFoundException with the reason otherwise. ``roots``: folders
    besides ``data_dir`` that recordings may live in; ``store``: fetches by call id what is
    not on this machine."""
    if not stored:
        raise NotFoundException(f"call {attempt_id} has no recording")
    root = Path(data_dir).resolve()
    allowed = (root, *(Path(r).resolve() for r in roots))
    p = Path(stored)
    p = (p if p.is_absolute() else root / p).resolve()
    if not any(p.is_relative_to(r) for r in allowed):
        raise NotFoundException(f"the recording of call {attempt_id} is outside the data directory; not served")
    if p.is_file():
        return p
    if store is not None and not isinstance(store, LocalRecordingStore):  # a bucket: fetch it by call id
        try:
            fetched: Path = store.open_read(p.stem)
            return fetched
        except (LookupError, OSError) as e:
            raise NotFoundException(
                f"the recording of call {attempt_id} is missing on disk ({p.name}) and in the recording store: {e}"
            ) from e
    raise NotFoundException(f"the recording of call {attempt_id} is missing on disk ({p.name})")


def _recording_store(request: Request[Any, Any, Any]) -> Any:
    """The configured store, opened once per app (None when recording is off or misconfigured)."""
    state = request.app.state
    if not hasattr(state, "recording_store"):
        from runtime.recordings import RecordingConfigError, open_recording_store

        try:
            state.recording_store = open_recording_store(state.settings)
        except RecordingConfigError:
            state.recording_store = None
    return state.recording_store


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
    if not may_play(request):
        raise PermissionDeniedException("playing recordings needs the permission recordings.play")
    a = T.attempts
    with engine_of(request).connect() as conn:
        row = conn.execute(select(a.c.recording).where(a.c.id == attempt_id)).first()
    if row is None:
        raise NotFoundException(f"no call with id {attempt_id}")
    from runtime.recordings import recordings_dir

    settings = request.app.state.settings
    path = recording_path(settings.data_dir, row[0], attempt_id, roots=(recordings_dir(settings),),
                          store=_recording_store(request))
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
    if span is None or span.start == 0:  # a play starts at byte 0; later ranges are the same play seeking
        audit_read(engine_of(request), "recording.play", "call", attempt_id)
    if span is None:
        span, status = ByteRange(0, size - 1), 200
    else:
        headers["content-range"] = span.content_range(size)
    headers["content-length"] = str(max(span.length, 0))
    return Stream(_read(path, span) if size else iter([b""]), media_type="audio/wav", status_code=status, headers=headers)


def recording_routes() -> list[ControllerRouterHandler]:
    return [recording]
