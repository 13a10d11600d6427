"""Which script version a task runs: only an approved version may be launched.

Reads ``designer.store`` through this one adapter so the rest of the campaign code sees a
plain :data:`Resolver`: (script id, version number or None for the newest approved) -> the
script document, or :class:`ScriptNotApproved`. Tests and the demo may pass their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from designer import store
from huashu.core.errors import HuashuError

__all__ = ["Resolver", "ScriptNotApproved", "store_resolver", "store_document", "required_variables"]

Resolver = Callable[[str, int | None], dict[str, Any]]


class ScriptNotApproved(HuashuError, LookupError):
    """The task's script version does not exist or is not approved."""


def _newest_approved(s: Session, script_id: str) -> store.ScriptVersion | None:
    return s.exec(
        select(store.ScriptVersion)
        .where(store.ScriptVersion.script_id == script_id, store.ScriptVersion.status == "approved")
        .order_by(col(store.ScriptVersion.number).desc())
    ).first()


def store_resolver(engine: Engine) -> Resolver:
    def resolve(script_id: str, version: int | None) -> dict[str, Any]:
        with Session(engine) as s:
            if version is None:
                v = _newest_approved(s, script_id)
                if v is None:
                    raise ScriptNotApproved(f"script {script_id!r} has no approved version", key="no_approved_version",
                                            params={"script": script_id})
            else:
                try:
                    v = store.get_version(s, script_id, version)
                except store.NotFoundError as e:
                    raise ScriptNotApproved(str(e), key="no_version", params={"version": f"{script_id}@{version}"}) from e
            if not store.launchable(v):
                raise ScriptNotApproved(f"script {script_id}@{v.number} is {v.status}; only an approved version can run",
                                        key="version_not_approved",
                                        params={"version": f"{script_id}@{v.number}", "status": v.status})
            return dict(v.document)

    return resolve


def store_document(engine: Engine, script_id: str, version: int | None) -> dict[str, Any] | None:
    """The document a task on (script id, version) will most likely run, for checks at creation,
    before any version need be approved: that version, else the newest approved, else the newest.
    None when the store does not have it (callers with their own resolver)."""
    with Session(engine) as s:
        if version is not None:
            try:
                return dict(store.get_version(s, script_id, version).document)
            except store.NotFoundError:
                return None
        v = _newest_approved(s, script_id)
        if v is None:
            try:
                v = store.get_version(s, script_id)
            except store.NotFoundError:
                return None
        return dict(v.document)


def required_variables(document: Mapping[str, Any]) -> frozenset[str]:
    """The variables a call of this script cannot start without: the declared ``required`` ones
    and any ``${name}`` a prompt uses without declaring it — the dialog engine's own rule
    (:func:`runtime.dialog.render.check_variables` over the prompts' placeholders)."""
    from designer.model import Script
    from runtime.dialog.render import placeholders

    script = Script.from_dict(dict(document))
    declared = {n for n, v in script.variables.items() if v.required}
    used = {v for n in script.nodes for v in placeholders(n.prompt.text)}
    return frozenset(declared | {v for v in used if v not in script.variables})
