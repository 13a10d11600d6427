"""``huashu chat``: talk to a script in the terminal, or replay a file of answers (``--replies``).

Exit status: 0 the call ran; 1 the script is invalid or a variable is missing/wrong;
2 unreadable input (script or replies file) or bad usage.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

__all__ = ["cli"]


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _parse_vars(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in pairs:
        key, sep, value = p.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{p!r} is not KEY=VALUE", param_hint="--var")
        out[key.strip()] = value
    return out


def _load_script(path: Path, as_json: bool) -> Any:
    from designer.loader import UnreadableInput, load_json_file
    from designer.model import Script
    from designer.validate import validate

    try:
        doc = load_json_file(path)
    except UnreadableInput as e:
        _fail(str(e), 2)
    report = validate(doc)
    if not report.valid and as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    if not report.valid:
        for f in report.errors:
            where = f" [{f.node}{'/' + f.branch if f.branch else ''}]" if f.node else ""
            click.echo(f"{path}: {f.code}{where} {f.path}: {f.message}", err=True)
        _fail(f"{path}: the script is not valid ({len(report.errors)} error(s)); fix it before chatting", 1)
    return Script.from_dict(doc)


def _read_replies(path: Path) -> list[Any]:
    """The replies file under the rules ``validate`` applies to a script: a regular file, at most
    10 MB, UTF-8 text; anything else is exit 2 with the reason."""
    from designer.loader import MAX_SCRIPT_BYTES
    from runtime.dialog.harness import ReplyError, parse_replies

    limit = MAX_SCRIPT_BYTES
    try:
        if not path.exists():
            _fail(f"{path}: no such file", 2)
        if not path.is_file():
            _fail(f"{path}: not a file", 2)
        size = path.stat().st_size
        if size > limit:
            _fail(f"{path}: {size:,} bytes is too large (the limit is {limit:,} bytes)", 2)
        with path.open("rb") as f:
            data = f.read(limit + 1)  # the file may have grown since stat
    except OSError as e:
        _fail(f"{path}: cannot read: {e.strerror}", 2)
    if len(data) > limit:
        _fail(f"{path}: more than {limit:,} bytes is too large (the limit is {limit:,} bytes)", 2)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        _fail(f"{path}: not UTF-8 text (bad byte at offset {e.start})", 2)
    try:
        return parse_replies(text.splitlines())
    except ReplyError as e:
        _fail(f"{path}: {e}", 2)
    raise AssertionError("unreachable")


def _print_bot(console: Any, turns: Any) -> None:
    for b in turns:
        if b.kind == "say":
            console.print(f"[dim]\\[{b.node}][/dim] [bold cyan]bot:[/bold cyan] {b.text}", highlight=False)
        elif b.kind == "transfer":
            console.print(f"[dim]\\[{b.node}][/dim] [magenta]transfer to queue {b.text}[/magenta]", highlight=False)
        else:
            console.print(f"[dim]\\[{b.node}][/dim] [yellow]bot hangs up ({b.text})[/yellow]", highlight=False)


def _print_barge(console: Any, step: Any) -> None:
    """Say what a <barge:...> reply did to the prompt it talked over."""
    if step.reply.kind != "barge":
        return
    if step.interrupted is not None:
        console.print(f"    [yellow]⤷ talks over \\[{step.interrupted.node}] and stops it[/yellow]", highlight=False)
    elif not step.turns and not step.finished:
        console.print("    [yellow]⤷ talks over the bot: ignored (barge-in is off there)[/yellow]", highlight=False)


def _print_turns(console: Any, turns: Any) -> None:
    for t in turns:
        label = t.branch or "-"
        console.print(f"    [green]→ {label}[/green] [dim]{t.why}[/dim]", highlight=False)


def _print_summary(console: Any, record: Any) -> None:
    d = record.to_dict()
    console.print(
        f"[bold]ended:[/bold] {d['ended_by']}  [bold]outcome:[/bold] {d['outcome']}  "
        f"[bold]intent:[/bold] {d['intent']['label']} ({d['intent']['category']})  "
        f"[bold]tags:[/bold] {', '.join(d['tags']) or '-'}  [bold]score:[/bold] {d['score']}",
        highlight=False,
    )
    console.print(f"[bold]path:[/bold] {' → '.join(d['path'])}", highlight=False)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--var", "var_pairs", multiple=True, metavar="KEY=VALUE", help="A call variable (repeatable).")
@click.option("--replies", "replies_file", type=click.Path(path_type=Path), default=None,
              help="Batch mode: one customer turn per line; <silence>, <dtmf:1>, <hangup>, <barge:text> "
                   "(speech over the bot's question), <barge@1500:text> (1.5 s after the bot starts); # comments.")
@click.option("--json", "as_json", is_flag=True, help="Print the call record as JSON.")
@click.option("--confidence", type=click.FloatRange(0, 1), default=0.9, show_default=True,
              help="ASR confidence given to every typed answer.")
@click.option("--examples", is_flag=True, help="Use each declared variable's example when --var does not give it.")
@click.option("--similar", is_flag=True,
              help="Also match answers that are merely similar to an intent's phrases (offline n-gram matcher).")
def cli(file: Path, var_pairs: tuple[str, ...], replies_file: Path | None, as_json: bool, confidence: float,
        examples: bool, similar: bool) -> None:
    """Talk to the script FILE: the bot's prompt, the node, and why a branch matched.

    Interactively, type the customer's answers (<silence>, <dtmf:1>, <hangup>, <barge:text> work too; an empty
    input or end of input hangs up). With --replies the answers come from a file; with --json the
    call record is printed as {"path", "turns", "tags", "score", "ended_by", "intent", ...}.
    """
    from rich.console import Console

    from runtime.dialog.harness import ChatSession, ReplyError, parse_reply
    from runtime.dialog.render import VariableError
    from runtime.nlu.matcher import ScriptCompileError
    from runtime.nlu.semantic import NgramSimilarity

    variables = _parse_vars(var_pairs)
    script = _load_script(file, as_json)
    if examples:
        for name, v in script.variables.items():
            if name not in variables and v.example is not None:
                variables[name] = v.example
    replies = _read_replies(replies_file) if replies_file is not None else None
    try:
        session = ChatSession(script, variables, confidence=confidence,
                              semantic=NgramSimilarity() if similar else None)
    except VariableError as e:
        _fail(f"{e} (give it with --var NAME=VALUE, or --examples)", 1)
    except ScriptCompileError as e:
        _fail(f"{file}: {e}", 1)
    console = Console(stderr=as_json, highlight=False, soft_wrap=True)
    quiet = as_json and replies is not None
    opening = session.start()
    if not quiet:
        _print_bot(console, opening)
    if replies is not None:
        for r in replies:
            if session.finished:
                break
            step = session.say(r)
            if not quiet:
                console.print(f"[bold]customer:[/bold] {r}", highlight=False)
                _print_barge(console, step)
                _print_turns(console, step.turns)
                _print_bot(console, step.bot)
    else:
        stdin = sys.stdin
        interactive = stdin.isatty()
        while not session.finished:
            if interactive:
                console.print("[bold]you>[/bold] ", end="")
            line = stdin.readline()
            if not line or not line.strip():
                break
            try:
                reply = parse_reply(line)
            except ReplyError as e:
                console.print(f"[red]{e}[/red]")
                continue
            step = session.say(reply)
            _print_barge(console, step)
            _print_turns(console, step.turns)
            _print_bot(console, step.bot)
    session.hangup()
    if as_json:
        click.echo(json.dumps(session.record.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(console, session.record)
