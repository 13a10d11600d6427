"""Sign-in, sign-out and the language switch (one controller: no guard, the sign-in page is public)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from web.auth import throttle
from web.auth.guards import SESSION_USER_KEY, current_user
from web.auth.hashing_pool import off_loop
from web.auth.users import authenticate
from web.deps import EngineDep, TranslatorDep
from web.forms import URL_ENCODED
from web.i18n import LANG_COOKIE, LANGUAGES
from web.render import page

__all__ = ["AuthController", "LoginForm", "safe_next", "client_address", "SESSION_COOKIE"]

SESSION_COOKIE = "huashu_session"


def safe_next(target: str | None) -> str:
    """Only local paths: a ``next`` pointing elsewhere would make sign-in an open redirect.
    Browsers drop tabs and newlines from a URL (``/\t/evil.example`` becomes ``//evil.example``),
    so any control character or space refuses the target too."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target)):
        return "/scripts"
    return target


def client_address(request: Request[Any, Any, Any]) -> str | None:
    """The peer's address (uvicorn puts the proxy's X-Forwarded-For here when it trusts it)."""
    return request.client.host if request.client else None



@dataclass
class LoginForm:
    username: str = ""
    password: str = ""
    next: str = ""


class AuthController(Controller):
    """``/login``, ``/logout`` and ``/lang/{code}``."""

    @get("/login", sync_to_thread=False)
    def login_page(self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template | Redirect:
        if current_user(request) is not None:
            return Redirect(path=safe_next(next))
        return page(request, "login.html", next=safe_next(next), error=None, username="")

    @post("/login")
    async def login(self, request: Request[Any, Any, Any], engine: EngineDep, t: TranslatorDep,
                    data: Annotated[LoginForm, URL_ENCODED]) -> Template | Redirect:
        """Sign in. Counted per user name and address before the password is checked (429 with
        ``Retry-After`` past the limit: :mod:`web.auth.throttle`); argon2 runs in its own pool."""
        username = data.username.strip()[:64]
        target = safe_next(data.next or None)
        account, address = ("user", username), client_address(request)
        refused = await anyio.to_thread.run_sync(throttle.begin, engine, account, address, time.time())
        if refused is not None:
            tpl = page(request, "login.html", status_code=429, next=target, username=username,
                       error=t("login.throttled", seconds=refused.retry_after_s))
            tpl.headers["Retry-After"] = str(refused.retry_after_s)
            return tpl
        user = await off_loop(authenticate, engine, username, data.password)
        if user is None:
            return page(request, "login.html", status_code=401, next=target, error=t("login.failed"),
                        username=username)
        await anyio.to_thread.run_sync(throttle.succeeded, engine, account, address)
        # a fresh session id on sign-in: an id planted before (session fixation) stays anonymous
        request.clear_session()
        request.cookies.pop(SESSION_COOKIE, None)
        request.set_session({SESSION_USER_KEY: user.id, "username": user.username})
        return Redirect(path=target)

    @post("/logout", sync_to_thread=False)
    def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()
        return Redirect(path="/login")

    @get("/lang/{code:str}", sync_to_thread=False)
    def switch_language(self, request: Request[Any, Any, Any], code: FromPath[str],
                        next: FromQuery[str | None] = None) -> Response[Any]:
        target = safe_next(next or request.headers.get("referer", "").partition(request.base_url.netloc)[2] or None)
        resp: Response[Any] = Redirect(path=target)
        if code in LANGUAGES:
            resp.set_cookie(Cookie(key=LANG_COOKIE, value=code, max_age=365 * 86400, samesite="lax", path="/"))
        return resp
