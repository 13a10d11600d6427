"""Session authentication as Litestar middleware: ``request.user`` is the signed-in user.

The session (server-side, :mod:`web.sessions`) holds the user's id; this middleware reads the
account once per request, in a worker thread, so an account disabled or given another role
takes effect at the next request, and guards check roles on the event loop without a query.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from sqlalchemy.engine import Engine

from web.auth.models import User
from web.auth.users import get_user

__all__ = ["SESSION_USER_KEY", "SessionUserMiddleware", "load_active_user"]

SESSION_USER_KEY = "uid"


def load_active_user(engine: Engine, uid: int) -> User | None:
    user = get_user(engine, uid)
    return user if user is not None and user.active else None


class SessionUserMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``scope["user"]`` to the active :class:`User` of the session, or None (anonymous).

    It never refuses a request itself: the guards (:mod:`web.auth.guards`) decide, so the
    sign-in page and the probes stay reachable. Mount it after the session middleware."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        session = connection.scope.get("session")
        uid = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
        user = None
        if isinstance(uid, int) and not isinstance(uid, bool):
            user = await anyio.to_thread.run_sync(load_active_user, connection.app.state.engine, uid)
        return AuthenticationResult(user=user, auth=None)
