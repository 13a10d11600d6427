"""Route guards: who is signed in, and may they do what the route needs.

A controller states what its routes need in its ``opt``: ``opt={"permission":
Permission.EDIT_SCRIPTS}`` (a handler may override it). The user comes from the request's
scope, where :class:`web.auth.middleware.SessionUserMiddleware` put it after reading the
account off the event loop: a guard never queries the database. The guards are ``async``
because they only read the scope: a sync guard would cost each request a worker-thread hop.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from web.auth.middleware import SESSION_USER_KEY
from web.auth.models import User
from web.auth.roles import Permission, allows

__all__ = ["SESSION_USER_KEY", "current_user", "require_login", "require_permission", "can"]


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> User | None:
    """The signed-in, active user of this request (None when anonymous or on an unauthenticated path)."""
    user = connection.scope.get("user")
    return user if isinstance(user, User) else None


def can(connection: ASGIConnection[Any, Any, Any, Any], permission: Permission) -> bool:
    user = current_user(connection)
    return user is not None and allows(user.role, permission)


async def require_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException("sign in first")


async def require_permission(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Signed in, and the role grants ``handler.opt["permission"]`` (when the route names one)."""
    user = current_user(connection)
    if user is None:
        raise NotAuthorizedException("sign in first")
    needed = handler.opt.get("permission")
    if needed is not None and not allows(user.role, Permission(needed)):
        raise PermissionDeniedException(f"the role {user.role!r} may not do this ({Permission(needed).value})")
