"""Serving a call's recording with HTTP range requests (200 whole, 206 one span, 416 unsatisfiable).

A recording is served by attempt id from the recordings store only: the store looks up
``attempt-<id>.wav`` in its own folder (or bucket). The row's ``recording`` column (the location
relative to the store, ``YYYY/MM/DD/attempt-<id>.wav``) only says that there is one and where
to look first; it is never joined to a directory, so a row set to ``secret.key``, ``huashu.db``,
``../x`` or an absolute path serves nothing (issue 15 finding 6). The database and the secret key
live in the data directory, which the store refuses as its folder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Stream
from sqlalchemy import select

from runtime.audit.log import record_now as audit_read
from runtime.campaigns import tables as T
from runtime.recordings import RecordingConfigError, find_recording, open_recording_reader
from web.auth.guards import require_permission
from web.deps import EngineDep
from web.operator._render import RUN
from web.operator.privacy import may_play
from web.operator.ranges import ByteRange, Unsatisfiable, parse_range

__all__ = ["RecordingController", "recording_path", "CHUNK"]

CHUNK = 64 * 1024
_log = logging.getLogger(__name__)


def recording_path(store: Any, stored: str | None, attempt_id: int) -> Path:
    """The file to serve for attempt ``attempt_id``; NotFoundException with the reason otherwise."""
    if not stored:
        raise NotFoundException(f"call {attempt_id} has no recording")
    if store is None:
        raise NotFoundException(f"the recording of call {attempt_id} cannot be served: the recordings store is "
                                "not configured correctly (see the server log)")
    try:
        return find_recording(store, attempt_id, stored)
    except (LookupError, OSError) as e:  # the detail (a server folder, a bucket) goes to the log only
        _log.warning("recording of call %d not served: %s", attempt_id, e)
        raise NotFoundException(f"the recording of call {attempt_id} is missing in the recordings store") from e


def _recording_store(state: State) -> Any:
    """The configured store, opened once per app (None when misconfigured: logged, answered 404)."""
    if not hasattr(state, "recording_store"):
        try:
            state.recording_store = open_recording_reader(state.settings)
        except RecordingConfigError as e:
            _log.error("recordings cannot be served: %s", e)
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


class RecordingController(Controller):
    """A call's recording; playing it needs ``recordings.play`` besides the operator's right."""

    path = "/operator/calls"
    guards = [require_permission]
    opt = RUN

    @get("/{attempt_id:int}/recording", sync_to_thread=True)
    def recording(self, request: Request[Any, Any, Any], engine: EngineDep, state: State,
                  attempt_id: FromPath[int]) -> Response[Any]:
        if not may_play(request):
            raise PermissionDeniedException("playing recordings needs the permission recordings.play")
        a = T.attempts
        with engine.connect() as conn:
            row = conn.execute(select(a.c.recording).where(a.c.id == attempt_id)).first()
        if row is None:
            raise NotFoundException(f"no call with id {attempt_id}")
        path = recording_path(_recording_store(state), row[0], attempt_id)
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
            audit_read(engine, "recording.play", "call", attempt_id)
        if span is None:
            span, status = ByteRange(0, size - 1), 200
        else:
            headers["content-range"] = span.content_range(size)
        headers["content-length"] = str(max(span.length, 0))
        return Stream(_read(path, span) if size else iter([b""]), media_type="audio/wav", status_code=status, headers=headers)
