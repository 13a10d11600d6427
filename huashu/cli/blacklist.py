"""``huashu blacklist``: numbers never to call, globally or for one task."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from huashu.cli._common import database_group, emit_json, emit_rows, fail, open_db, phone_region

__all__ = ["cli"]


@database_group
def cli() -> None:
    """Blacklist numbers globally or per task."""


@cli.command("add")
@click.argument("phones", nargs=-1, required=True)
@click.option("--task", "task_id", type=int, default=0, help="Only for this task (default: global).")
@click.option("--reason", default="manual", show_default=True)
@click.pass_context
def add_cmd(ctx: click.Context, phones: tuple[str, ...], task_id: int, reason: str) -> None:
    """Add numbers (national or E.164)."""
    from runtime.campaigns.blacklist import BlacklistError, add

    engine = open_db(ctx)
    bad = 0
    for p in phones:
        try:
            added = add(engine, p, task_id, reason, phone_region())
            click.echo(f"{p}: {'added' if added else 'already listed'}")
        except BlacklistError as e:
            click.echo(f"{p}: {e}", err=True)
            bad += 1
    if bad:
        raise SystemExit(1)


@cli.command("remove")
@click.argument("phones", nargs=-1, required=True)
@click.option("--task", "task_id", type=int, default=0)
@click.pass_context
def remove_cmd(ctx: click.Context, phones: tuple[str, ...], task_id: int) -> None:
    """Remove numbers."""
    from runtime.campaigns.blacklist import BlacklistError, remove

    engine = open_db(ctx)
    for p in phones:
        try:
            click.echo(f"{p}: {'removed' if remove(engine, p, task_id, phone_region()) else 'not listed'}")
        except BlacklistError as e:
            fail(f"{p}: {e}")


@cli.command("list")
@click.option("--task", "task_id", type=int, help="Only this task's entries (0: global ones).")
@click.option("--limit", default=1000, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cmd(ctx: click.Context, task_id: int | None, limit: int, as_json: bool) -> None:
    """Listed numbers with scope, reason and time."""
    from runtime.campaigns.blacklist import entries

    rows = entries(open_db(ctx), task_id, limit)
    emit_rows(rows, as_json, _entry_line)


def _entry_line(r: dict[str, Any]) -> str:
    scope = "global" if r["task_id"] == 0 else f"task {r['task_id']}"
    return f"{r['phone']:16} {scope:10} {r['reason']:10} {r['created_at']:%Y-%m-%d %H:%M}"


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--task", "task_id", type=int, default=0)
@click.option("--column", default="phone", show_default=True, help="CSV column with the numbers (a file without header: one number a line).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, task_id: int, column: str, as_json: bool) -> None:
    """Import numbers from a CSV (with a phone column) or a plain list; bad lines are reported."""
    from runtime.campaigns.blacklist import add_many, import_lines

    try:
        data = file.read_bytes()
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror or e}", 2)
    pairs, errors = import_lines(data, column)
    added, bad_numbers = add_many(open_db(ctx), pairs, task_id, "import", phone_region())
    errors = sorted(errors + bad_numbers, key=lambda e: e.row_no)
    if as_json:
        emit_json({"added": added, "errors": [str(e) for e in errors]})
    else:
        click.echo(f"{added} numbers added, {len(errors)} bad lines (skipped; the good lines were imported)"
                   if errors else f"{added} numbers added")
        for msg in errors:
            click.echo(f"  {msg}", err=True)
    if errors:
        raise SystemExit(1)

