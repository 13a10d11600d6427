"""``huashu runtime``: run a runtime node (cron scheduler + run loader + dialer)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

import click

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
        click.echo(f"error: --best-times {path}: no such file", err=True)
        sys.exit(2)
    try:
        path.read_bytes()
    except OSError as e:
        click.echo(f"error: --best-times {path}: cannot read it ({e.strerror})", err=True)
        sys.exit(2)
    try:
        load_rates(path)
    except ValueError as e:
        click.echo(f"error: --best-times {e} (write one with 'huashu report best-time ... --save PATH')", err=True)
        sys.exit(1)
    return path


def default_line_cps(settings: Any, runner: str | None) -> float:
    """The dialer starts calls no faster than the driver paces them: the FreeSWITCH driver's
    CPS (itself capped by the switch's session rate) with that runner, 50 a second otherwise."""
    if (runner or settings.telephony_driver) == "freeswitch" and settings.freeswitch.cps:
        return float(settings.freeswitch.cps)
    return 50.0


@cli.command("run")
@click.option("--db", "db_url", help="Database URL (default: the configured one).")
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
def run_cmd(db_url: str | None, node_id: str | None, once: bool, runner: str | None, line_concurrency: int,
            line_cps: float | None, lease_s: float, real_time: bool, seed: int, progress_every: float, as_json: bool,
            metrics_port: int | None, metrics_host: str, best_times: Path | None, log_format: str | None,
            log_level: str) -> None:
    """Run until interrupted (or, with --once, until no due work is left)."""
    if log_format is None:
        log_format = "text" if sys.stderr.isatty() else "json"
    rates_file = _best_times_file(best_times)
    from huashu.core.config import get_settings
    from runtime.campaigns.database import open_engine
    from runtime.campaigns.dialer import LineLimits
    from runtime.campaigns.loading import source_rows
    from runtime.campaigns.node import RuntimeNode, default_node_id
    from runtime.campaigns.runners import RunnerError, load_runner

    engine = open_engine(db_url)
    settings = get_settings()
    if line_cps is None:
        line_cps = default_line_cps(settings, runner)
    try:
        call_runner = load_runner(runner, engine=engine, settings=settings, fast=not real_time, seed=seed)
    except RunnerError as e:
        raise click.UsageError(str(e)) from e
    store = getattr(call_runner, "recording_store", None)
    if store is not None:
        from runtime.recordings import recover

        recovered = recover(store)
        if recovered:
            click.echo(f"recordings: {recovered} left by an earlier run finished or uploaded", err=True)
    from runtime.health import HealthServer, MeteredRunner

    nid = node_id or default_node_id()
    from huashu.core import metrics
    from huashu.core.logs import configure_logging

    configure_logging(log_level, json_lines=log_format == "json")
    if log_format == "json":  # every stderr line is JSON then, the start-up ones too
        import logging

        log = logging.getLogger("huashu.runtime")

        def say(msg: str) -> None:
            log.info(msg)
    else:
        def say(msg: str) -> None:
            click.echo(msg, err=True)
    metrics.set_node(nid)
    health = None
    if metrics_port is not None:
        try:
            health = HealthServer(engine, metrics_host, metrics_port).start()
        except OSError as e:
            click.echo(f"error: cannot serve metrics on {metrics_host}:{metrics_port}: {e.strerror}", err=True)
            sys.exit(2)
        say(f"metrics on http://{metrics_host}:{health.port}/metrics (/healthz, /readyz)")
    from runtime.campaigns.secrets import app_secret
    from runtime.campaigns.sms.node import sms_for_node

    try:
        sms_sender, dlr_server = sms_for_node(engine, settings, nid, app_secret(settings))
    except (OSError, ValueError) as e:
        click.echo(f"error: SMS gateway: {e}", err=True)
        sys.exit(2)
    if sms_sender is not None:
        say(f"SMS follow-ups through {sms_sender.provider.name}"
            + (f"; delivery reports on {dlr_server.url}" if dlr_server is not None else ""))
    node = RuntimeNode(
        engine, MeteredRunner(call_runner, nid), source_rows(engine), node_id=nid,
        region=settings.phone_region, line=LineLimits(line_concurrency, line_cps), lease_s=lease_s,
        best_times=rates_file, sms=sms_sender,
    )

    async def report(stop: asyncio.Event) -> None:
        from sqlalchemy import select

        from runtime.campaigns import tables as T
        from runtime.campaigns.progress import progress

        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), progress_every)
            with engine.connect() as c:
                running = c.execute(select(T.tasks.c.id, T.tasks.c.name).where(T.tasks.c.status == "running")).all()
            for tid, name in running:
                p = progress(engine, tid)
                click.echo(f"task {tid} {name}: {p.finished}/{p.total} finished, {p.calls_up} up, "
                           f"{p.attempts} attempts, connect rate {p.connect_rate:.1%}; node: {node.dialer.inflight} in flight",
                           err=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        reporter = None
        if progress_every > 0 and not as_json:
            reporter = asyncio.create_task(report(stop))
        retention = None
        if store is not None and not once:
            from runtime.recordings import retention_loop

            retention = asyncio.create_task(retention_loop(store, settings.recordings.retention_days, stop))
        privacy = None
        if not once:
            from runtime.privacy.retention import retention_loop as privacy_retention

            privacy = asyncio.create_task(privacy_retention(engine, settings, stop))
        try:
            await node.run(stop, once=once)
        finally:
            stop.set()
            for t in (reporter, retention, privacy):
                if t is not None:
                    await t
            close = getattr(call_runner, "aclose", None)
            if close is not None:
                await close()

    if not as_json:
        say(f"runtime node {node.node_id} on {engine.url.render_as_string(hide_password=True)}")
    from runtime.campaigns.clock import utcnow
    from runtime.campaigns.progress import idle_reasons

    began = utcnow()
    try:
        asyncio.run(main())
    finally:
        if health is not None:
            health.close()
    summary: dict[str, object] = {"node_id": node.node_id, "calls_started": node.dialer.started}
    # a --once run says why numbers were left undialled (window closed, paused, failed run, …)
    reasons = idle_reasons(engine, since=began) if once else []
    if once:
        summary["not_dialled"] = reasons
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        click.echo(f"node {node.node_id}: {node.dialer.started} calls started")
        for why in reasons:
            click.echo(f"  {why}")
    sys.stdout.flush()
