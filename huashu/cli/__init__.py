"""The ``huashu`` command. Each area owns one module here that defines a click command named ``cli``.

Sub-commands load lazily, when they run, so ``huashu --help`` stays fast. A command module
that cannot be imported is an error (``ModuleNotFoundError``), never a command quietly left
out of the list.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from huashu import __version__

__all__ = ["main", "COMMANDS"]

# command name -> (module, help line shown in `huashu --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "script": ("huashu.cli.script", "Call scripts: schema, validate, QA, new, versions, diff, import/export."),
    "chat": ("huashu.cli.chat", "Talk to a script in the terminal, or replay a file of answers (--json)."),
    "hotwords": ("huashu.cli.hotwords", "Each listening node's hotwords and closed-set candidates (--json)."),
    "serve": ("huashu.cli.serve", "Run the web app (editor, operator pages, REST API)."),
    "user": ("huashu.cli.user", "Users and roles: create the first admin, list, change roles."),
    "client": ("huashu.cli.client", "OAuth2 API clients (client credentials)."),
    "demo": ("huashu.cli.demo", "Run the demo campaign on the simulator end to end."),
    "campaign": ("huashu.cli.campaign", "Call tasks: create, start, pause, stop, progress."),
    "source": ("huashu.cli.source", "Customer data sources: add, list, test, preview."),
    "blacklist": ("huashu.cli.blacklist", "Blacklist numbers globally or per task."),
    "callerid": ("huashu.cli.callerid", "Caller-id pools: import, health, which number a call would show."),
    "sms": ("huashu.cli.sms", "SMS follow-up: rules per task, messages and their status, text length."),
    "runtime": ("huashu.cli.runtime", "Run a runtime node: scheduler and dialer."),
    "data": ("huashu.cli.data", "Synthetic customer data for demos and tests."),
    "audience": ("huashu.cli.audience", "Audiences: prepare data, train, score, select, uplift."),
    "report": ("huashu.cli.report", "Campaign analytics report."),
    "tts": ("huashu.cli.tts", "Render prompts to audio (TTS) and manage the prompt cache."),
    "asr": ("huashu.cli.asr", "Recognise speech in a WAV file."),
    "models": ("huashu.cli.model_files", "Speech models: which are installed and where to get others."),
    "sip": ("huashu.cli.sip", "SIP driver: place a test call."),
    "media": ("huashu.cli.media", "What answers a call: classify a recording (announcement, ringback, voicemail, person)."),
    "freeswitch": ("huashu.cli.freeswitch", "FreeSWITCH: install the Huashu configuration into a switch."),
    "db": ("huashu.cli.db", "Database: migrate, show the URL."),
    "privacy": ("huashu.cli.privacy", "Personal data: erase a number, record an opt-out, run retention."),
    "audit": ("huashu.cli.audit", "Audit trail: list entries (filters, --json/--csv), verify the hash chain."),
}


_ARGV = "huashu.argv"


class LazyGroup(click.Group):
    """The ``huashu`` group: loads a command when it runs; a click error (usage, bad value) of a
    command line with ``--json`` also prints the JSON error object the commands' own errors print."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGV] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as e:
            from huashu.cli._common import echo_click_error

            echo_click_error(e, ctx.meta.get(_ARGV, []))
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        cmd: click.Command = module.cli
        cmd.name = cmd_name
        if not cmd.short_help:
            cmd.short_help = entry[1]
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][1]) for n in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="huashu")
def cli() -> None:
    """Huashu (话术): design voice-bot call scripts and run them in outbound campaigns."""
    _bind_cli_actor()


def _bind_cli_actor() -> None:
    """Changes made from the command line are audited as ``cli:<OS user>`` from this host."""
    import getpass
    import socket

    from runtime.audit.context import Actor, bind

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    bind(Actor(f"cli:{user}", socket.gethostname()))


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="huashu", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
