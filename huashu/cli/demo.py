"""``huashu demo``: the demo campaign on the simulator, in the browser or (``--headless``) in the terminal.

The options and the printing; :mod:`huashu.demo` (above the web layer) does the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

import click

from huashu.cli._common import USAGE, emit_json, fail, open_db

__all__ = ["cli"]


def _accounts_lines(accounts: list[Any]) -> list[str]:
    lines = []
    for a in accounts:
        if a.created:
            lines.append(f"  {a.role:9s} user {a.username!r}  password {a.password}   (shown once: note it now)")
        else:
            lines.append(f"  {a.role:9s} user {a.username!r} exists already; its password is not shown again")
    return lines


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--customers", default=20000, show_default=True, type=click.IntRange(50, 1_000_000),
              help="Size of the synthetic subscriber base.")
@click.option("--seed", default=7, show_default=True, help="Seed of the synthetic base and the simulator.")
@click.option("--headless", is_flag=True, help="Run the campaign to the end in the terminal and print its report.")
@click.option("--json", "as_json", is_flag=True, help="With --headless: print the result as JSON.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Web app address (not headless).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Web app port.")
@click.option("--record-sample", default=0.1, show_default=True, type=click.FloatRange(0.0, 1.0),
              help="Share of answered demo calls recorded with audio (bot: offline TTS; customer: a second voice). "
                   "Production nodes take recordings.sample from the settings (default: every call).")
def cli(customers: int, seed: int, headless: bool, as_json: bool, host: str, port: int, record_sample: float) -> None:
    """Set up the demo (script library, approved script, synthetic customers, a campaign task, users)
    and run it: the web app with a runtime node, or with --headless the whole campaign and its report.

    Idempotent: a second run reuses what the first created. Data lives in the data directory
    (HUASHU_DATA_DIR, default ./var), on SQLite unless HUASHU_DATABASE_URL names another database.
    """
    from designer.store import StoreError
    from huashu.core.config import get_settings
    from huashu.core.errors import UserError
    from huashu.demo.runner import demo_runner
    from huashu.demo.setup import DemoParams, prepare
    from runtime.campaigns.drivers import RunnerError
    from runtime.campaigns.tasks import TaskError
    from web.auth.users import UserError as AccountError

    if as_json and not headless:
        fail("--json needs --headless (the web mode prints a URL, not a report)", USAGE)
    settings = get_settings()
    engine = open_db()
    say = (lambda m: click.echo(m, err=True)) if as_json else click.echo
    try:
        state = prepare(engine, settings.data_dir, DemoParams(customers, seed), region=settings.phone_region, step=say)
    except (StoreError, TaskError, AccountError, UserError) as e:  # a broken library script, a task field, a user name
        fail(f"demo set-up failed: {e}")
    if state.params_note:
        say(f"note: {state.params_note}")
    try:
        runner = demo_runner(engine, settings, state.params.seed, record_sample)
    except RunnerError as e:
        fail(str(e), USAGE)
    if headless:
        _headless(engine, settings, state, runner, as_json)
    else:
        _serve(engine, settings, state, runner, host, port)


def _headless(engine: Any, settings: Any, state: Any, runner: Any, as_json: bool) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from huashu.demo.headless import run_to_end, start_task
    from huashu.demo.results import load_results
    from huashu.demo.runner import sms_sink_sender
    from runtime.analytics.report import build_report
    from runtime.analytics.store import AnalyticsStore
    from runtime.campaigns.callerid.report import answer_by_rule
    from runtime.campaigns.sms.store import summary as sms_summary

    tid = state.task.task_id
    status = start_task(engine, tid)
    bar = Progress(TextColumn("calling"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=as_json)
    with bar:
        job = bar.add_task("calls", total=None, info="")

        def show(p: Any) -> None:
            bar.update(job, completed=p.finished, total=p.total or None,
                       info=f"{p.attempts} attempts, {p.calls_up} up, connect rate {p.connect_rate:.1%}")

        if status == "running":
            final = asyncio.run(run_to_end(engine, tid, runner, on_progress=show, sms=sms_sink_sender(engine)))
        else:
            from runtime.campaigns.progress import progress

            final = progress(engine, tid)
            show(final)
    if status not in ("running", "completed"):
        fail(f"demo task {tid} is {status}; it cannot run (delete the data directory to start over)")
    store_path = settings.data_dir / "analytics.duckdb"
    loaded = load_results(engine, store_path, tid, state.audience, state.params.seed)
    with AnalyticsStore(store_path, read_only=True) as st:
        report = build_report(st, tid, 8)
    if as_json:
        out = {
            "task_id": tid,
            "progress": final.to_dict(),
            "loaded": {"calls": loaded.calls, "treated": loaded.treated, "control": loaded.control},
            "accounts": [{"username": a.username, "role": a.role, "password": a.password} for a in state.accounts],
            "report": report,
            "caller_ids": answer_by_rule(engine, tid),
            "sms": sms_summary(engine, tid),
        }
        emit_json(out, indent=2)
        return
    from huashu.cli.report import _render

    _render(report)
    for r in answer_by_rule(engine, tid):
        lo, hi = r["ci95"]
        click.echo(f"caller id by {r['rule']}: {r['attempts']:,} attempts, answer rate {r['answer_rate']:.1%} "
                   f"(95% CI {lo:.1%}..{hi:.1%})")
    counts = sms_summary(engine, tid)
    click.echo("SMS follow-ups (simulator's SMS sink): " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if report["best_slot"] is None:
        from runtime.analytics.report import MIN_SLOT_ATTEMPTS

        click.echo(f"no best half hour yet: the report tests a slot once it has {MIN_SLOT_ATTEMPTS} attempts; "
                   f"{report['summary']['attempts']:,} attempts spread over the day are too few "
                   "(try --customers 20000 in a fresh data directory)")
    click.echo("\n".join(["users:", *_accounts_lines(state.accounts)]))


def _serve(engine: Any, settings: Any, state: Any, runner: Any, host: str, port: int) -> None:
    from huashu.demo.runner import sms_sink_sender
    from huashu.demo.serve import port_free, serve_demo

    why = port_free(host, port)
    if why is not None:
        fail(f"cannot listen on {host}:{port}: {why} (choose another --port)", USAGE)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - a comparison, not a bind
    url = f"http://{shown}:{port}/"
    click.echo("\n".join([
        f"Huashu demo: {url}  (task page: {url}operator/tasks/{state.task.task_id})",
        "users:", *_accounts_lines(state.accounts),
        f"Sign in as operator (or admin) and press start on task {state.task.task_id}; "
        "a runtime node in this process dials the simulator. Ctrl-C stops.",
    ]))
    sys.stdout.flush()

    def say(line: str) -> None:
        click.echo(line)
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_demo(engine, settings, state, runner, host, port, url=url, say=say,
                               sms=sms_sink_sender(engine)))
