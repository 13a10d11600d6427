"""``huashu data``: the synthetic telecom subscriber base (and campaign outcomes) for demos and tests."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from huashu.cli._common import USAGE, emit_json, fail

__all__ = ["cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Synthetic customer data for demos and tests (distributions: docs/audience-analytics.md)."""


def _sibling(out: Path, tag: str, suffix: str | None = None) -> Path:
    return out.with_name(f"{out.stem}-{tag}{suffix or out.suffix}")


@cli.command("synth")
@click.option("--customers", "n", type=click.IntRange(1, 50_000_000), required=True, help="How many customers.")
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed, same base.")
@click.option("-o", "--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=Path("customers.parquet"),
              show_default=True, help="Output file, .csv or .parquet.")
@click.option("--dirty-rate", type=click.FloatRange(0, 0.5), default=0.01, show_default=True,
              help="Share of nulls per nullable column (preparation cleans them).")
@click.option("--recharge-after-calls", is_flag=True,
              help="Also simulate a campaign over the base: write <out>-calls.parquet (call records), "
                   "<out>-business.<ext> (recharge after the campaign, treated/control) and "
                   "<out>-outcomes.<ext> (per-customer labels for training).")
@click.option("--campaign-id", type=int, default=1, show_default=True, help="Campaign id of the simulated campaign.")
@click.option("--control-fraction", type=click.FloatRange(0, 0.9), default=0.10, show_default=True,
              help="Hold-out share kept out of the simulated campaign.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def synth(n: int, seed: int, out: Path, dirty_rate: float, recharge_after_calls: bool, campaign_id: int,
          control_fraction: float, as_json: bool) -> None:
    """Generate N customers (deterministic per --seed)."""
    from rich.progress import Progress

    from runtime.audience.frame import FrameError, write_frame
    from runtime.audience.synth import SynthOptions, synth_customers

    if out.suffix.lower() not in (".csv", ".parquet"):
        fail(f"{out}: the output must end in .csv or .parquet", USAGE)
    written: dict[str, object] = {}
    with Progress(transient=True, disable=as_json or not sys.stderr.isatty()) as bar:
        task = bar.add_task("customers", total=4 if recharge_after_calls else 2)
        frame = synth_customers(n, SynthOptions(seed=seed, dirty_rate=dirty_rate))
        bar.advance(task)
        try:
            write_frame(frame, out)
        except (FrameError, OSError) as e:
            fail(str(e), USAGE)
        written["customers"] = {"path": str(out), "rows": n}
        bar.advance(task)
        if recharge_after_calls:
            from runtime.analytics.simulate import CampaignSpec, customer_outcomes, simulate_campaign

            spec = CampaignSpec(campaign_id, seed=seed, control_salt=f"synth-{seed}", control_fraction=control_fraction)
            calls, business = simulate_campaign(frame, spec)
            bar.advance(task)
            outcomes = customer_outcomes(frame, calls, business)
            paths = {
                "calls": _sibling(out, "calls", ".parquet"),
                "business": _sibling(out, "business"),
                "outcomes": _sibling(out, "outcomes"),
            }
            for key, data in (("calls", calls), ("business", business), ("outcomes", outcomes)):
                write_frame(data, paths[key])
                written[key] = {"path": str(paths[key]), "rows": len(next(iter(data.values())))}
            bar.advance(task)
    if as_json:
        emit_json(written, indent=2)
    else:
        for key, info in written.items():
            click.echo(f"{key:10s} {info['rows']:>12,} rows -> {info['path']}")  # type: ignore[index]
