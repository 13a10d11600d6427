"""The ``--db`` option that the database-backed command groups share, and the engine it opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["database_group", "engine_of"]


def database_group(func: Callable[..., None]) -> click.Group:
    """A click group taking ``--db URL`` (default: the configured database), kept on ``ctx.obj``."""

    @click.option("--db", "db_url", help="Database URL (default: the configured one).")
    @click.pass_context
    def group(ctx: click.Context, db_url: str | None) -> None:
        ctx.ensure_object(dict)
        ctx.obj["db_url"] = db_url

    group.__doc__ = func.__doc__
    return click.group(name=func.__name__)(group)


def engine_of(ctx: click.Context) -> Any:
    from runtime.campaigns.database import open_engine

    return open_engine((ctx.obj or {}).get("db_url"))
