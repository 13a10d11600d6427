"""The demo's users: the first admin with a generated password, and one user per other role.

A password is shown only when the user is created here; a user that exists keeps its
password, and the demo says so instead of printing one. The user store belongs to the web
layer, which the runtime must not import, so its functions are passed in (:class:`UserStore`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Account", "UserStore", "ensure_accounts", "DEMO_USERS"]

#: user name -> role; the admin comes first
DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("admin", "admin"),
    ("designer", "designer"),
    ("reviewer", "reviewer"),
    ("operator", "operator"),
)


@dataclass(frozen=True, slots=True)
class UserStore:
    exists: Callable[[str], bool]
    create: Callable[[str, str, str], None]  # username, password, role
    generate_password: Callable[[], str]


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    role: str
    password: str | None  # None: the user existed already

    @property
    def created(self) -> bool:
        return self.password is not None


def ensure_accounts(users: UserStore) -> list[Account]:
    out: list[Account] = []
    for username, role in DEMO_USERS:
        if users.exists(username):
            out.append(Account(username, role, None))
            continue
        password = users.generate_password()
        users.create(username, password, role)
        out.append(Account(username, role, password))
    return out
