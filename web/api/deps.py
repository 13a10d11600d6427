"""What every ``/api/v1`` handler is given and checked by, set once on the API's router.

- ``engine`` and ``settings``: :class:`litestar.di.Provide` from the app's state, so no handler
  reaches into ``request.app.state`` (the lead unifies these with ``web/deps.py`` at merge).
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
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.engine import Engine

from huashu.core.config import Settings
from web.api.oauth import Principal, check_token

__all__ = ["API_DEPENDENCIES", "bearer_guard", "engine_of", "principal_of"]


def engine_of(state: State) -> Engine:
    engine: Engine = state.engine
    return engine


def _settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


async def bearer_guard(conn: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    header = conn.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException("a bearer access token is required (POST /oauth/token)")
    principal = await anyio.to_thread.run_sync(check_token, engine_of(conn.app.state), token.strip())
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


# plain attribute reads: not worth a thread hop each
API_DEPENDENCIES = {
    "engine": Provide(engine_of, sync_to_thread=False),
    "settings": Provide(_settings, sync_to_thread=False),
}
