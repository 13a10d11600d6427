"""Who is acting, and from where: bound once at the boundary (a web request, a CLI command).

Service functions that the CLI, API and pages share read it when they append an audit entry,
so a route never has to thread the user through every call; a caller that knows better
passes ``actor=`` to :func:`runtime.audit.log.record` explicitly.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["Actor", "acting", "bind", "current_actor", "system_actor"]


@dataclass(frozen=True, slots=True)
class Actor:
    """``name``: "user:alice", "client:hs_12ab", "cli:root", "system"; ``address``: the client IP or host."""

    name: str
    address: str | None = None


_current: ContextVar[Actor | Callable[[], Actor | None] | None] = ContextVar("huashu_audit_actor", default=None)


def system_actor() -> Actor:
    """The actor of code that no person started (housekeeping, the dialer): the OS user and host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return Actor(f"system:{user}", os.uname().nodename if hasattr(os, "uname") else None)


def current_actor() -> Actor:
    bound = _current.get()
    if callable(bound):  # a web request: who it is gets known after the binding (by the guard)
        bound = bound()
    return bound or system_actor()


def bind(actor: Actor | Callable[[], Actor | None]) -> None:
    """Bind for the rest of this context (a request's task, a CLI process). A callable is asked
    at each append: the web binds one before the route's guard has read the signed-in user."""
    _current.set(actor)


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


@contextmanager
def acting_lazily(resolve: Callable[[], Actor | None]) -> Iterator[None]:
    """Bind a resolver for the duration (a web request)."""
    token = _current.set(resolve)
    try:
        yield
    finally:
        _current.reset(token)
