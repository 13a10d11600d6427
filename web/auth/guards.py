"""Route guards: who is signed in, and may they do what the route needs.

A route states what it needs in its ``opt``: ``opt={"permission": Permission.EDIT_SCRIPTS}``.
The user is re-read from the database on every request, so a role change or a disabled
account takes effect at once, not at the next sign-in.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from runtime.audit.context import Actor
from runtime.audit.context import bind as bind_actor
from web.auth.models import User
from web.auth.roles import Permission, allows
from web.auth.users import get_user

__all__ = ["SESSION_USER_KEY", "current_user", "require_login", "require_permission", "can"]

SESSION_USER_KEY = "uid"


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The signed-in, active user of this request (cached on the connection state)."""
    state = connection.scope.setdefault("state", {})
    if "hs_user" in state:
        cached: User | None = state["hs_user"]
        return cached
    user: User | None = None
    session = connection.scope.get("session") or {}
    uid = session.get(SESSION_USER_KEY) if isinstance(session, dict) else None
    if isinstance(uid, int):
        engine = connection.app.state.engine
        found = get_user(engine, uid)
        if found is not None and found.active:
            user = found
    state["hs_user"] = user
    if user is not None:  # what this request changes is audited as this user, from this address
        bind_actor(Actor(user.username, connection.client.host if connection.client else None))
    return user


def can(connection: ASGIConnection[Any, Any, Any, Any], permission: Permission) -> bool:
    user = current_user(connection)
    return user is not None and allows(user.role, permission)


def require_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException("sign in first")


def require_permission(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Signed in, and the role grants ``handler.opt["permission"]`` (when the route names one)."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("sign in first")
    needed = handler.opt.get("permission")
    if needed is not None and not allows(user.role, Permission(needed)):
        raise PermissionDeniedException(f"the role {user.role!r} may not do this ({Permission(needed).value})")
