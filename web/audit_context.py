"""ASGI middleware binding the audit actor of a request: the signed-in user (pages) or the API
client (bearer token), from the client address.

The signed-in user is known only after the authentication middleware (inside this one) has read
the account, and handlers run in worker threads; so this binds, in the request's own task, a
resolver that reads the scope's ``user`` (pages) or ``state["principal"]`` (the API's bearer
guard) when an entry is appended.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from runtime.audit.context import Actor, acting_lazily

__all__ = ["AuditContextMiddleware"]


def _actor(scope: Scope) -> Actor | None:
    state: dict[str, Any] = scope.get("state") or {}
    client = scope.get("client")
    address = client[0] if client else None
    user = scope.get("user")
    if user is not None:
        return Actor(str(user.username), address)
    principal = state.get("principal")
    if principal is not None:
        return Actor(f"client:{principal.client_id}", address)
    return Actor("anonymous", address) if address else None


class AuditContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with acting_lazily(lambda: _actor(scope)):
            await self.app(scope, receive, send)
