"""Server-side sessions that exist only for someone signed in (or holding a flash message), and
that are deleted when they expire (issue 15 finding 8).

Litestar's server-side backend stores whatever the request's session is at the end, an empty
dict included: every anonymous GET wrote a session file and set a cookie, and nothing deleted a
file whose session had expired unless that same id came back. Here an empty session is never
stored (and one that became empty is deleted), and :func:`sweep_expired` runs at start-up and
every ``SWEEP_EVERY_S`` while the app runs (:func:`session_sweeper`, the app's lifespan).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import StorageObject, Store
from litestar.stores.file import FileStore
from litestar.types import Empty, Message, ScopeSession

__all__ = ["QuietSessionBackend", "SessionConfig", "sweep_expired", "session_sweeper", "SWEEP_EVERY_S"]

SWEEP_EVERY_S = 600.0
_log = logging.getLogger(__name__)


class QuietSessionBackend(ServerSideSessionBackend):
    """Stores a session only when it holds something; an emptied one is deleted with its cookie."""

    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        if scope_session is not Empty and not scope_session:
            if connection.cookies.get(self.config.key):  # it had one: remove it, do not keep an empty file
                await super().store_in_message(Empty, message, connection)
            return  # anonymous and nothing to keep: no file, no cookie
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    """:class:`ServerSideSessionConfig` with :class:`QuietSessionBackend`."""

    _backend_class = QuietSessionBackend


async def sweep_expired(store: Store, now: datetime | None = None) -> int:
    """Delete the sessions whose expiry is past ``now``; returns how many (FileStore), or -1 when
    the store sweeps itself without counting (other stores)."""
    if not isinstance(store, FileStore):
        delete_expired = getattr(store, "delete_expired", None)  # MemoryStore has one; the base Store has not
        if delete_expired is not None:
            await delete_expired()
        return -1
    now = now or datetime.now(UTC)
    return await asyncio.to_thread(_sweep_files, Path(store.path), now)


def _sweep_files(folder: Path, now: datetime) -> int:
    deleted = 0
    if not folder.is_dir():
        return 0
    for f in folder.iterdir():
        try:
            obj = StorageObject.from_bytes(f.read_bytes())
        except (OSError, ValueError, TypeError) as e:  # a half-written or foreign file: leave it
            _log.debug("session sweep: %s not read: %s", f.name, e)
            continue
        if obj.expires_at is not None and obj.expires_at <= now:
            with contextlib.suppress(FileNotFoundError):
                f.unlink()
                deleted += 1
    return deleted


@contextlib.asynccontextmanager
async def session_sweeper(app: Litestar) -> AsyncIterator[None]:
    """Lifespan: sweep expired sessions now and every ``SWEEP_EVERY_S`` until shutdown."""

    async def loop() -> None:
        while True:
            try:
                n = await sweep_expired(app.stores.get("sessions"))
                if n > 0:
                    _log.info("deleted %d expired sessions", n)
            except Exception:  # a failed sweep is retried next time; it must not stop the app
                _log.exception("session sweep failed")
            await asyncio.sleep(SWEEP_EVERY_S)

    task = asyncio.create_task(loop(), name="huashu-session-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
