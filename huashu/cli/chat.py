"""``huashu chat``: talk to a script in the terminal, or replay a file of answers (``--replies``).

Exit status: 0 the call ran; 1 the script is invalid or a variable is missing/wrong;
2 unreadable input (script or replies file) or bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from huashu.cli._common import emit_json, fail

__all__ = ["cli"]


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
        fail(str(e), 2)
    report = validate(doc)
    if not report.valid and as_json:
        emit_json(report.to_dict(), indent=2)
    if not report.valid:
        for f in report.errors:
            where = f" [{f.node}{'/' + f.branch if f.branch else ''}]" if f.node else ""
            click.echo(f"{path}: {f.code}{where} {f.path}: {f.message}", err=True)
        fail(f"{path}: the script is not valid ({len(report.errors)} error(s)); fix it before chatting", 1,
             json_error=False)  # under --json the validation report above is the output
    return Script.from_dict(doc)


def _read_replies(path: Path) -> list[Any]:
    """The replies file under the rules ``validate`` applies to a script: a regular file, at most
    10 MB, UTF-8 text; anything else is exit 2 with the reason."""
    from designer.loader import MAX_SCRIPT_BYTES
    from runtime.dialog.harness import ReplyError, parse_replies

    limit = MAX_SCRIPT_BYTES
    try:
        if not path.exists():
            fail(f"{path}: no such file", 2)
        if not path.is_file():
            fail(f"{path}: not a file", 2)
        size = path.stat().st_size
        if size > limit:
            fail(f"{path}: {size:,} bytes is too large (the limit is {limit:,} bytes)", 2)
        with path.open("rb") as f:
            data = f.read(limit + 1)  # the file may have grown since stat
    except OSError as e:
        fail(f"{path}: cannot read: {e.strerror}", 2)
    if len(data) > limit:
        fail(f"{path}: more than {limit:,} bytes is too large (the limit is {limit:,} bytes)", 2)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        fail(f"{path}: not UTF-8 text (bad byte at offset {e.start})", 2)
    try:
        return parse_replies(text.splitlines())
    except ReplyError as e:
        fail(f"{path}: {e}", 2)
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
@click.option("--audio-replies", "audio_replies", default=None, metavar="A.WAV,B.WAV,...",
              help="Batch mode from audio: each file is one customer turn, heard as on a call (VAD, the "
                   "recogniser, closed-set matching on the listening node). The JSON record gains "
                   '"audio": per turn the hypothesis, branch, confidence and whether it was rejected.')
@click.option("--asr", "asr_provider", type=click.Choice(["auto", "vosk", "whisper", "http"]), default=None,
              help="Recogniser for --audio-replies (default: settings speech.asr_provider).")
@click.option("--forced-scoring", is_flag=True,
              help="With --audio-replies: when the words are rejected, let Whisper's decoder score the node's "
                   "phrases (experimental: more right answers, but more false accepts).")
@click.option("--json", "as_json", is_flag=True, help="Print the call record as JSON.")
@click.option("--confidence", type=click.FloatRange(0, 1), default=0.9, show_default=True,
              help="ASR confidence given to every typed answer.")
@click.option("--examples", is_flag=True, help="Use each declared variable's example when --var does not give it.")
@click.option("--similar", is_flag=True,
              help="Also match answers that are merely similar to an intent's phrases (offline n-gram matcher).")
def cli(file: Path, var_pairs: tuple[str, ...], replies_file: Path | None, audio_replies: str | None,
        asr_provider: str | None, forced_scoring: bool, as_json: bool, confidence: float, examples: bool,
        similar: bool) -> None:
    """Talk to the script FILE: the bot's prompt, the node, and why a branch matched.

    Interactively, type the customer's answers (<silence>, <dtmf:1>, <hangup>, <barge:text> work too; an empty
    input or end of input hangs up). With --replies the answers come from a file; with --json the
    call record is printed as {"path", "turns", "tags", "score", "ended_by", "intent", ...}.
    """
    from rich.console import Console

    from runtime.dialog.harness import ChatSession
    from runtime.dialog.render import VariableError
    from runtime.nlu.matcher import ScriptCompileError
    from runtime.nlu.semantic import NgramSimilarity

    variables = _parse_vars(var_pairs)
    script = _load_script(file, as_json)
    if examples:
        for name, v in script.variables.items():
            if name not in variables and v.example is not None:
                variables[name] = v.example
    if replies_file is not None and audio_replies is not None:
        raise click.UsageError("--replies and --audio-replies exclude each other")
    replies = _read_replies(replies_file) if replies_file is not None else None
    try:
        session = ChatSession(script, variables, confidence=confidence,
                              semantic=NgramSimilarity() if similar else None)
    except VariableError as e:
        fail(f"{e} (give it with --var NAME=VALUE, or --examples)", 1)
    except ScriptCompileError as e:
        fail(f"{file}: {e}", 1)
    console = Console(stderr=as_json, highlight=False, soft_wrap=True)
    quiet = as_json and replies is not None
    quiet = quiet or (as_json and audio_replies is not None)
    opening = session.start()
    if not quiet:
        _print_bot(console, opening)
    heard: list[dict[str, Any]] = []
    if audio_replies is not None:
        for path, r in _hear_files(session, script, audio_replies, asr_provider, heard, forced_scoring):
            step = session.say(r)
            if not quiet:
                console.print(f"[bold]customer ({path.name}):[/bold] {r.text or '<silence>'}  "
                              f"[dim]{heard[-1]['reason']}[/dim]", highlight=False)
                _print_turns(console, step.turns)
                _print_bot(console, step.bot)
            if session.finished:
                break
    elif replies is not None:
        _replay(session, console, replies, quiet)
    else:
        _converse(session, console)
    session.hangup()
    if as_json:
        out = session.record.to_dict()
        if audio_replies is not None:
            out["audio"] = heard
        emit_json(out, indent=2)
    else:
        _print_summary(console, session.record)


def _replay(session: Any, console: Any, replies: list[Any], quiet: bool) -> None:
    """The answers of a --replies file, one a turn, until the call ends."""
    for r in replies:
        if session.finished:
            break
        step = session.say(r)
        if not quiet:
            console.print(f"[bold]customer:[/bold] {r}", highlight=False)
            _print_barge(console, step)
            _print_turns(console, step.turns)
            _print_bot(console, step.bot)


def _converse(session: Any, console: Any) -> None:
    """Answers typed on stdin (a prompt in a terminal); an empty line or end of input hangs up."""
    from runtime.dialog.harness import ReplyError, parse_reply

    interactive = sys.stdin.isatty()
    while not session.finished:
        if interactive:
            console.print("[bold]you>[/bold] ", end="")
        line = sys.stdin.readline()
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


def _hear_files(session: Any, script: Any, files: str, provider: str | None,
                heard: list[dict[str, Any]], forced: bool = False) -> Any:
    """Yield (file, Reply) for each audio reply, heard on the node the bot is listening on then.

    Every file is checked (exists, audio, at most 60 s) before the first is recognised, so a
    typo in the last name does not cost a minute of recognition first."""
    from huashu.core.config import get_settings
    from runtime.dialog.replies import Reply
    from runtime.speech.asr import AsrError, build_asr
    from runtime.speech.expected import asr_language
    from runtime.speech.replyfile import NotAudio, ReplyTooLong, read_reply_8k
    from runtime.speech.turn import hear_turn

    paths = [Path(p.strip()) for p in files.split(",") if p.strip()]
    if not paths:
        raise click.BadParameter("no file given", param_hint="--audio-replies")
    pcms: list[bytes] = []
    for p in paths:
        try:
            pcms.append(read_reply_8k(p, 60.0))
        except OSError as e:
            fail(f"{p}: cannot read: {e.strerror or e}", 2)
        except (NotAudio, ReplyTooLong) as e:
            fail(f"{p}: {e}", 2)
    try:
        asr = build_asr(get_settings(), provider=provider, language=asr_language(script))
    except AsrError as e:
        fail(str(e), 1)
    for p, pcm in zip(paths, pcms, strict=True):
        if session.finished:
            return
        node = session.engine.current_node
        if node is None or not script.by_id[node].listens:
            return
        try:
            turn = hear_turn(asr, script, node, pcm, forced=forced)
        except AsrError as e:
            fail(f"{p}: {e}", 1)
        d = {"file": str(p), **turn.to_dict()}
        heard.append(d)
        if turn.result is None or not turn.result.text.strip():  # nothing heard: a call waits in silence too
            yield p, Reply("silence")
        else:
            v = turn.verdict
            assert v is not None
            yield p, Reply("speech", v.text, confidence=v.confidence, branch_hint=v.branch_hint, note=v.note)
