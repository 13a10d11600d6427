"""``huashu runtime``: run a runtime node (cron scheduler + run loader + dialer)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from huashu.cli._common import USAGE, db_option, emit, fail, open_db
from huashu.core.errors import UserError

__all__ = ["cli"]


@click.group()
def cli() -> None:
    """Run a runtime node: scheduler and dialer."""


def _best_times_file(path: Path | None) -> Path | None:
    """Check ``--best-times`` before the node starts: a node that cannot read its rates would
    quietly dial best-time tasks in plain order. Unreadable: exit 2; not a rates file: exit 1."""
    if path is None:
        return None
    from runtime.analytics.besttime import load_rates

    if not path.is_file():
        fail(f"--best-times {path}: no such file", USAGE)
    try:
        path.read_bytes()
    except OSError as e:
        fail(f"--best-times {path}: cannot read it ({e.strerror})", USAGE)
    try:
        load_rates(path)
    except UserError as e:
        fail(f"--best-times {e} (write one with 'huashu report best-time ... --save PATH')")
    return path


def default_line_cps(settings: Any, runner: str | None) -> float:
    """The dialer starts calls no faster than the driver paces them: the FreeSWITCH driver's
    CPS (itself capped by the switch's session rate) with that runner, 50 a second otherwise."""
    if (runner or settings.telephony_driver) == "freeswitch" and settings.freeswitch.cps:
        return float(settings.freeswitch.cps)
    return 50.0


@cli.command("run")
@db_option
@click.option("--node-id", envvar="HUASHU_NODE_ID", show_envvar=True,
              help="Stable id of this node; a restart with the same id recovers its calls at once.")
@click.option("--once", is_flag=True, help="Fire due triggers, dial every due number, then exit.")
@click.option("--runner", default=None,
              help="simulator, sip, freeswitch, or module:factory returning a call runner "
                   "(default: the telephony_driver setting, HUASHU_TELEPHONY_DRIVER).")
@click.option("--line-concurrency", default=60, show_default=True, help="Calls the line carries at once.")
@click.option("--line-cps", type=float, default=None,
              help="Call attempts per second the line accepts (default: the FreeSWITCH driver's own CPS, "
                   "HUASHU_FREESWITCH__CPS, with the freeswitch runner; 50 otherwise).")
@click.option("--lease", "lease_s", default=30.0, show_default=True, help="Seconds a claim lives without a heartbeat.")
@click.option("--real-time", is_flag=True, help="Simulator: run calls in real time (default: virtual time, calls take ms).")
@click.option("--seed", default=0, show_default=True, help="Simulator seed (same seed, same customers).")
@click.option("--progress-every", default=5.0, show_default=True, help="Seconds between progress lines (0: none).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary at the end (and no progress lines).")
@click.option("--metrics-port", type=click.IntRange(0, 65535), default=None,
              help="Serve /metrics, /healthz and /readyz on this port (0: any free port, printed).")
@click.option("--metrics-host", default="127.0.0.1", show_default=True,
              help="Address of the metrics server (0.0.0.0 in a cluster, so its probes reach it).")
@click.option("--best-times", "best_times", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Best-time rates file for best-time tasks (default: <data_dir>/best_times.json).")
@click.option("--log-format", type=click.Choice(["json", "text"]), default=None,
              help="Log lines as JSON (default when stderr is not a terminal) or text.")
@click.option("--log-level", default="INFO", show_default=True, help="Logging level.")
def run_cmd(node_id: str | None, once: bool, runner: str | None, line_concurrency: int,
            line_cps: float | None, lease_s: float, real_time: bool, seed: int, progress_every: float, as_json: bool,
            metrics_port: int | None, metrics_host: str, best_times: Path | None, log_format: str | None,
            log_level: str) -> None:
    """Run until interrupted (or, with --once, until no due work is left)."""
    from runtime.campaigns.supervision import NodeSetupError, Supervision, TaskProgress

    if log_format is None:
        log_format = "text" if sys.stderr.isatty() else "json"
    rates_file = _best_times_file(best_times)
    engine = open_db()
    from huashu.core.config import get_settings
    from huashu.core.logs import configure_logging

    settings = get_settings()
    configure_logging(log_level, json_lines=log_format == "json")
    say = _say(log_format)
    node = _build_node(engine, settings, node_id, runner, line_concurrency, line_cps, lease_s, real_time, seed,
                       rates_file, say)

    def report(tasks: list[TaskProgress]) -> None:
        for t in tasks:
            p = t.progress
            click.echo(f"task {t.task_id} {t.name}: {p.finished}/{p.total} finished, {p.calls_up} up, "
                       f"{p.attempts} attempts, connect rate {p.connect_rate:.1%}; "
                       f"node: {node.dialer.inflight} in flight", err=True)

    sup = Supervision(once=once, settings=settings, say=say,
                      metrics_at=None if metrics_port is None else (metrics_host, metrics_port),
                      progress_every_s=0.0 if as_json else progress_every, on_progress=report)
    if not as_json:
        say(f"runtime node {node.node_id} on {engine.url.render_as_string(hide_password=True)}")
    try:
        result = asyncio.run(node.serve(sup))
    except NodeSetupError as e:
        fail(e.message, USAGE)
    summary: dict[str, object] = {"node_id": result.node_id, "calls_started": result.calls_started}
    if once:  # a --once run says why numbers were left undialled (window closed, paused, failed run, …)
        summary["not_dialled"] = result.not_dialled
    emit(summary, as_json, "\n".join([f"node {result.node_id}: {result.calls_started} calls started",
                                      *(f"  {why}" for why in result.not_dialled)]))
    sys.stdout.flush()


def _say(log_format: str) -> Callable[[str], None]:
    """Start-up lines: log records when stderr is JSON lines (every line is JSON then), else plain text."""
    if log_format == "json":
        log = logging.getLogger("huashu.runtime")
        return log.info
    return lambda msg: click.echo(msg, err=True)


def _build_node(engine: Any, settings: Any, node_id: str | None, runner: str | None, line_concurrency: int,
                line_cps: float | None, lease_s: float, real_time: bool, seed: int, rates_file: Path | None,
                say: Callable[[str], None]) -> Any:
    """The node with its call runner and SMS sender; a runner or gateway that cannot be made is a usage error."""
    from runtime.campaigns.dialer import LineLimits
    from runtime.campaigns.loading import source_rows
    from runtime.campaigns.node import RuntimeNode, default_node_id
    from runtime.campaigns.runners import RunnerError, load_runner
    from runtime.campaigns.secrets import app_secret
    from runtime.campaigns.sms.node import sms_for_node

    if line_cps is None:
        line_cps = default_line_cps(settings, runner)
    try:
        call_runner = load_runner(runner, engine=engine, settings=settings, fast=not real_time, seed=seed)
    except RunnerError as e:
        raise click.UsageError(str(e)) from e
    nid = node_id or default_node_id()
    try:
        sms_sender, dlr_server = sms_for_node(engine, settings, nid, app_secret(settings))
    except (OSError, UserError) as e:
        fail(f"SMS gateway: {e}", USAGE)
    if sms_sender is not None:
        say(f"SMS follow-ups through {sms_sender.provider.name}"
            + (f"; delivery reports on {dlr_server.url}" if dlr_server is not None else ""))
    return RuntimeNode(
        engine, call_runner, source_rows(engine), node_id=nid, region=settings.phone_region,
        line=LineLimits(line_concurrency, line_cps), lease_s=lease_s, best_times=rates_file, sms=sms_sender,
    )
