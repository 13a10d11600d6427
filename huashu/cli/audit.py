"""``huashu audit``: read the audit trail and check that nobody edited it."""

from __future__ import annotations

import csv
import sys

import click

from huashu.cli._common import database_group, emit_json, open_db

__all__ = ["cli"]


@database_group
def cli() -> None:
    """The audit trail: who changed or read what, from where; hash-chained."""


@cli.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def verify_cmd(ctx: click.Context, as_json: bool) -> None:
    """Recompute every entry's hash and link; exit 1 when an entry was edited, removed or inserted."""
    from runtime.audit.verify import verify

    v = verify(open_db(ctx))
    if as_json:
        emit_json(v.as_dict())
    elif v.ok:
        click.echo(f"ok: {v.entries} entries, chain intact up to #{v.last_seq}")
    else:
        click.echo(f"TAMPERED: {len(v.problems)} problem(s) in {v.entries} entries", err=True)
        for p in v.problems:
            click.echo(f"  #{p.seq}: {p.what}", err=True)
    if not v.ok:
        raise SystemExit(1)


@cli.command("list")
@click.option("--actor", help="Only this actor (user name, client:ID, cli:USER).")
@click.option("--action", help='Only this action, or a prefix ending in "." (task., script., user.).')
@click.option("--kind", "target_kind", help="Only this kind of target (task, script, phone, user, ...).")
@click.option("--target", "target_id", help="Only this target id.")
@click.option("--since", help="From this UTC date/time (ISO, e.g. 2026-12-01).")
@click.option("--until", help="Before this UTC date/time.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array of entries.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@click.pass_context
def list_cmd(ctx: click.Context, actor: str | None, action: str | None, target_kind: str | None,
             target_id: str | None, since: str | None, until: str | None, limit: int, as_json: bool,
             as_csv: bool) -> None:
    """Entries, newest first."""
    from runtime.audit.export import COLUMNS, csv_rows
    from runtime.audit.log import AuditFilter, list_entries

    rows = list_entries(open_db(ctx), AuditFilter(actor, action, target_kind, target_id, since, until, limit))
    if as_json:
        emit_json(rows)
        return
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(COLUMNS)
        w.writerows(csv_rows(rows))
        return
    from rich.table import Table

    from huashu.cli._common import console

    t = Table("#", "at (UTC)", "actor", "from", "action", "target", "before", "after")
    for r in rows:
        t.add_row(str(r["seq"]), r["at"], r["actor"], r["address"] or "", r["action"],
                  f"{r['target_kind']}:{r['target_id']}", r["before"] or "", r["after"] or "")
    console().print(t)
