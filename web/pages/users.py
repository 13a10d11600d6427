"""The admin's user page: who has which role, change a role, add a user."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from web.auth.guards import require_permission
from web.auth.hashing_pool import off_loop
from web.auth.roles import Permission, Role
from web.auth.users import UserError, create_user, list_users, set_role
from web.pages._common import Form
from web.render import flash, page, translator

__all__ = ["user_routes"]

ADMIN = {"permission": Permission.MANAGE_USERS}


# async with an explicit thread: a sync_to_thread GET that shares its path with a POST gets
# wrapped twice by Litestar 2.25 (it re-registers every handler of a path) and returns a coroutine
@get("/users", guards=[require_permission], opt=ADMIN)
async def users_page(request: Request[Any, Any, Any]) -> Template:
    users = await anyio.to_thread.run_sync(list_users, request.app.state.engine)
    return page(request, "users.html", users=users, roles=[r.value for r in Role])


@post("/users", guards=[require_permission], opt=ADMIN)
async def add_user(request: Request[Any, Any, Any], data: Form) -> Redirect:
    try:  # argon2 in the hashing pool, off the event loop and the shared worker threads
        u = await off_loop(create_user, request.app.state.engine, (data.get("username") or "").strip(),
                           data.get("password") or "", data.get("role") or "")
    except UserError as e:
        flash(request, str(e), "error")
    else:
        flash(request, translator(request)("users.created", name=u.username, role=u.role))
    return Redirect(path="/users")


@post("/users/{username:str}/role", guards=[require_permission], opt=ADMIN, sync_to_thread=True)
def change_role(request: Request[Any, Any, Any], username: FromPath[str], data: Form) -> Redirect:
    try:
        set_role(request.app.state.engine, username, data.get("role") or "")
    except UserError as e:
        flash(request, str(e), "error")
    return Redirect(path="/users")


def user_routes() -> list[ControllerRouterHandler]:
    return [users_page, add_user, change_role]
