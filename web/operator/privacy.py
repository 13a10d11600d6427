"""Who may see what on the operator pages and in their exports: numbers and names masked for a
role without ``personal.view``; recordings and transcripts only with ``recordings.play``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from litestar.connection import ASGIConnection

from runtime.privacy.masking import mask_name, mask_phone
from web.auth.guards import can
from web.auth.roles import Permission
from web.operator.call_views import CallRow

__all__ = ["masked_rows", "may_play", "sees_personal"]


def sees_personal(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return can(connection, Permission.VIEW_PERSONAL)


def may_play(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return can(connection, Permission.PLAY_RECORDINGS)


def _mask(row: CallRow) -> CallRow:
    return replace(row, phone=mask_phone(row.phone), name=mask_name(row.name))


def masked_rows(rows: Iterable[CallRow], unmasked: bool) -> Iterator[CallRow] | Iterable[CallRow]:
    """The rows as they are for a reader who sees personal data, masked for anyone else."""
    return rows if unmasked else map(_mask, rows)
