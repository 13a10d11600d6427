"""``huashu campaign``: call tasks — create, list, show, start, pause, stop, delete, progress."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from huashu.cli._common import database_group, emit, emit_json, fail, open_db
from huashu.core.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from runtime.campaigns.models import CallTask

__all__ = ["cli", "parse_pairs"]


def parse_pairs(items: tuple[str, ...], what: str, split_commas: bool = False) -> dict[str, str]:
    """KEY=VALUE options into a dict (exit 2 on a malformed one). ``split_commas``: an item may
    hold several pairs, ``phone=tel,name=name`` (column names never contain commas)."""
    out: dict[str, str] = {}
    pieces = [p for it in items for p in (it.split(",") if split_commas else [it])]
    for it in pieces:
        if "=" not in it:
            fail(f"{what} {it!r} is not KEY=VALUE", 2)
        k, v = it.split("=", 1)
        if not k.strip():
            fail(f"{what} {it!r} has no KEY before '='", 2)
        out[k.strip()] = v.strip()
    return out


def _task_dict(t: Any) -> dict[str, Any]:
    d = t.model_dump()
    for k in ("query_params", "mapping"):
        d[k] = json.loads(d[k] or "{}")
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in d.items()}


def _task_or_fail(engine: Engine, task_id: int) -> CallTask:
    """Task ``task_id``; exit 1 (``no task with id ...``) when there is none."""
    from runtime.campaigns.tasks import get_task

    task = get_task(engine, task_id)
    if task is None:
        fail(f"no task with id {task_id}")
    return task


@database_group
def cli() -> None:
    """Call tasks: create, start, pause, stop, progress."""



def _upload(engine: Any, path: Path) -> int:
    """Keep an uploaded CSV/XLSX in the data dir as a source (:func:`runtime.campaigns.sources.keep_upload`)."""
    from huashu.core.config import get_settings
    from runtime.campaigns.sources import keep_upload

    if not path.is_file():
        fail(f"cannot read {path}: no such file", 2)
    try:
        with path.open("rb"):
            pass
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}", 2)
    return keep_upload(engine, Path(get_settings().data_dir), path)


def _usage_checks(o: dict[str, Any]) -> None:
    """Option problems a user fixes on the command line: exit 2 before anything is stored."""
    from zoneinfo import ZoneInfo

    from runtime.campaigns.cronspec import CronError, check_cron

    if sum(bool(o[k]) for k in ("source_name", "file_path", "audience_ref")) > 1:
        fail("use one of --source, --file or --audience", 2)
    if not (o["source_name"] or o["file_path"] or o["audience_ref"] or o["numbers_later"]):
        fail("where do the numbers come from? give --source, --file or --audience "
             "(or --numbers-later and `huashu campaign add-numbers`)", 2)
    try:
        ZoneInfo(o["timezone"])
    except Exception:
        fail(f"--tz: unknown time zone {o['timezone']!r} (e.g. Asia/Shanghai)", 2)
    if o["cron"] is not None:
        if not o["cron"].strip():
            fail("--cron: empty expression; leave --cron out for a one-off run", 2)
        if o["once_at"]:
            fail("use --cron or --once-at, not both", 2)
        try:
            check_cron(o["cron"], o["timezone"])
        except CronError as e:
            fail(f"--cron: {e}", 2)


def _source_id(engine: Any, name: str) -> int:
    from sqlmodel import Session, select

    from runtime.campaigns.models import DataSource

    with Session(engine) as s:
        rec = s.exec(select(DataSource).where(DataSource.name == name)).first()
    if rec is None or rec.id is None:
        fail(f"no data source named {name!r} (see `huashu source list`)")
    return rec.id


def _audience_id(engine: Any, ref: str) -> int:
    from sqlmodel import Session

    from runtime.audience.store import get_audience

    with Session(engine) as s:
        try:
            aud = get_audience(s, ref)
        except KeyError as e:
            fail(f"{e.args[0]} (see `huashu audience list`)")
    assert aud.id is not None
    return aud.id


@cli.command("create")
@click.option("--name", required=True, help="Task name shown in lists and reports.")
@click.option("--business", required=True, help="The dedupe key: numbers called for it recently are skipped.")
@click.option("--script", "script_id", required=True, help="Script id in the designer store; only an approved version can start.")
@click.option("--version", "script_version", type=int, help="Script version (default: newest approved at start).")
@click.option("--source", "source_name", help="A data source added with `huashu source add`.")
@click.option("--file", "file_path", type=click.Path(path_type=Path), help="Upload a CSV/XLSX list as the source.")
@click.option("--audience", "audience_ref", help="Take the numbers from a saved audience (id or name); read anew on every run.")
@click.option("--numbers-later", is_flag=True, help="No source: numbers come with `huashu campaign add-numbers` (or the API).")
@click.option("--best-time", is_flag=True, help="Call each number in its segment's best half hour (from `huashu report best-time --save-default`).")
@click.option("--query", help="Read-only SELECT with :name parameters (SQL sources).")
@click.option("--param", "params", multiple=True, help="Query parameter KEY=VALUE (repeat).")
@click.option("--map", "maps", multiple=True,
              help="FIELD=COLUMN, repeat or comma-separate; fields: phone, secondary_phone, customer_id, name "
                   "(e.g. --map phone=tel,name=cust_name; default phone=phone).")
@click.option("--var", "vars_", multiple=True, help="Script variable VAR=COLUMN, repeat or comma-separate.")
@click.option("--consent", "consent_maps", multiple=True,
              help="Consent columns basis=COLUMN[,date=COLUMN][,source=COLUMN] (values: consent, contract, "
                   "legitimate_interest, none).")
@click.option("--business-type", type=click.Choice(["marketing", "service", "collection"]),
              help="Decides the legal bases the numbers need (marketing: consent); numbers without one are dropped.")
@click.option("--region-policy", help="Region policy: cn, us, eu or a custom one in <data_dir>/policies "
                                      "(calling hours, holidays, attempts, disclosure).")
@click.option("--cron", help="Cron schedule, e.g. '0 9 * * 1-5' (leave out for one run).")
@click.option("--once-at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]), help="One run at this local time.")
@click.option("--tz", "timezone", default="Asia/Shanghai", show_default=True, help="Time zone of --cron and --once-at.")
@click.option("--windows", default="09:00-12:00,13:30-20:00", show_default=True, help="Calling windows, customer's local time ('' = any time).")
@click.option("--redial", "redial_count", default=0, show_default=True, help="Redials of a number after a redialled outcome (0..20).")
@click.option("--redial-interval", "redial_interval_s", default=600, show_default=True, help="Seconds.")
@click.option("--redial-outcomes", default="no_answer,busy", show_default=True, help="Outcomes that earn a redial.")
@click.option("--secondary/--no-secondary", "call_secondary", default=False, help="Call the secondary number (是否呼叫二联).")
@click.option("--max-concurrent", default=5, show_default=True, help="Calls of this task up at once.")
@click.option("--cps", "calls_per_second", default=1.0, show_default=True, help="Calls started per second.")
@click.option("--spread", is_flag=True, help="Spread the calls over the calling window.")
@click.option("--agent-group", help="Agent group that takes transfers to a human.")
@click.option("--voice", help="TTS voice (default: the script's).")
@click.option("--caller-id", help="Number shown to the customer.")
@click.option("--caller-pool", help="Caller-id pool (`huashu callerid import`): each call shows its best local number.")
@click.option("--priority", type=click.IntRange(0, 9), default=0, show_default=True,
              help="0..9: tasks sharing the line get its calls by priority (9 first; lower ones keep a small share).")
@click.option("--dedupe-days", type=int, help="Override the global dedupe window for this task.")
@click.option("--misfire", type=click.Choice(["fire_once", "skip"]), default="fire_once", show_default=True,
              help="A cron run missed while no node ran: fire once late, or skip it.")
@click.option("--answer", "answer_mode", type=click.Choice(["node", "on", "off"]), default="node", show_default=True,
              help="Classify what answers (operator announcements, voicemail, screening; docs/answering.md): "
                   "node = the node's [answer] enabled, or on/off for this task.")
@click.option("--on-machine", "answer_on_machine", type=click.Choice(["hangup", "message"]),
              help="A voicemail/IVR answers: hang up, or leave --machine-message (default: the node's).")
@click.option("--machine-message", "answer_message", help="Said to a voicemail box with --on-machine message (<= 500 chars).")
@click.option("--screener-text", "answer_screener_text",
              help="Said to a call screener: who calls and why (<= 500 chars); without it screeners are hung up on.")
@click.option("--json", "as_json", is_flag=True, help="Print the created task as JSON.")
@click.pass_context
def create_cmd(ctx: click.Context, **o: Any) -> None:
    """Create a task in draft; `huashu campaign start ID` launches it."""
    from zoneinfo import ZoneInfo

    from runtime.campaigns.sources import forget_upload
    from runtime.campaigns.tasks import TaskError, TaskSpec, check_script_exists, create_task

    engine = open_db(ctx)
    _usage_checks(o)
    mapping: dict[str, Any] = parse_pairs(o["maps"], "--map", split_commas=True)
    mapping.setdefault("phone", "phone")
    if o["vars_"]:
        mapping["variables"] = parse_pairs(o["vars_"], "--var", split_commas=True)
    if o["consent_maps"]:
        mapping["consent"] = parse_pairs(o["consent_maps"], "--consent", split_commas=True)
    query_params = parse_pairs(o["params"], "--param")
    once_at = o["once_at"].replace(tzinfo=ZoneInfo(o["timezone"])) if o["once_at"] else None
    if o["file_path"] and not o["file_path"].is_file():
        fail(f"cannot read {o['file_path']}: no such file", 2)
    try:
        check_script_exists(engine, o["script_id"])
    except TaskError as e:
        fail(str(e))
    audience_id = _audience_id(engine, o["audience_ref"]) if o["audience_ref"] else None
    source_id = _source_id(engine, o["source_name"]) if o["source_name"] else None
    uploaded = _upload(engine, o["file_path"]) if o["file_path"] else None
    spec = TaskSpec(
        name=o["name"], business=o["business"], source_id=uploaded or source_id, query=o["query"],
        query_params=query_params, mapping=mapping,
        schedule_kind="cron" if o["cron"] else "once", cron=o["cron"], timezone=o["timezone"], once_at=once_at,
        script_id=o["script_id"], script_version=o["script_version"], voice=o["voice"], caller_id=o["caller_id"],
        caller_pool=o["caller_pool"], priority=o["priority"],
        redial_count=o["redial_count"], redial_interval_s=o["redial_interval_s"], redial_outcomes=o["redial_outcomes"],
        call_secondary=o["call_secondary"], windows=o["windows"], max_concurrent=o["max_concurrent"],
        calls_per_second=o["calls_per_second"], spread=o["spread"], agent_group=o["agent_group"],
        dedupe_days=o["dedupe_days"], misfire=o["misfire"], audience_id=audience_id, best_time=o["best_time"],
        answer_mode=o["answer_mode"], answer_on_machine=o["answer_on_machine"], answer_message=o["answer_message"],
        answer_screener_text=o["answer_screener_text"],
        business_type=o["business_type"], region_policy=o["region_policy"],
    )
    try:
        task = create_task(engine, spec)
    except TaskError as e:
        if uploaded is not None:
            forget_upload(engine, uploaded)
        fail(str(e))
    except BaseException:
        if uploaded is not None:
            forget_upload(engine, uploaded)
        raise
    emit(_task_dict(task), o["as_json"], f"created task {task.id} ({task.name}), draft")


@cli.command("list")
@click.option("--name", help="Task name contains.")
@click.option("--script", help="Script id contains.")
@click.option("--all", "include_deleted", is_flag=True, help="Include deleted tasks.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def list_cmd(ctx: click.Context, name: str | None, script: str | None, include_deleted: bool, as_json: bool) -> None:
    """Tasks, newest first, with progress and connect rate."""
    from rich.console import Console
    from rich.table import Table

    from runtime.campaigns.progress import progress
    from runtime.campaigns.tasks import list_tasks

    engine = open_db(ctx)
    tasks = list_tasks(engine, include_deleted, name, script)
    out = []
    for t in tasks:
        p = progress(engine, int(t.id or 0))
        out.append({**_task_dict(t), "progress": p.to_dict()})
    if as_json:
        emit_json(out)
        return
    table = Table("id", "name", "business", "script", "status", "priority", "numbers", "finished", "connect rate",
                  "agent group")
    for d in out:
        p = d["progress"]
        table.add_row(str(d["id"]), d["name"], d["business"], f"{d['script_id']}@{d['script_version'] or 'latest'}",
                      d["status"], str(d.get("priority", 0)), str(p["total"]), str(p["finished"]), f"{p['connect_rate']:.1%}", d["agent_group"] or "")
    console = Console()
    console.print(table)
    for d in out:
        if d["progress"]["last_error"]:
            console.print(f"task {d['id']} ({d['status']}): [red]{d['progress']['last_error']}[/red]", markup=True,
                          highlight=False)


@cli.command("show")
@click.argument("task_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def show_cmd(ctx: click.Context, task_id: int, as_json: bool) -> None:
    """One task's settings."""
    d = _task_dict(_task_or_fail(open_db(ctx), task_id))
    if as_json:
        emit_json(d)
    else:
        for k, v in d.items():
            click.echo(f"{k:18} {v}")


def _action(action: str) -> click.Command:
    @click.argument("task_id", type=int)
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
    @click.pass_context
    def cmd(ctx: click.Context, task_id: int, as_json: bool) -> None:
        from runtime.campaigns.scripts import store_resolver
        from runtime.campaigns.tasks import TaskError, set_status

        engine = open_db(ctx)
        try:
            t = set_status(engine, task_id, action, store_resolver(engine))
        except TaskError as e:
            fail(str(e))
        emit({"id": t.id, "status": t.status}, as_json, f"task {t.id}: {t.status}")

    cmd.__doc__ = {
        "start": "Start (or resume) a task; its script version must be approved.",
        "pause": "Pause: no new calls; calls already up finish.",
        "stop": "Stop for good: numbers not yet dialled are closed with reason task_stopped.",
        "delete": "Delete: the task disappears from lists; its history stays.",
    }[action]
    return click.command(action)(cmd)


for _a in ("start", "pause", "stop", "delete"):
    cli.add_command(_action(_a))


@cli.command("update")
@click.argument("task_id", type=int)
@click.option("--set", "sets", multiple=True, required=True, help="FIELD=VALUE (JSON values allowed), repeat.")
@click.pass_context
def update_cmd(ctx: click.Context, task_id: int, sets: tuple[str, ...]) -> None:
    """Change fields, also of a running task (pacing, windows and redials apply at once)."""
    from runtime.campaigns.tasks import TaskError, TaskSpec, update_task

    changes: dict[str, Any] = {}
    for k, v in parse_pairs(sets, "--set").items():
        if k not in TaskSpec.__dataclass_fields__:
            fail(f"--set {k}: not a task field; fields: {', '.join(TaskSpec.__dataclass_fields__)}", 2)
        try:
            changes[k] = json.loads(v)
        except json.JSONDecodeError:
            changes[k] = v
    try:
        t = update_task(open_db(ctx), task_id, changes)
    except TaskError as e:
        fail(str(e))
    click.echo(f"task {t.id} updated")


@cli.command("add-numbers")
@click.argument("task_id", type=int)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def add_numbers_cmd(ctx: click.Context, task_id: int, file: Path, as_json: bool) -> None:
    """Screen a CSV/XLSX list into the task's dial queue now (the task's column mapping applies)."""
    import re

    from huashu.core.config import get_settings
    from runtime.campaigns.loading import add_numbers
    from runtime.campaigns.mapping import ColumnMapping, MappingError
    from runtime.campaigns.screening import paused_gc
    from runtime.campaigns.tasks import TaskError, check_file_mapping
    from runtime.campaigns.uploads import RowError, UploadError, read_upload

    engine = open_db(ctx)
    task = _task_or_fail(engine, task_id)
    try:
        check_file_mapping(engine, task)
    except TaskError as e:
        fail(str(e))
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    errors: list[RowError] = []
    # on the terminal only (stderr), gone when done: a million-row list takes a while
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, disable=as_json or not sys.stderr.isatty()) as bar:
        reading = bar.add_task(f"reading {file.name}", total=None)
        try:
            with paused_gc():  # a million rows, none of them in a cycle
                rows = list(ColumnMapping.from_dict(json.loads(task.mapping)).apply(read_upload(file, errors)))
        except UploadError as e:
            fail(str(e), 2)
        except MappingError as e:
            fail(str(e))
        bar.update(reading, total=len(rows), completed=len(rows))
        screening = bar.add_task("screening", total=len(rows))
        try:
            run_id, stats = add_numbers(engine, task_id, rows, get_settings().phone_region, errors=errors,
                                        progress=lambda n: bar.update(screening, completed=n))
        except UserError as e:
            fail(str(e))
    from runtime.campaigns.queue import dropped_rows, flagged_rows

    with engine.connect() as conn:  # every dropped row of this run, bad rows included, by line
        drops = [d | {"message": re.sub(r"^(?:row|line) \d+: ", "", d["message"] or "")} for d in dropped_rows(conn, run_id)]
        flagged = flagged_rows(conn, run_id)  # kept, but part of the row ignored (a bad secondary number)
    res: dict[str, Any] = {"run_id": run_id, "total": stats.total + len(errors), "queued": stats.queued,
           "dropped": stats.dropped + len(errors), "reasons": {**stats.reasons, **({"bad_row": len(errors)} if errors else {})},
           "flags": stats.flagged, "bad_rows": [str(e) for e in errors], "dropped_rows": drops, "flagged_rows": flagged}
    if as_json:
        emit_json(res)
        return
    click.echo(f"run {run_id}: {res['total']} rows, {res['queued']} queued, {res['dropped']} dropped")
    for k, v in sorted(res["reasons"].items()):
        click.echo(f"  {k}: {v}")
    for k, v in sorted(stats.flagged.items()):
        click.echo(f"  flagged {k}: {v}")
    shown = 50  # the terminal gets the first ones; --json has them all
    for d in drops[:shown]:
        click.echo(f"  line {d['line']}: {d['reason']}: {d['message']}", err=True)
    if len(drops) > shown:
        click.echo(f"  … and {len(drops) - shown} more dropped rows (all of them: --json, or campaign export)", err=True)
    for d in flagged[:shown]:
        click.echo(f"  line {d['line']}: {d['reason']}: {d['message']}", err=True)
    if len(flagged) > shown:
        click.echo(f"  … and {len(flagged) - shown} more flagged rows (all of them: --json)", err=True)


@cli.command("progress")
@click.argument("task_id", type=int)
@click.option("--watch", is_flag=True, help="Refresh every second until the task is no longer running.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def progress_cmd(ctx: click.Context, task_id: int, watch: bool, as_json: bool) -> None:
    """Counts by state, drop reason and call outcome, and the connect rate."""
    from runtime.campaigns.progress import progress
    from runtime.campaigns.tasks import get_task

    engine = open_db(ctx)
    t = _task_or_fail(engine, task_id)
    if as_json:
        emit_json({"status": t.status, **progress(engine, task_id).to_dict()})
        return
    from rich.console import Group
    from rich.live import Live
    from rich.table import Table
    from rich.text import Text

    def render() -> Group:
        # the heading is its own line: as a table title it wrapped to the two narrow columns
        p = progress(engine, task_id)
        cur = get_task(engine, task_id)
        heading = Text(f"task {task_id} — {cur.status if cur else '?'} — {p.finished}/{p.total} finished, "
                       f"connect rate {p.connect_rate:.1%}, {p.calls_up} calls up", style="bold")
        parts: list[Any] = [heading]
        if p.last_error:
            parts.append(Text(f"last error: {p.last_error}", style="red"))
        table = Table()
        table.add_column("count")
        table.add_column("value", justify="right")
        for k, v in sorted(p.by_state.items()):
            table.add_row(f"state {k}", str(v))
        for k, v in sorted(p.dropped_by_reason.items()):
            table.add_row(f"dropped: {k}", str(v))
        for k, v in sorted(p.attempts_by_outcome.items()):
            table.add_row(f"outcome {k}", str(v))
        return Group(*parts, table)

    if not watch:
        from rich.console import Console

        Console().print(render())
        return
    with Live(render(), refresh_per_second=2) as live:
        while True:
            time.sleep(1)
            live.update(render())
            cur = get_task(engine, task_id)
            if cur is None or cur.status != "running":
                break


@cli.command("export")
@click.argument("task_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="File to write (default: stdout for CSV).")
@click.pass_context
def export_cmd(ctx: click.Context, task_id: int, fmt: str, output: Path | None) -> None:
    """Call results, one row per attempt, plus the numbers never dialled with their reasons."""
    from runtime.campaigns.export import export_calls

    engine = open_db(ctx)
    _task_or_fail(engine, task_id)
    data = export_calls(engine, task_id, fmt)
    if output is None:
        if fmt == "xlsx":
            fail("XLSX needs --output FILE", 2)
        click.echo(data.decode("utf-8-sig"), nl=False)
        return
    output.write_bytes(data)
    click.echo(f"wrote {output}")


@cli.command("caps")
@click.option("--day", "cap_day", type=int, help="Calls a number may get in 24 hours (all tasks).")
@click.option("--week", "cap_week", type=int, help="... in 7 days.")
@click.option("--month", "cap_month", type=int, help="... in 30 days.")
@click.option("--dedupe-days", type=int, help="Skip numbers called for the same business this many days back.")
@click.option("--number-format", type=click.Choice(["any", "e164", "national"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.pass_context
def caps_cmd(ctx: click.Context, as_json: bool, **changes: Any) -> None:
    """Show or change the global frequency caps, dedupe window and accepted number format."""
    from runtime.campaigns.settings_store import set_compliance

    try:
        cur = set_compliance(open_db(ctx), **changes)
    except UserError as e:
        fail(str(e))
    if as_json:
        emit_json(cur)
    else:
        for k, v in cur.items():
            click.echo(f"{k:14} {v}")
