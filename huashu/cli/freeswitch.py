"""``huashu freeswitch``: install the Huashu configuration into a FreeSWITCH, the way the tests do."""

from __future__ import annotations

from pathlib import Path

import click

from huashu.cli._common import emit_json, fail

__all__ = ["cli"]


@click.group(help="FreeSWITCH: install deploy/freeswitch/ into a switch's configuration directory.")
def cli() -> None:
    pass


@cli.command("install-config", help=(
    "Copy deploy/freeswitch/ into CONF_DIR (FreeSWITCH's etc/freeswitch, e.g. /etc/freeswitch), include "
    "vars_huashu.xml from vars.xml, point switch.conf.xml's sessions-per-second and RTP range at the Huashu "
    "variables, and set --set NAME=VALUE in vars_huashu.xml (huashu_trunk_proxy, huashu_esl_password ...). "
    "Idempotent; values set before are kept. Then: fs_cli -x reloadxml; fs_cli -x 'sofia profile external rescan'."
))
@click.argument("conf_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE", help="A value in vars_huashu.xml (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the files written as JSON.")
def install_cmd(conf_dir: Path, assignments: tuple[str, ...], as_json: bool) -> None:
    from telephony.freeswitch.deploy import DeployError, install_config

    values: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="--set")
        values[name.strip()] = value
    try:
        written = install_config(conf_dir, values)
    except DeployError as exc:
        fail(str(exc))
    if as_json:
        emit_json({"conf_dir": str(conf_dir), "written": written, "values": values})
    else:
        for rel in written:
            click.echo(f"wrote {conf_dir / rel}")
