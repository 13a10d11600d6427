"""``huashu source``: customer data sources — add, list, test the connection, preview 20 rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from huashu.cli._common import database_group, emit_json, fail, open_db
from huashu.cli.campaign import parse_pairs

__all__ = ["cli"]


@database_group
def cli() -> None:
    """Customer data sources: add, list, test, preview."""


def _spec_options(f: Any) -> Any:
    for opt in reversed([
        click.option("--kind", type=click.Choice(["csv", "xlsx", "mysql", "postgresql", "oracle", "http"])),
        click.option("--host"), click.option("--port", type=int), click.option("--database"), click.option("--user"),
        click.option("--password", help="Stored encrypted. Use --password-prompt to keep it out of the shell history."),
        click.option("--password-prompt", is_flag=True),
        click.option("--url", help="Connection URL instead of fields: postgresql://, mysql://, mariadb://, oracle://, http(s)://"),
        click.option("--file", "file_path", type=click.Path(path_type=Path)),
        click.option("--http-format", type=click.Choice(["json", "csv"])),
        click.option("--statement-timeout", "statement_timeout", type=click.FloatRange(min=0.1, max=86400.0),
                     help="Seconds one query of this SQL source may run; the database server stops it then "
                          "(default 60)."),
    ]):
        f = opt(f)
    return f


def _spec(o: dict[str, Any]) -> Any:
    from runtime.campaigns.sources import SourceError, SourceSpec

    try:
        if o.get("url"):
            spec = SourceSpec.from_url(o["url"])
            if spec.kind == "http" and o.get("http_format"):
                spec = SourceSpec(kind="http", http_url=spec.http_url, http_format=o["http_format"])
            return _with_timeout(spec, o)
        if o.get("file_path"):
            p: Path = o["file_path"]
            if not p.is_file():
                fail(f"cannot read {p}: no such file", 2)
            kind = o.get("kind") or ("xlsx" if p.suffix.lower() in (".xlsx", ".xlsm") else "csv")
            return SourceSpec(kind=kind, path=str(p.resolve()))
        if not o.get("kind"):
            fail("give --kind with connection fields, or --url, or --file", 2)
        password = o.get("password")
        if o.get("password_prompt"):
            password = click.prompt("password", hide_input=True)
        return _with_timeout(SourceSpec(kind=o["kind"], host=o.get("host"), port=o.get("port"),
                                        database=o.get("database"), user=o.get("user"), password=password), o)
    except SourceError as e:
        fail(str(e), 2)


def _with_timeout(spec: Any, o: dict[str, Any]) -> Any:
    import dataclasses

    if o.get("statement_timeout") is None:
        return spec
    return dataclasses.replace(spec, statement_timeout_s=o["statement_timeout"])


def _named(ctx: click.Context, name: str) -> Any:
    from sqlmodel import Session, select

    from runtime.campaigns.models import DataSource
    from runtime.campaigns.secrets import DecryptError, SecretBox
    from runtime.campaigns.sources import SourceError, spec_from_record

    with Session(open_db(ctx)) as s:
        rec = s.exec(select(DataSource).where(DataSource.name == name)).first()
    if rec is None:
        fail(f"no data source named {name!r}")
    try:
        return spec_from_record(rec, SecretBox())
    except (DecryptError, SourceError) as e:
        fail(f"data source {name!r}: {e}")


@cli.command("add")
@click.argument("name")
@_spec_options
@click.pass_context
def add_cmd(ctx: click.Context, name: str, **o: Any) -> None:
    """Save a data source under NAME (passwords and URLs are stored encrypted)."""
    from sqlalchemy.exc import IntegrityError

    from runtime.campaigns.sources import save_source

    spec = _spec(o)
    try:
        click.echo(f"source {name!r} ({spec.kind}) saved as id {save_source(open_db(ctx), name, spec)}")
    except IntegrityError:
        fail(f"a data source named {name!r} exists already")


@cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Saved data sources (never their passwords)."""
    from sqlmodel import Session, select

    from runtime.campaigns.models import DataSource
    from runtime.campaigns.sources import DEFAULT_STATEMENT_TIMEOUT_S

    with Session(open_db(ctx)) as s:
        recs = s.exec(select(DataSource).order_by(DataSource.id)).all()  # type: ignore[arg-type]
    rows = [{"id": r.id, "name": r.name, "kind": r.kind, "host": r.host, "database": r.database, "path": r.path,
             "http_url": r.http_url, "has_password": bool(r.password_enc), "has_url": bool(r.url_enc),
             "statement_timeout_s": r.statement_timeout_s or DEFAULT_STATEMENT_TIMEOUT_S} for r in recs]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']:>4}  {r['name']:24} {r['kind']:10} {r['host'] or r['path'] or r['http_url'] or '(url)'}")


_TIMEOUT = click.option("--timeout", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
                        help="Seconds for connecting and for the query (the driver's own read/statement timeout).")


@cli.command("test")
@click.argument("name", required=False)
@_spec_options
@_TIMEOUT
@click.option("--json", "as_json", is_flag=True, help="One JSON object: message and warnings.")
@click.pass_context
def test_cmd(ctx: click.Context, name: str | None, timeout: float, as_json: bool, **o: Any) -> None:
    """Test the connection of a saved source NAME, or of the one given by options.

    For PostgreSQL and MariaDB/MySQL it also says what the account could do beyond reading
    (superuser, server-file roles or the FILE privilege, dblink/postgres_fdw, write grants):
    a source should have a read-only account (docs/campaigns.md)."""
    from runtime.campaigns.sources import SourceError, account_warnings, check_connection
    from runtime.campaigns.sqlguard import UnsafeQuery

    spec = _named(ctx, name) if name else _spec(o)
    try:
        message = check_connection(spec, timeout)
        warnings = account_warnings(spec, timeout)
    except (SourceError, UnsafeQuery) as e:
        fail(str(e))
    if as_json:
        emit_json({"message": message, "read_only": not warnings, "warnings": warnings})
        return
    click.echo(message)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


@cli.command("preview")
@click.argument("name", required=False)
@_spec_options
@click.option("--query", help="Read-only SELECT with :name parameters.")
@click.option("--param", "params", multiple=True, help="KEY=VALUE, repeat.")
@click.option("--json", "as_json", is_flag=True)
@_TIMEOUT
@click.pass_context
def preview_cmd(ctx: click.Context, name: str | None, query: str | None, params: tuple[str, ...], as_json: bool,
                timeout: float, **o: Any) -> None:
    """The first 20 rows (and any bad rows with their line numbers)."""
    from runtime.campaigns.sources import SourceError, preview, rows_to_csv
    from runtime.campaigns.sqlguard import UnparsableQuery, UnsafeQuery

    spec = _named(ctx, name) if name else _spec(o)
    try:
        rows, errors = preview(spec, query, parse_pairs(params, "--param"), timeout)
    except UnparsableQuery as e:  # not SQL at all: unreadable input, like a bad option
        fail(f"--query: {e}", 2)
    except (SourceError, UnsafeQuery) as e:  # refused by the guard, or the server said no
        fail(f"--query: {e}" if isinstance(e, UnsafeQuery) else str(e))
    if as_json:
        emit_json({"rows": [{"row": r.row_no, **dict(r.values)} for r in rows], "errors": [str(x) for x in errors]})
        return
    click.echo(rows_to_csv(rows), nl=False)
    for bad in errors:
        click.echo(str(bad), err=True)
