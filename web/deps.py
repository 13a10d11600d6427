"""Dependencies of the web handlers, registered once on the app (``web.app.create_app``).

A handler names what it needs as a parameter and Litestar provides it:

- ``engine`` (:func:`provide_engine`): the SQLAlchemy engine of the app, read from
  ``app.state.engine`` at each request (a test may swap it after the app is built).
- ``db_session`` (:func:`provide_db_session`): a SQLModel ``Session`` opened for the request,
  committed when the handler returns, rolled back when it raises, closed either way. Commit,
  rollback and close run in a worker thread; use it from sync handlers (they run in a thread).
  A handler that catches a store error after a write calls ``db_session.rollback()`` itself.
- ``current_user`` (:func:`provide_current_user`): the signed-in :class:`~web.auth.models.User`,
  loaded once per request by :class:`web.auth.middleware.SessionUserMiddleware`.
- ``settings`` (:func:`provide_settings`): the app's :class:`~huashu.core.config.Settings`.
- ``lang`` (:func:`provide_language`) and ``t`` (:func:`provide_translator`): the page language
  (``lang`` cookie, then Accept-Language) and its message catalogue.

Handlers annotate them with the aliases below (``engine: EngineDep``, ``db_session: DbSession``,
``current_user: CurrentUser``, ``settings: SettingsDep``, ``lang: LangDep``,
``t: TranslatorDep``): Litestar's
``NamedDependency`` marks them as injected, not as query parameters.

These are the only ways a web handler reaches the database: no handler reads
``app.state.engine`` or opens its own engine.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.engine import Engine
from sqlmodel import Session

from huashu.core.config import Settings
from web.auth.models import User
from web.i18n import LANG_COOKIE, Translator, pick_language

__all__ = [
    "DEPENDENCIES",
    "CurrentUser",
    "DbSession",
    "EngineDep",
    "LangDep",
    "SettingsDep",
    "TranslatorDep",
    "provide_current_user",
    "provide_db_session",
    "provide_engine",
    "provide_language",
    "provide_settings",
    "provide_translator",
]


EngineDep = NamedDependency[Engine]
DbSession = NamedDependency[Session]
CurrentUser = NamedDependency[User]
SettingsDep = NamedDependency[Settings]
LangDep = NamedDependency[str]
TranslatorDep = NamedDependency[Translator]


def provide_engine(state: State) -> Engine:
    engine: Engine = state.engine
    return engine


async def provide_db_session(engine: EngineDep) -> AsyncGenerator[Session, None]:
    session = Session(engine, expire_on_commit=False)  # no connection yet: opened at first use, in the handler
    try:
        yield session
        await anyio.to_thread.run_sync(session.commit)
    except BaseException:
        await anyio.to_thread.run_sync(session.rollback)
        raise
    finally:
        await anyio.to_thread.run_sync(session.close)


def provide_current_user(request: Request[Any, Any, Any]) -> User:
    """The user the authentication middleware loaded; 401 when nobody is signed in (a route
    that asks for the user without the guard is refused rather than given None)."""
    user = request.scope.get("user")
    if not isinstance(user, User):
        raise NotAuthorizedException("sign in first")
    return user


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_language(request: Request[Any, Any, Any]) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def provide_translator(lang: LangDep) -> Translator:
    return Translator(lang)


#: what ``create_app`` registers on the app (sync providers are cheap: no thread for them)
DEPENDENCIES: dict[str, Provide] = {
    "engine": Provide(provide_engine, sync_to_thread=False),
    "db_session": Provide(provide_db_session),
    "current_user": Provide(provide_current_user, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "lang": Provide(provide_language, sync_to_thread=False),
    "t": Provide(provide_translator, sync_to_thread=False),
}
