"""The admin's user page: who has which role, change a role, add a user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from web.auth.guards import require_permission
from web.auth.hashing_pool import off_loop
from web.auth.roles import Permission, Role
from web.auth.users import UserError, create_user, list_users, set_role
from web.deps import EngineDep, TranslatorDep
from web.forms import URL_ENCODED
from web.i18n.errors import say_error
from web.render import flash, page, translator

__all__ = ["UsersController", "NewUserForm", "RoleForm"]


@dataclass
class NewUserForm:
    username: str = ""
    password: str = ""
    role: str = ""


@dataclass
class RoleForm:
    role: str = ""


class UsersController(Controller):
    path = "/users"
    guards = [require_permission]
    opt = {"permission": Permission.MANAGE_USERS}

    @get("/", sync_to_thread=True)
    def users_page(self, request: Request[Any, Any, Any], engine: EngineDep) -> Template:
        return page(request, "users.html", users=list_users(engine), roles=[r.value for r in Role])

    @post("/")
    async def add_user(self, request: Request[Any, Any, Any], engine: EngineDep, t: TranslatorDep,
                       data: Annotated[NewUserForm, URL_ENCODED]) -> Redirect:
        try:  # argon2 in the hashing pool, off the event loop and the shared worker threads
            u = await off_loop(create_user, engine, data.username.strip(), data.password, data.role)
        except UserError as e:
            flash(request, say_error(t, e, prefix="users.err."), "error")
        else:
            flash(request, t("users.created", name=u.username, role=u.role))
        return Redirect(path="/users")

    @post("/{username:str}/role", sync_to_thread=True)
    def change_role(self, request: Request[Any, Any, Any], engine: EngineDep, username: FromPath[str],
                    data: Annotated[RoleForm, URL_ENCODED]) -> Redirect:
        try:
            set_role(engine, username, data.role)
        except UserError as e:
            flash(request, say_error(translator(request), e, prefix="users.err."), "error")
        return Redirect(path="/users")
