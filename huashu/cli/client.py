"""``huashu client``: OAuth2 API clients (client credentials) — create, list, revoke, token."""

from __future__ import annotations

from typing import Any

import click

from huashu.cli._common import database_group, emit_json, emit_rows, fail, open_db
from huashu.core.errors import UserError

__all__ = ["cli"]


@database_group
def cli() -> None:
    """OAuth2 API clients (client credentials)."""



@cli.command("create")
@click.argument("name")
@click.option("--scopes", default="config:read tasks:read tasks:write calls:read", show_default=True,
              help="Space-separated: config:read tasks:read tasks:write calls:read")
@click.option("--by", "created_by", help="Admin who creates it (recorded).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def create_cmd(ctx: click.Context, name: str, scopes: str, created_by: str | None, as_json: bool) -> None:
    """Create a client; the secret is printed once and stored only as a hash."""
    from web.api.oauth import create_client

    try:
        cid, secret = create_client(open_db(ctx), name, scopes, created_by)
    except UserError as e:
        fail(str(e))
    if as_json:
        emit_json({"client_id": cid, "client_secret": secret, "scopes": scopes.split()})
    else:
        click.echo(f"client_id:     {cid}\nclient_secret: {secret}\n(the secret is not shown again)")


@cli.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Clients with their scopes (never their secrets)."""
    from web.api.oauth import list_clients

    rows: list[dict[str, Any]] = [{"client_id": c.client_id, "name": c.name, "scopes": c.scopes.split(), "created_by": c.created_by,
             "created_at": c.created_at.isoformat(), "revoked": c.revoked_at is not None} for c in list_clients(open_db(ctx))]
    emit_rows(rows, as_json, lambda r: f"{r['client_id']:20} {r['name']:20} {' '.join(r['scopes']):45} "
                                       f"{'revoked' if r['revoked'] else ''}")


@cli.command("revoke")
@click.argument("client_id")
@click.pass_context
def revoke_cmd(ctx: click.Context, client_id: str) -> None:
    """Revoke a client and delete its tokens."""
    from web.api.oauth import revoke_client

    if not revoke_client(open_db(ctx), client_id):
        fail(f"no active client {client_id!r}")
    click.echo(f"client {client_id} revoked")
