"""``huashu report``: the campaign analytics report, loading call records and business data, comparisons, export."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from huashu.cli._common import console, db_session, emit_json, fail
from huashu.core.errors import UserError

__all__ = ["cli"]

_FILE = click.Path(dir_okay=False, path_type=Path)


class _ReportGroup(click.Group):
    """``huashu report CAMPAIGN`` prints the report; words that name a sub-command run it instead."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["show", *args]
        return super().resolve_command(ctx, args)


def _store_path(store: Path | None) -> Path:
    if store is not None:
        return store
    from huashu.core.config import get_settings

    return get_settings().data_dir / "analytics.duckdb"


@contextmanager
def _open(store: Path | None, read_only: bool = True) -> Iterator[Any]:
    from runtime.analytics.store import AnalyticsStore, StoreError

    path = _store_path(store)
    if read_only and not path.exists():
        fail(f"no analytics store at {path} (load calls with `huashu report load`)", 2)
    try:
        st = AnalyticsStore(path, read_only=read_only)
    except StoreError as e:
        fail(str(e), 2)
    try:
        yield st
    finally:
        st.close()


def _campaign(value: str) -> int | None:
    if value in ("all", "*"):
        return None
    if not value.isdigit():
        fail(f"campaign must be a number or 'all', got {value!r}", 2)
    return int(value)


_store_opt = click.option("--store", type=_FILE, default=None, help="Analytics store (default: <data_dir>/analytics.duckdb).")


@click.group(cls=_ReportGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Campaign analytics report: `huashu report CAMPAIGN [--json]` (CAMPAIGN = id or 'all')."""


@cli.command()
@click.argument("campaign")
@_store_opt
@click.option("--tz-hours", type=int, default=8, show_default=True, help="Local time offset for half-hour slots.")
@click.option("--json", "as_json", is_flag=True)
def show(campaign: str, store: Path | None, tz_hours: int, as_json: bool) -> None:
    """Print the report of CAMPAIGN (id, or 'all' across campaigns)."""
    from runtime.analytics.report import build_report

    cid = _campaign(campaign)
    with _open(store) as st:
        if cid is not None and cid not in st.campaigns():
            fail(f"campaign {cid} has no call records in {st.path}")
        report = build_report(st, cid, tz_hours)
    if as_json:
        emit_json(report, indent=2)
    else:
        _render(report)


@cli.command()
@_store_opt
@click.option("--calls", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Call records (.parquet/.csv).")
@click.option("--business", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Business data: campaign_id, customer_id, arm, balance, recharge_amount.")
@click.option("--business-source", default=None,
              help="Or read business data from this campaign data source (with --query for SQL sources).")
@click.option("--query", default=None, help="SELECT for --business-source.")
@click.option("--campaign", "campaign_id", type=int, default=None,
              help="Campaign of business data that has no campaign_id column.")
@click.option("--from-campaigns", is_flag=True, help="Append new call attempts from the campaign tables.")
@click.option("--json", "as_json", is_flag=True)
def load(store: Path | None, calls: Path | None, business: Path | None, business_source: str | None,
         query: str | None, campaign_id: int | None, from_campaigns: bool, as_json: bool) -> None:
    """Load call records and/or business data into the analytics store.

    Business data needs customer_id, balance and recharge_amount; a missing campaign_id is taken
    from --campaign and a missing arm from the control-group policy.
    """
    from runtime.audience.frame import FrameError, read_frame

    if not (calls or business or business_source or from_campaigns):
        fail("give --calls, --business, --business-source and/or --from-campaigns", 2)
    result: dict[str, int] = {}
    with _open(store, read_only=False) as st:
        try:
            if calls:
                result["calls"] = st.add_calls(read_frame(calls))
            if business or business_source:
                result["business"] = st.add_business(_business(business, business_source, query, campaign_id))
        except FrameError as e:
            fail(str(e), 2)
        except UserError as e:
            fail(str(e))
        if from_campaigns:
            from runtime.analytics.from_campaigns import sync

            with db_session() as s:
                result["attempts"] = sync(s, st)
        result["calls_in_store"] = st.count("calls")
    if as_json:
        emit_json(result)
    else:
        click.echo(", ".join(f"{k}: {v:,}" for k, v in result.items()))


def _business(path: Path | None, source: str | None, query: str | None, campaign_id: int | None) -> dict[str, Any]:
    """Business data from a file or a data source; the database is opened only when needed."""
    import numpy as np

    from runtime.analytics.business import complete_business
    from runtime.audience.frame import read_frame

    frame = read_frame(path) if path is not None else None
    if frame is not None and "arm" in frame:
        return complete_business(frame, campaign_id, None)

    from runtime.audience.control import control_mask, get_policy

    with db_session() as s:
        if frame is None:
            from runtime.audience.from_source import frame_from_source

            frame, errors = frame_from_source(s, str(source), query, phone_column=None)
            if errors:
                raise UserError(f"{len(errors)} bad rows in {source}: {errors[:3]}")
        policy = get_policy(s, create=False)
        salt, fraction = (policy.salt, policy.fraction) if policy else (None, None)

    def held(ids: np.ndarray) -> np.ndarray:
        return control_mask(ids, str(salt), float(fraction or 0.0))

    return complete_business(frame, campaign_id, held if salt is not None else None)


@cli.command()
@_store_opt
def refresh(store: Path | None) -> None:
    """Rebuild every rollup of the store (after an upgrade, or to repair it)."""
    with _open(store, read_only=False) as st:
        st.refresh()
        click.echo(f"rollups rebuilt for {len(st.campaigns())} campaign(s)")


@cli.command()
@click.argument("campaign_a", type=int)
@click.argument("campaign_b", type=int)
@_store_opt
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def compare(campaign_a: int, campaign_b: int, store: Path | None, confidence: float, as_json: bool) -> None:
    """Compare two campaigns, such as AI vs manual calling: connect and recharge rates, mean recharge."""
    from runtime.analytics.compare import compare_campaigns

    with _open(store) as st:
        try:
            result = compare_campaigns(st, campaign_a, campaign_b, confidence)
        except UserError as e:
            fail(str(e))
    if as_json:
        emit_json(result, indent=2)
    else:
        _render_comparison(result)


@cli.command("best-time")
@click.option("--customers", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--segment", default="chronotype", show_default=True, help="Customer field that defines segments.")
@click.option("--campaign", "campaigns", type=int, multiple=True, help="Only these campaigns (default: all).")
@_store_opt
@click.option("--save", "save_to", type=_FILE, default=None,
              help="Save the learned rates to this file for the scheduler.")
@click.option("--save-default", is_flag=True, help="Save to <data_dir>/best_times.json.")
@click.option("--json", "as_json", is_flag=True)
def best_time(customers: Path, segment: str, campaigns: tuple[int, ...], store: Path | None, save_to: Path | None,
              save_default: bool, as_json: bool) -> None:
    """Best half hours to call per segment, learned from the connect rates."""
    from runtime.analytics.besttime import learn_best_times
    from runtime.audience.frame import FrameError, read_frame

    try:
        frame = read_frame(customers)
    except FrameError as e:
        fail(str(e), 2)
    with _open(store) as st:
        try:
            rates, summary = learn_best_times(st, frame, segment, list(campaigns) or None)
        except UserError as e:
            fail(str(e))
    if save_default and save_to is None:
        from huashu.core.config import get_settings

        save_to = get_settings().data_dir / "best_times.json"
    if save_to is not None:
        from runtime.analytics.besttime import save_rates

        save_rates(rates, save_to, segment)
        if not as_json:
            click.echo(f"saved -> {save_to}")
    if as_json:
        emit_json(summary, indent=2)
    else:
        for seg, slots in summary.items():
            click.echo(f"{seg:20s} {', '.join(slots)}")


@cli.command()
@click.argument("campaign")
@click.option("-o", "--out", type=_FILE, required=True, help=".xlsx (one workbook) or .csv (one file per table).")
@_store_opt
def export(campaign: str, out: Path, store: Path | None) -> None:
    """Export the report of CAMPAIGN to XLSX or CSV."""
    from runtime.analytics.export import export_report
    from runtime.analytics.report import build_report

    if out.suffix.lower() not in (".csv", ".xlsx"):
        fail(f"{out}: export to .csv or .xlsx", 2)
    if not out.parent.is_dir():  # never create folders the user did not ask for (a typo would litter the disk)
        fail(f"cannot write {out}: the folder {out.parent} does not exist", 2)
    cid = _campaign(campaign)
    with _open(store) as st:
        if cid is not None and cid not in st.campaigns():
            fail(f"campaign {cid} has no call records in {st.path}; nothing to export")
        report = build_report(st, cid)
    try:
        written = export_report(report, out)
    except OSError as e:
        fail(f"cannot write {out}: {e.strerror or e}", 2)
    for p in written:
        click.echo(str(p))


# ---- terminal rendering ---------------------------------------------------------------------


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.4g}"
    return "" if v is None else str(v)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*[_fmt(v) for v in r])
    return t


def _pct(v: float) -> str:
    return f"{v:.1%}"


def _render(report: dict[str, Any]) -> None:

    con = console()
    s = report["summary"]
    scope = f"campaign {s['campaign_id']}" if s["campaign_id"] is not None else "all campaigns"
    con.print(f"[bold]Report: {scope}[/bold]  {s['first_call']} .. {s['last_call']} (UTC)")
    con.print(_table("Summary", ["attempts", "connected", "connect rate", "avg talk (s)", "customers", "effective calls"],
                     [[s["attempts"], s["connected"], _pct(s["connect_rate"]), s["avg_talk_s"], s["customers"],
                       s["effective_calls"]]]))
    con.print(_table("Intent funnel (customers)", ["step", "customers", "share"],
                     [[f["step"], f["customers"], _pct(f["share"])] for f in report["funnel"]]))
    con.print(_table("Outcomes (calls)", ["outcome", "calls", "share"],
                     [[o["outcome"], o["calls"], _pct(o["share"])] for o in report["outcomes"]]))
    reach = report.get("reachability")
    if reach and reach["calls"]:
        con.print(_table("Reachability: what answered instead of a person (not in the connect rate)",
                         ["outcome", "calls", "share"],
                         [[o["outcome"], o["calls"], _pct(o["share"])] for o in reach["by_outcome"]]))
        con.print(f"fully suspended (停机 announcement): {reach['fully_suspended']:,} calls; "
                  f"machines and announcements: {reach['calls']:,} ({_pct(reach['share'])} of attempts)")
    con.print(_table("Where connected calls ended (node)", ["node", "calls", "share", "avg talk (s)"],
                     [[n["node"], n["calls"], _pct(n["share"]), n["avg_talk_s"]] for n in report["nodes"]]))
    best = report["best_slot"]
    top = max((x["connect_rate"] for x in report["slots"]), default=0) or 1
    rows = []
    for x in report["slots"]:
        bar = "█" * int(round(30 * x["connect_rate"] / top))
        mark = " ◀ best" if best and x["slot"] == best["slot"] else ""
        rows.append([x["label"], x["attempts"], _pct(x["connect_rate"]), f"{bar}{mark}"])
    con.print(_table("Connect rate by half hour (local time)", ["slot", "attempts", "connect rate", ""], rows))
    if best:
        v = best["vs_other_slots"]
        con.print(f"best half hour {best['label']}: {_pct(best['connect_rate'])} "
                  f"(95% CI {_pct(best['ci_low'])}-{_pct(best['ci_high'])}), {v['difference']:+.1%} vs the other slots, "
                  f"p={v['p_value']:.2g}")
    con.print(_table("Outcome table (paper tables 1-2; recharge after the campaign)",
                     ["class", "customers", "recharge>0", "share", ">=100", "share", ">=200", "share"],
                     [[r["label"], r["customers"], r["recharged"], _pct(r["recharged_share"]), r["recharge_ge_100"],
                       _pct(r["ge_100_share"]), r["recharge_ge_200"], _pct(r["ge_200_share"])]
                      for r in report["outcome_table"]]))
    for col, groups in report["distributions"].items():
        eff, rest = groups.get("effective"), groups.get("rest")
        if not eff or not rest:
            continue
        con.print(_table(f"{col}: effectively contacted (talk > 20 s) vs the rest",
                         ["bin", f"effective (n={eff['customers']:,}, mean {eff['mean']})",
                          f"rest (n={rest['customers']:,}, mean {rest['mean']})"],
                         [[a["bin"], _pct(a["share"]), _pct(b["share"])]
                          for a, b in zip(eff["bins"], rest["bins"], strict=True)]))
    if report["control"]:
        _render_comparison(report["control"])
    else:
        con.print("no control-group comparison (no business data with a control arm for this scope)")


def _render_comparison(c: dict[str, Any]) -> None:

    rows = []
    for key in ("connect_rate", "recharge_rate", "mean_recharge"):
        if key not in c:
            continue
        m = c[key]
        share = key != "mean_recharge"
        f = _pct if share else (lambda v: f"{v:.2f}")
        rows.append([key, f(m["a"]), f(m["b"]), (f"{m['difference']:+.2%}" if share else f"{m['difference']:+.2f}"),
                     f"{f(m['ci_low'])} .. {f(m['ci_high'])}", f"{m['p_value']:.3g}", m["test"],
                     "yes" if m["significant"] else "no"])
    title = f"{c['a']['name']} (n={c['a']['n']:,}) vs {c['b']['name']} (n={c['b']['n']:,}), {c['confidence']:.0%} CI"
    console().print(_table(title, ["metric", "a", "b", "difference", "interval", "p", "test", "significant"], rows))
