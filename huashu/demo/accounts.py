"""The demo's users: the first admin with a generated password, and one user per other role.

A password is shown only when the user is created here; a user that exists keeps its
password, and the demo says so instead of printing one. The demo sits above the web layer,
so it keeps its users in the web's user store directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from web.auth.passwords import generate_password
from web.auth.users import create_user, find_user

__all__ = ["Account", "ensure_accounts", "DEMO_USERS"]

#: user name -> role; the admin comes first
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("admin", "admin"),
    ("designer", "designer"),
    ("reviewer", "reviewer"),
    ("operator", "operator"),
)


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    role: str
    password: str | None  # None: the user existed already

    @property
    def created(self) -> bool:
        return self.password is not None


def ensure_accounts(engine: Engine, new_password: Callable[[], str] = generate_password) -> list[Account]:
    """Create the demo users that do not exist; ``new_password`` makes each new one's password."""
    out: list[Account] = []
    for username, role in DEMO_USERS:
        if find_user(engine, username) is not None:
            out.append(Account(username, role, None))
            continue
        password = new_password()
        create_user(engine, username, password, role)
        out.append(Account(username, role, password))
    return out
