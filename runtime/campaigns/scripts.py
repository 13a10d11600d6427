"""Which script version a task runs: only an approved version may be launched.

Reads ``designer.store`` through this one adapter so the rest of the campaign code sees a
plain :data:`Resolver`: (script id, version number or None for the newest approved) -> the
script document, or :class:`ScriptNotApproved`. Tests and the demo may pass their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from designer import store

__all__ = ["Resolver", "ScriptNotApproved", "store_resolver"]

Resolver = Callable[[str, int | None], dict[str, Any]]


class ScriptNotApproved(LookupError):
    """The task's script version does not exist or is not approved."""


def store_resolver(engine: Engine) -> Resolver:
    def resolve(script_id: str, version: int | None) -> dict[str, Any]:
        with Session(engine) as s:
            if version is None:
                v = s.exec(
                    select(store.ScriptVersion)
                    .where(store.ScriptVersion.script_id == script_id, store.ScriptVersion.status == "approved")
                    .order_by(col(store.ScriptVersion.number).desc())
                ).first()
                if v is None:
                    raise ScriptNotApproved(f"script {script_id!r} has no approved version")
            else:
                try:
                    v = store.get_version(s, script_id, version)
                except store.NotFoundError as e:
                    raise ScriptNotApproved(str(e)) from e
            if not store.launchable(v):
                raise ScriptNotApproved(f"script {script_id}@{v.number} is {v.status}; only an approved version can run")
            return dict(v.document)

    return resolve
