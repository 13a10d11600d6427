"""``huashu privacy``: erase a number, record an opt-out, run the retention housekeeping."""

from __future__ import annotations

import click

from huashu.cli._common import database_group, emit, emit_json, open_db

__all__ = ["cli"]


@database_group
def cli() -> None:
    """Personal data: erasure, opt-outs, retention."""


@cli.command("erase")
@click.argument("number")
@click.option("--reason", default="erasure_request", show_default=True, help="Why (kept with the hash).")
@click.option("--json", "as_json", is_flag=True, help="Print the erasure report as JSON.")
@click.pass_context
def erase_cmd(ctx: click.Context, number: str, reason: str, as_json: bool) -> None:
    """Delete everything held about NUMBER (queue rows, calls, transcripts, recordings, audience
    members, blacklist/opt-out rows, uploaded list lines); keep only its keyed hash so it is never
    called again. Exit 1 when something is left (the report says where)."""
    from runtime.privacy.erase import EraseError, erase_number

    try:
        rep = erase_number(open_db(ctx), number, reason=reason)
    except EraseError as e:
        click.echo(f"{number[:40]}: {e}", err=True)
        raise SystemExit(1) from None
    if as_json:
        emit_json(rep.as_dict())
    else:
        click.echo(f"erased {rep.number_ref}: " + ", ".join(f"{k} {v}" for k, v in rep.deleted.items()))
        if rep.files:
            click.echo("files: " + ", ".join(rep.files))
        click.echo("nothing left" if not rep.remaining else "STILL FOUND in: " + ", ".join(rep.remaining))
    if rep.remaining:
        raise SystemExit(1)


@cli.command("opt-out")
@click.argument("number")
@click.option("--channel", type=click.Choice(["call", "sms", "operator", "api"]), default="operator", show_default=True)
@click.option("--detail", default=None, help="Free text kept with it (at most 200 characters).")
@click.pass_context
def opt_out_cmd(ctx: click.Context, number: str, channel: str, detail: str | None) -> None:
    """Record that NUMBER asked not to be called: wins over any consent, joins the blacklist."""
    from huashu.core.config import get_settings
    from runtime.campaigns.optout import record_opt_out
    from runtime.campaigns.phones import normalize

    chk = normalize(number, get_settings().phone_region)
    if chk.e164 is None:
        click.echo(f"{number[:40]}: {chk.message}", err=True)
        raise SystemExit(1)
    with open_db(ctx).begin() as conn:
        new = record_opt_out(conn, chk.e164, channel, detail)
    click.echo("recorded" if new else "already opted out (first opt-out kept)")


@cli.command("retention")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
@click.pass_context
def retention_cmd(ctx: click.Context, as_json: bool) -> None:
    """Apply the retention periods now (a runtime node does it every hour): old call records and
    transcripts deleted, finished queue rows anonymised, old uploads deleted."""
    from huashu.core.config import get_settings
    from runtime.privacy.retention import apply_retention

    done = apply_retention(open_db(ctx), get_settings())
    emit(done, as_json, ", ".join(f"{k}: {v}" for k, v in done.items()))
