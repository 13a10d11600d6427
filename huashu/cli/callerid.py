"""``huashu callerid``: caller-id pools — import numbers, see their health, ask which one a call would show."""

from __future__ import annotations

from pathlib import Path

import click

from huashu.cli._common import database_group, emit_json, emit_rows, fail, open_db, phone_region

__all__ = ["cli"]


@database_group
def cli() -> None:
    """Caller-id pools: local numbers first, daily caps, health and automatic resting."""


@cli.command("import")
@click.argument("pool")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--cap", "default_cap", type=click.IntRange(1, 100000), help="Default daily cap of the pool's numbers.")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@click.pass_context
def import_cmd(ctx: click.Context, pool: str, file: Path, default_cap: int | None, as_json: bool) -> None:
    """Load FILE (CSV: one number a row, optional second column its daily cap) into POOL.

    The pool is created if new; each number's province, city and operator come from the
    number itself. Rows that are not valid numbers are listed by line and skipped."""
    from runtime.campaigns.callerid.store import PoolError, import_csv

    try:
        rep = import_csv(open_db(ctx), pool, file, phone_region(), default_cap)
    except PoolError as e:
        fail(str(e))
    if as_json:
        emit_json({"pool": rep.pool, "added": rep.added, "updated": rep.updated, "errors": [str(e) for e in rep.errors]})
    else:
        click.echo(f"pool {rep.pool}: {rep.added} added, {rep.updated} updated, {len(rep.errors)} rejected")
        for problem in rep.errors[:20]:
            click.echo(f"  {problem}", err=True)
    if rep.errors and not (rep.added or rep.updated):
        raise SystemExit(1)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Pools with their number counts."""
    from runtime.campaigns.callerid.store import list_pools

    pools = list_pools(open_db(ctx))
    emit_rows(pools, as_json, lambda p: f"{p['name']}\t{p['numbers']} numbers\tcap {p['default_cap']}/day\t"
                                        f"rest {p['rest_hours']} h")


@cli.command("health")
@click.argument("pool")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def health_cmd(ctx: click.Context, pool: str, as_json: bool) -> None:
    """Today's health of each number: attempts, answer rate, early hang-up rate, rested or not."""
    from runtime.campaigns.callerid.store import PoolError, pool_numbers

    try:
        rows = pool_numbers(open_db(ctx), pool)
    except PoolError as e:
        fail(str(e))
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        rate = "-" if r["answer_rate"] is None else f"{r['answer_rate']:.0%}"
        early = "-" if r["early_rate"] is None else f"{r['early_rate']:.0%}"
        flag = f"  RESTED: {r['rest_reason']}" if r["rested"] else ""
        click.echo(f"{r['number']}\t{r['label']} {r['operator_label']}\t{r['attempts']}/{r['effective_cap']}\t"
                   f"answer {rate}\tearly {early}{flag}")


@cli.command("judge")
@click.argument("pool")
@click.pass_context
def judge_cmd(ctx: click.Context, pool: str) -> None:
    """Run the health test now (the dialer runs it every minute) and rest the numbers it flags."""
    from runtime.campaigns.callerid.store import PoolError, judge_pool

    try:
        rested = judge_pool(open_db(ctx), pool)
    except PoolError as e:
        fail(str(e))
    emit_json(rested)


@cli.command("unrest")
@click.argument("pool")
@click.argument("number")
@click.pass_context
def unrest_cmd(ctx: click.Context, pool: str, number: str) -> None:
    """Put a rested number back to work now."""
    from runtime.campaigns.callerid.store import PoolError, unrest

    try:
        ok = unrest(open_db(ctx), pool, number)
    except PoolError as e:
        fail(str(e))
    if not ok:
        fail(f"{number} is not in pool {pool}")
    click.echo(f"{number} back in use")


@cli.command("pick")
@click.argument("number")
@click.option("--pool", required=True, help="Pool name.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.pass_context
def pick_cmd(ctx: click.Context, number: str, pool: str, as_json: bool) -> None:
    """Which caller id a call to NUMBER would show now, and why (counts nothing).

    Rule, best first: same city, same province, same operator, any; numbers at their daily cap
    or resting are skipped and listed."""
    from runtime.campaigns.callerid.store import PoolError, explain_pick

    try:
        pick = explain_pick(open_db(ctx), pool, number, phone_region())
    except PoolError as e:
        fail(str(e))
    d = pick.as_dict()
    if as_json:
        emit_json(d)
    else:
        callee = pick.callee
        if pick.caller_id is None:
            click.echo(f"no caller id usable: {len(pick.skipped_capped)} at their cap, {len(pick.skipped_rested)} resting")
        else:
            caller = pick.caller
            assert caller is not None
            click.echo(f"{pick.caller_id} ({caller.label} {caller.operator_label}) by rule {pick.rule}; "
                       f"callee {callee.label} {callee.operator_label}")
            if pick.skipped_capped or pick.skipped_rested:
                click.echo(f"skipped: capped {', '.join(pick.skipped_capped) or '-'}; "
                           f"resting {', '.join(pick.skipped_rested) or '-'}")
    if pick.caller_id is None:
        raise SystemExit(1)
