"""The root of Huashu's own exceptions.

:class:`HuashuError` is every error the product raises on purpose. :class:`UserError` is the
part of it a user can fix (a bad phone number, cron expression, script, SQL, upload): its
message is written for that user and is safe to show. Catch these, not ``ValueError``: a
``ValueError`` from a library or a bug must not become a user message.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HuashuError", "UserError", "NotFound", "Conflict"]


class HuashuError(Exception):
    """Raised by Huashu on purpose. ``code`` is a stable machine-readable name (an i18n key).

    ``key`` and ``params`` optionally name the message's sentence for a translated page (the web
    says it with ``web.i18n.errors.say_error``); ``str(e)`` stays the English text."""

    code: str = "error"

    def __init__(self, message: str = "", *, code: str | None = None, key: str = "",
                 params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.key = key
        self.params: dict[str, Any] = dict(params or {})

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class UserError(HuashuError, ValueError):
    """Something the user can fix; the message says what and where.

    It is also a ``ValueError`` so callers written against the older ``ValueError`` contract
    keep working while they move to catching :class:`UserError`."""

    code = "invalid"


class NotFound(UserError):
    """A named thing (script, task, call, source) does not exist."""

    code = "not_found"


class Conflict(UserError):
    """The request clashes with the current state (a running task, a taken name)."""

    code = "conflict"
