"""``huashu user``: create users (the first admin too), list them, change roles."""

from __future__ import annotations

import sys

import click

from huashu.cli._common import emit_json, emit_rows, fail, open_db
from huashu.core.errors import UserError

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Users and roles: admin, designer, reviewer, operator."""


def _role(value: str) -> str:
    """An unknown role is a usage error (exit 2), checked before anything is written."""
    from web.auth.roles import parse_role

    try:
        return parse_role(value).value
    except UserError as e:
        raise click.BadParameter(str(e), param_hint="ROLE") from None


@cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help="admin, designer, reviewer or operator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (else one is generated and printed).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def create(username: str, role: str, password_stdin: bool, as_json: bool) -> None:
    """Create USERNAME with ROLE. Without --password-stdin a random password is generated and printed once."""
    from web.auth.passwords import generate_password
    from web.auth.users import create_user

    role = _role(role)
    generated = not password_stdin
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin: standard input held no password")
    else:
        password = generate_password()
    try:
        user = create_user(open_db(), username, password, role)
    except UserError as e:
        fail(str(e))
    if as_json:
        out = {"username": user.username, "role": user.role, "id": user.id}
        if generated:
            out["password"] = password
        emit_json(out)
        return
    click.echo(f"created {user.username} ({user.role})")
    if generated:
        click.echo(f"password: {password}")
        click.echo("(shown once; it is stored only as an argon2 hash)", err=True)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
def list_cmd(as_json: bool) -> None:
    """List users and their roles."""
    from web.auth.users import list_users

    users = list_users(open_db())
    rows = [
        {
            "username": u.username,
            "role": u.role,
            "active": u.active,
            "created_at": u.created_at.isoformat(timespec="seconds"),
            "last_login_at": u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else None,
        }
        for u in users
    ]
    emit_rows(rows, as_json, lambda r: f"{r['username']:<24} {r['role']:<10} {'active' if r['active'] else 'disabled':<9} "
                                       f"last sign-in {r['last_login_at'] or '-'}",
              empty="no users yet: huashu user create NAME --role admin")


@cli.command("set-role")
@click.argument("username")
@click.argument("role")
def set_role_cmd(username: str, role: str) -> None:
    """Give USERNAME the role ROLE (takes effect on their next request)."""
    from web.auth.users import set_role

    role = _role(role)
    try:
        user = set_role(open_db(), username, role)
    except UserError as e:
        fail(str(e))
    click.echo(f"{user.username} is now {user.role}")
