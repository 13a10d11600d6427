"""Shared bits of the page handlers: the signed-in actor, the store session, the form body type."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlmodel import Session

from runtime.db import session_scope
from web.auth.guards import current_user
from web.auth.models import User

__all__ = ["Form", "actor", "user_of", "db"]

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def user_of(request: Request[Any, Any, Any]) -> User:
    user = current_user(request)
    assert user is not None, "route without require_permission guard"
    return user


def actor(request: Request[Any, Any, Any]) -> str:
    return user_of(request).username


@contextmanager
def db(request: Request[Any, Any, Any]) -> Iterator[Session]:
    with session_scope(request.app.state.engine) as s:
        yield s
