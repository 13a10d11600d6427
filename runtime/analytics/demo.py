"""The demo data in one call: a synthetic base, one simulated campaign, loaded into an analytics store.

``huashu demo`` (another area) or a test can call :func:`build_demo` to get a report that shows
the paper's kinds of result: a best half hour, a table shaped like table 2 and a control-group
comparison with its interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runtime.analytics.simulate import CampaignSpec, customer_outcomes, simulate_campaign
from runtime.analytics.store import AnalyticsStore
from runtime.audience.frame import write_frame
from runtime.audience.synth import SynthOptions, synth_customers

__all__ = ["DemoFiles", "build_demo"]


@dataclass(frozen=True, slots=True)
class DemoFiles:
    customers: Path
    calls: Path
    business: Path
    outcomes: Path
    store: Path
    campaign_id: int


def build_demo(directory: Path, customers: int = 100_000, seed: int = 7, campaign_id: int = 1,
               store: Path | None = None) -> DemoFiles:
    """Write the demo files into ``directory`` and load the campaign into ``store`` (default: directory)."""
    directory.mkdir(parents=True, exist_ok=True)
    frame = synth_customers(customers, SynthOptions(seed=seed))
    calls, business = simulate_campaign(frame, CampaignSpec(campaign_id, seed=seed, control_salt=f"demo-{seed}"))
    outcomes = customer_outcomes(frame, calls, business)
    files = DemoFiles(
        customers=write_frame(frame, directory / "customers.parquet"),
        calls=write_frame(calls, directory / "customers-calls.parquet"),
        business=write_frame(business, directory / "customers-business.parquet"),
        outcomes=write_frame(outcomes, directory / "customers-outcomes.parquet"),
        store=store or directory / "analytics.duckdb",
        campaign_id=campaign_id,
    )
    with AnalyticsStore(files.store) as st:
        st.con.execute("DELETE FROM calls WHERE campaign_id = ?", [campaign_id])
        st.add_calls(calls)
        st.add_business(business)
    return files
