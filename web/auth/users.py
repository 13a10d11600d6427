"""User accounts in the database: create, find, authenticate, change role. Shared by the CLI and the web app."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from huashu.core.errors import UserError as HuashuUserError
from runtime.audit.log import record as audit_record
from web.auth.models import User
from web.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from web.auth.roles import Role, parse_role

__all__ = ["UserError", "create_user", "get_user", "find_user", "list_users", "set_role", "authenticate"]

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
# A fixed hash verified when the user does not exist, so timing does not reveal which names exist.
_DUMMY_HASH = hash_password("not-a-real-password")


class UserError(HuashuUserError):
    """Bad user input: a name taken or malformed, an unknown role, a short password (a
    :class:`huashu.core.errors.UserError`, so the CLI and the web catch it with the others).
    ``key`` and ``params`` name the page's sentence (``users.err.<key>``)."""


def _role(role: str | Role) -> Role:
    try:
        return parse_role(str(role))
    except HuashuUserError as e:
        raise UserError(str(e), key="unknown_role",
                        params={"role": str(role)[:40], "roles": ", ".join(r.value for r in Role)}) from None


def create_user(engine: Engine, username: str, password: str, role: str | Role) -> User:
    if not _USERNAME.match(username):
        raise UserError(f"bad user name {username!r}: 2-64 letters, digits or . _ @ -", key="bad_name",
                        params={"name": username[:64]})
    r = _role(role)
    try:
        pw_hash = hash_password(password)
    except ValueError as e:
        raise UserError(str(e), key="short_password", params={"n": MIN_PASSWORD_LENGTH}) from None
    with Session(engine, expire_on_commit=False) as s:
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise UserError(f"user {username!r} exists already", key="exists", params={"name": username})
        user = User(username=username, password_hash=pw_hash, role=r.value)
        s.add(user)
        audit_record(s, "user.create", "user", username, after={"role": r.value})
        s.commit()
        s.refresh(user)
        return user


def get_user(engine: Engine, user_id: int) -> User | None:
    with Session(engine, expire_on_commit=False) as s:
        return s.get(User, user_id)


def find_user(engine: Engine, username: str) -> User | None:
    with Session(engine, expire_on_commit=False) as s:
        return s.exec(select(User).where(User.username == username)).first()


def list_users(engine: Engine) -> list[User]:
    with Session(engine, expire_on_commit=False) as s:
        return list(s.exec(select(User).order_by(User.username)))


def set_role(engine: Engine, username: str, role: str | Role) -> User:
    r = _role(role)
    with Session(engine, expire_on_commit=False) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise UserError(f"no user named {username!r}", key="no_user", params={"name": username[:64]})
        audit_record(s, "user.role", "user", username, before={"role": user.role}, after={"role": r.value})
        user.role = r.value
        s.add(user)
        s.commit()
        s.refresh(user)
        return user


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    """The active user with this name and password, else None. Upgrades an outdated hash on the way."""
    with Session(engine, expire_on_commit=False) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None:
            verify_password(_DUMMY_HASH, password)
            return None
        if not user.active or not verify_password(user.password_hash, password):
            return None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = datetime.now(UTC)
        s.add(user)
        s.commit()
        s.refresh(user)
        return user
