"""What every ``/api/v1`` handler is given and checked by, set once on the API's router.

- ``engine`` and ``settings``: the app's dependencies (:mod:`web.deps`, registered once on the
  app for pages and API alike), so no handler reaches into ``request.app.state``.
- :func:`bearer_guard`: the access token is looked up in a worker thread (a database query on
  the event loop would hold every other request while it runs), then the handler's scope is
  checked. A controller sets its area's scope once in ``opt``; a handler overrides it only where
  it needs another (writes).
- ``principal``: the checked token's client and scopes (masking reads it).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from web.api.oauth import Principal, check_token
from web.deps import provide_engine

__all__ = ["bearer_guard", "principal_of"]


async def bearer_guard(conn: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("a bearer access token is required (POST /oauth/token)")
    principal = await anyio.to_thread.run_sync(check_token, provide_engine(conn.app.state), token.strip())
    if principal is None:
        raise NotAuthorizedException("the access token is unknown or expired")
    need = handler.opt.get("scope")
    if need and need not in principal.scopes:
        raise PermissionDeniedException(f"the token lacks the scope {need!r}")
    conn.state.principal = principal


def principal_of(conn: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The principal :func:`bearer_guard` admitted (None only outside the guarded router)."""
    principal: Principal | None = conn.state.get("principal")
    return principal
