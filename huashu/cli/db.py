"""``huashu db``: show the database URL, migrate it to the current schema."""

from __future__ import annotations

import click

import web  # noqa: F401 - registers every layer's tables (for alembic's target metadata)
from huashu.cli._common import emit
from huashu.core.config import get_settings

__all__ = ["cli"]


@click.group(name="db")
def cli() -> None:
    """Database: where it is and migrating it (alembic)."""


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def url(as_json: bool) -> None:
    """Print the database URL in use (password hidden)."""
    from sqlalchemy.engine import make_url

    s = get_settings()
    shown = make_url(s.db_url).render_as_string(hide_password=True)
    emit({"url": shown}, as_json, shown)


@cli.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Migrate the database to REVISION (creates it from empty if needed)."""
    from huashu.core.migrate import upgrade as do_upgrade

    s = get_settings()
    s.ensure_dirs()
    do_upgrade(s.db_url, revision)
    click.echo(f"database at {revision}")
