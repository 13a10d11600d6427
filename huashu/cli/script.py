"""``huashu script``: the schema, validation, QA, the library, diff, and the version workflow.

Exit status everywhere: 0 fine, 1 bad content (an invalid script, an illegal transition),
2 unreadable input or wrong usage (not a file, not JSON, not UTF-8, too large, unknown name).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from designer.loader import UnreadableInput, load_json_file
from huashu.cli._common import emit, emit_json, fail, open_db

__all__ = ["cli"]

_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _console() -> Console:
    # Piped or in CI there is no terminal width: use a wide one so messages are not cut into slivers.
    import sys

    width = None if sys.stdout.isatty() else 160
    return Console(highlight=False, soft_wrap=False, width=width)


def _read(path: str) -> Any:
    """``load_json_file`` plus the one failure it lets through: JSON nested deeper than Python recurses."""
    try:
        return load_json_file(path)
    except RecursionError:
        raise UnreadableInput(f"{path}: JSON nested too deeply to read") from None


def _load(path: str) -> Any:
    try:
        return _read(path)
    except UnreadableInput as e:
        fail(str(e), 2)


def _write(path: str, text: str) -> Path:
    """Write an output file the user named; a missing folder or no permission is exit 2, never a traceback.

    The folder is not created: a typo in a path must not leave new directories behind."""
    out = Path(path)
    if not out.parent.is_dir():
        fail(f"cannot write {out}: the folder {out.parent} does not exist", 2)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        fail(f"cannot write {out}: {e.strerror or e}", 2)
    return out


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _ordered(rows: Sequence[tuple[str, ...]], key_columns: tuple[int, ...]) -> list[tuple[str, ...]]:
    """Findings in one order whatever the language: severity, then the code/category/node columns.

    Sorting on the language-neutral columns only keeps ``--lang zh`` and ``--lang en`` tables
    row-for-row comparable."""
    return sorted(rows, key=lambda r: (_SEVERITY_ORDER.get(r[0], 9), *(r[i] for i in key_columns)))


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


def _default_actor() -> str:
    try:
        return os.environ.get("HUASHU_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


_BY = click.option("--by", "actor", default=_default_actor, show_default="$HUASHU_USER or your login",
                   help="Who does this (recorded in the history).")


@contextmanager
def _session() -> Iterator[Any]:
    """A session on the configured database; database trouble is exit 2, store refusals exit 1."""
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session

    from designer.store import StoreError

    engine = open_db()
    try:
        with Session(engine, expire_on_commit=False) as s:
            yield s
            s.commit()
    except StoreError as e:
        fail(str(e), 1)
    except IntegrityError:
        fail("someone else changed this script at the same moment; run the command again", 1)


def _ref(text: str, *, need_version: bool) -> tuple[str, int | None]:
    sid, _, ver = text.partition("@")
    if not sid:
        raise click.BadParameter(f"{text!r}: expected ID or ID@VERSION")
    if not ver:
        if need_version:
            raise click.BadParameter(f"{text!r}: name the version, e.g. {sid}@1")
        return sid, None
    if not ver.isdigit() or int(ver) < 1:
        raise click.BadParameter(f"{text!r}: the version must be a positive number")
    return sid, int(ver)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Call scripts: schema, validate, QA, attack, test cases, new, versions, diff, import/export."""


@cli.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the huashu.script/1 format."""
    from designer.schema import schema_text

    click.echo(schema_text(), nl=False)


_HEADINGS_ZH = {"severity": "级别", "category": "类别", "code": "代码", "node": "节点", "branch": "分支",
                "message": "问题", "suggestion": "修改建议",
                "error": "错误", "warning": "警告", "info": "提示", "validation": "完整性", "coverage": "功能覆盖",
                "prompts": "话术内容", "compliance": "合规", "flow": "流程", "settings": "参数设置",
                "robustness": "抗干扰"}


def _findings_table(title: str, rows: Sequence[tuple[str, ...]], headers: tuple[str, ...],
                    lang: str = "en") -> Table:
    """Severity and category words and the headings follow ``lang``; codes and ids never change."""
    def say(word: str) -> str:
        return _HEADINGS_ZH.get(word, word) if lang == "zh" else word

    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for h in headers:
        table.add_column(say(h), overflow="fold", max_width=70 if h in ("message", "suggestion") else None)
    words = {i for i, h in enumerate(headers) if h in ("severity", "category")}
    for r in rows:
        style = _SEVERITY_STYLE.get(r[0], "")
        cells = [say(c) if i in words else c for i, c in enumerate(r)]
        table.add_row(*(Text(c) for c in cells), style=style)  # Text: messages may contain [brackets]
    return table


def _env_lang() -> str:
    """The reader's language from the locale (POSIX order: LC_ALL, LC_MESSAGES, LANG): zh for zh_*, else en.

    Not from the script's own ``language``: the person reading the findings may well be a Chinese
    reviewer of an English script, and the locale says who is reading."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


_LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default=_env_lang,
                     show_default="zh if LC_ALL/LC_MESSAGES/LANG is zh_*, else en",
                     help="Language of the messages and suggestions (codes stay the same).")


@cli.command("validate")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help='Print {"valid", "errors", "warnings"} as JSON.')
@_LANG
def validate_cmd(file: str, as_json: bool, lang: str) -> None:
    """Check FILE for completeness. Exit 0 valid, 1 invalid, 2 unreadable."""
    from designer.validate import validate

    try:
        doc = _read(file)
    except UnreadableInput as e:
        if as_json:
            emit_json({"valid": False, "errors": [
                {"code": "unreadable", "node": None, "branch": None, "path": "$", "message": str(e)}], "warnings": []})
        fail(str(e), 2, json_error=False)
    report = validate(doc, lang=lang)
    if as_json:
        emit_json(report.to_dict(), indent=2)
    else:
        con = _console()
        found = [("error", f.code, f.node or "", f.branch or "", f.message) for f in report.errors]
        found += [("warning", f.code, f.node or "", f.branch or "", f.message) for f in report.warnings]
        rows = _ordered(found, (1, 2, 3))
        if rows:
            con.print(_findings_table(file, rows, ("severity", "code", "node", "branch", "message"), lang))
        con.print(_verdict(file, report.valid, len(report.errors), len(report.warnings), lang))
    sys.exit(0 if report.valid else 1)


@cli.command("qa")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help='Print {"score", "findings", "metrics"} as JSON.')
@click.option("--forbid", multiple=True, metavar="WORD", help="Extra forbidden word (repeatable).")
@click.option("--min-score", type=click.IntRange(0, 100), default=None,
              help="Exit 1 when the score is below this (for CI).")
@click.option("--no-attack", is_flag=True, help="Leave out the robustness attack (category robustness stays empty).")
@click.option("--policy", metavar="NAME", default=None,
              help="Check the opening against this region policy's disclosure rules (cn, us, eu or a custom one).")
@_LANG
def qa_cmd(file: str, as_json: bool, forbid: tuple[str, ...], min_score: int | None, no_attack: bool,
           lang: str, policy: str | None) -> None:
    """Score FILE 0-100 with findings and suggestions. Exit 1 if invalid (or under --min-score).

    The score includes the robustness attack (`huashu script attack`): branches that miss
    realistic replies or take contrary ones lose points (category robustness)."""
    from designer.qa import qa
    from runtime.lab.attack import measure

    doc = _load(file)
    words = (*_configured_forbidden_words(), *forbid)
    disclosure = None
    if policy:
        from runtime.campaigns.regions import PolicyError, load_policy

        try:
            disclosure = load_policy(policy).disclosure_requirements()
        except PolicyError as e:
            raise click.UsageError(str(e)) from None
    report = qa(doc, forbidden_words=words, lang=lang, robustness=None if no_attack else measure(doc),
                disclosure=disclosure)
    if as_json:
        emit_json(report.to_dict(), indent=2)
    else:
        con = _console()
        rows = _ordered([(f.severity, f.category, f.code, f.node or "", f.message, f.suggestion)
                         for f in report.findings], (1, 2, 3))
        if rows:
            con.print(_findings_table(file, rows, ("severity", "category", "code", "node", "message", "suggestion"),
                                      lang))
        m = report.metrics
        color = "green" if report.score >= 80 else "yellow" if report.score >= 60 else "red"
        con.print(_score_line(file, report.score, color, m, lang))
    valid = bool(report.metrics.get("valid"))
    sys.exit(0 if valid and (min_score is None or report.score >= min_score) else 1)


def _verdict(file: str, valid: bool, errors: int, warnings: int, lang: str) -> str:
    if lang == "zh":
        word = "[bold green]通过[/]" if valid else "[bold red]未通过[/]"
        return f"{file}：校验{word}（{errors} 个错误，{warnings} 个警告）"
    word = "[bold green]valid[/]" if valid else "[bold red]invalid[/]"
    return f"{file}: {word} ({errors} errors, {warnings} warnings)"


def _score_line(file: str, score: int, color: str, m: dict[str, Any], lang: str) -> str:
    turns, longest = m.get("turns_to_success"), m.get("max_prompt_seconds")
    if lang == "zh":
        return (f"{file}：质检得分 [bold {color}]{score}[/]/100"
                + (f"，办理成功至少需 {turns} 轮回答" if turns is not None else "")
                + (f"，最长话术约 {longest} 秒" if longest is not None else ""))
    return (f"{file}: QA score [bold {color}]{score}[/]/100"
            + (f", {turns} answers to success" if turns is not None else "")
            + (f", longest prompt {longest} s" if longest is not None else ""))


def _configured_forbidden_words() -> list[str]:
    try:
        from huashu.core.config import get_settings

        return list(get_settings().forbidden_words)
    except Exception:  # a broken config file must not stop an offline check
        return []


def _library() -> dict[str, Path]:
    from scripts_library import library_paths

    return {p.stem: p for p in library_paths()}


@cli.command("library")
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON.")
def library_cmd(as_json: bool) -> None:
    """List the ready-made scripts that `new --from NAME` starts from."""
    rows = []
    for name, path in _library().items():
        doc = _load(str(path))
        rows.append({"name": name, "id": doc.get("id"), "title": doc.get("name"),
                     "language": doc.get("language"), "nodes": len(doc.get("nodes", []))})
    if as_json:
        emit_json(rows, indent=2)
        return
    table = Table("name", "title", "language", "nodes")
    for r in rows:
        table.add_row(*(Text(str(r[k])) for k in ("name", "title", "language", "nodes")))
    _console().print(table)


@cli.command("new")
@click.option("--from", "source", required=True, metavar="NAME", help="A library script (see `library`).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--id", "new_id", help="Id of the new script (default: NAME-copy).")
@click.option("--name", "new_name", help="Name of the new script.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def new_cmd(source: str, output: str | None, new_id: str | None, new_name: str | None, force: bool) -> None:
    """Start a new script from library script NAME."""
    lib = _library()
    if source not in lib:
        fail(f"no library script {source!r}; choose one of: {', '.join(lib) or '(none)'}", 2)
    doc = _load(str(lib[source]))
    doc["id"] = new_id or f"{doc.get('id', source)}-copy"
    if new_name:
        doc["name"] = new_name
    doc.setdefault("metadata", {})["source"] = f"scripts_library/{lib[source].name}"
    text = _dump(doc) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    if Path(output).exists() and not force:
        fail(f"{output} exists; use --force to overwrite it", 2)
    out = _write(output, text)
    click.echo(f"wrote {out} (id {doc['id']!r}, from {source})", err=True)


def _doc_for_diff(ref: str) -> Any:
    if Path(ref).exists() or "@" not in ref:
        return _load(ref)
    from designer.store import NotFoundError, export_document

    sid, ver = _ref(ref, need_version=False)
    with _session() as s:
        try:
            return export_document(s, sid, ver)
        except NotFoundError as e:  # neither a file nor a stored version: a wrong argument
            fail(f"{ref}: no such file, and {e}", 2)


@cli.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff_cmd(a: str, b: str, as_json: bool) -> None:
    """Show what changed from A to B, node by node. A and B are files or ID@VERSION in the database."""
    from designer.diff import diff_scripts

    da, db = _doc_for_diff(a), _doc_for_diff(b)
    if not isinstance(da, dict) or not isinstance(db, dict):
        fail("both sides must be script documents (JSON objects)", 1)
    d = diff_scripts(da, db)
    emit(d.to_dict(), as_json, d.to_text(), indent=2)


@cli.command("import")
@click.argument("files", nargs=-1, required=True)
@_BY
@click.option("--comment", help="Recorded in the history.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored versions as JSON.")
def import_cmd(files: tuple[str, ...], actor: str, comment: str | None, as_json: bool) -> None:
    """Store FILES as new draft versions (a new script, or the next version of an existing one)."""
    from rich.progress import track

    from designer.store import SchemaRejectedError, StoreError, import_document

    docs = [(f, _load(f)) for f in files]
    out = []
    with _session() as s:
        items = track(docs, description="importing", disable=len(docs) < 5 or as_json)
        for f, doc in items:
            try:
                v = import_document(s, doc, actor=actor, comment=comment)
            except StoreError as e:  # name the file: with several FILES the reader must know which one
                why = e.message(_env_lang()) if isinstance(e, SchemaRejectedError) else str(e)
                fail(f"{f}: {why} (nothing was imported)" if len(docs) > 1 else f"{f}: {why}", 1)
            out.append({"file": f, "id": v.script_id, "version": v.number, "status": v.status})
    if as_json:
        emit_json(out, indent=2)
    else:
        for o in out:
            click.echo(f"{o['file']}: stored as {o['id']}@{o['version']} ({o['status']})")


@cli.command("export")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
def export_cmd(ref: str, output: str | None) -> None:
    """Print (or write) the JSON of a version; the newest when no version is given."""
    from designer.store import export_document

    sid, ver = _ref(ref, need_version=False)
    with _session() as s:
        doc = export_document(s, sid, ver)
    text = _dump(doc) + "\n"
    if output:
        _write(output, text)
    else:
        click.echo(text, nl=False)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the scripts as JSON.")
def list_cmd(as_json: bool) -> None:
    """List the scripts in the database with their newest and approved versions."""
    from designer.store import list_scripts

    with _session() as s:
        rows = list_scripts(s)
    data = [{"id": r.id, "name": r.name, "business": r.business, "latest": r.latest,
             "latest_status": r.latest_status, "approved": r.approved,
             "updated_at": r.updated_at.isoformat(timespec="seconds")} for r in rows]
    if as_json:
        emit_json(data, indent=2)
        return
    table = Table("id", "name", "latest", "status", "approved", "updated")
    for d in data:
        cells = (d["id"], d["name"], d["latest"], d["latest_status"], d["approved"] or "-", d["updated_at"])
        table.add_row(*(Text(str(c)) for c in cells))
    _console().print(table)


def _transition(ref: str, action: str, actor: str, comment: str | None, role: str = "reviewer",
                override: bool = False) -> None:
    from designer import store
    from runtime.lab.gate import approve_checked, submit_checked

    sid, ver = _ref(ref, need_version=True)
    assert ver is not None
    with _session() as s:
        if action == "submit":
            try:
                v, review = submit_checked(s, sid, ver, actor=actor, comment=comment,
                                           forbidden_words=tuple(_configured_forbidden_words()))
            except store.InvalidScriptError as e:
                for f in e.report.errors:
                    click.echo(f"  {f.code} {f.node or ''} {f.message}", err=True)
                raise
        elif action == "approve":
            try:
                v = approve_checked(s, sid, ver, actor=actor, role=role, comment=comment, override=override)
            except store.CasesFailingError as e:
                for name in e.failing:
                    click.echo(f"  failing case: {name}", err=True)
                raise
        elif action == "reject":
            v = store.reject(s, sid, ver, actor=actor, role=role, comment=comment or "")
        else:
            v = store.retire(s, sid, ver, actor=actor, comment=comment)
    extra = f", QA score {v.qa_score}" if action == "submit" else ""
    click.echo(f"{sid}@{ver} is now {v.status}{extra}")
    if action == "submit" and review.run.cases:
        from huashu.cli.script_lab import _print_suite

        _print_suite(f"{sid}@{ver}", review, _env_lang())
    if action == "approve":
        _prerender(v.document)


def _prerender(document: dict[str, Any]) -> None:
    """An approved version's static prompts go into the prompt cache now, not on a call."""
    from runtime.speech.preview import prerender_version
    from runtime.speech.tts_base import TtsError

    try:
        report = prerender_version(document)
    except TtsError as e:  # no TTS engine at all here: approval stands, calls render with fallback
        click.echo(f"  prompts not pre-rendered: {e}", err=True)
        return
    click.echo(f"  prompts: {report.rendered} rendered, {report.from_cache} already cached, "
               f"{len(report.with_variables)} with variables (rendered at call time)")
    for line in report.warnings + report.failures:
        click.echo(f"  {line}", err=True)


@cli.command("submit")
@click.argument("ref", metavar="ID@VERSION")
@_BY
@click.option("--comment")
def submit_cmd(ref: str, actor: str, comment: str | None) -> None:
    """Freeze a draft and send it for review (it must be valid).

    The QA score includes the robustness attack; the version's regression cases run and every
    case whose path changed since the previous approved version is shown."""
    _transition(ref, "submit", actor, comment)


@cli.command("approve")
@click.argument("ref", metavar="ID@VERSION")
@_BY
@click.option("--role", default="reviewer", show_default=True, help="admin may approve their own submission.")
@click.option("--comment")
@click.option("--override", is_flag=True, help="Approve although regression cases fail (needs --comment saying why).")
def approve_cmd(ref: str, actor: str, role: str, comment: str | None, override: bool) -> None:
    """Approve a version in review; only approved versions can be launched.

    The version's regression cases run first; while one fails approval is refused unless
    --override is given with a --comment."""
    _transition(ref, "approve", actor, comment, role, override)


@cli.command("reject")
@click.argument("ref", metavar="ID@VERSION")
@_BY
@click.option("--role", default="reviewer", show_default=True)
@click.option("--comment", required=True, help="What the designer should change.")
def reject_cmd(ref: str, actor: str, role: str, comment: str) -> None:
    """Reject a version in review, saying why."""
    _transition(ref, "reject", actor, comment, role)


@cli.command("retire")
@click.argument("ref", metavar="ID@VERSION")
@_BY
@click.option("--comment")
def retire_cmd(ref: str, actor: str, comment: str | None) -> None:
    """Retire an approved or rejected version."""
    _transition(ref, "retire", actor, comment)


@cli.command("history")
@click.argument("script_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON.")
def history_cmd(script_id: str, as_json: bool) -> None:
    """Who did what to script ID, and when."""
    from designer.store import history

    with _session() as s:
        events = history(s, script_id)
    data = [{"at": e.at.isoformat(timespec="seconds"), "version": e.number, "actor": e.actor,
             "action": e.action, "from": e.from_status, "to": e.to_status, "comment": e.comment}
            for e in events]
    if as_json:
        emit_json(data, indent=2)
        return
    table = Table("at", "version", "actor", "action", "status", "comment")
    for d in data:
        status = f"{d['from'] or ''} -> {d['to']}" if d["from"] != d["to"] else (d["to"] or "")
        cells = (d["at"], d["version"] or "", d["actor"], d["action"], status, d["comment"] or "")
        table.add_row(*(Text(str(c)) for c in cells))
    _console().print(table)


def _add_lab_commands() -> None:
    """``attack`` and ``test`` live in their own module (the script test lab)."""
    from huashu.cli import script_lab

    for name in script_lab.__all__:
        cli.add_command(getattr(script_lab, name))


_add_lab_commands()
