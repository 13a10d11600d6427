"""``huashu report`` errors: a missing campaign or folder is an error that says so (no folder is
created behind the user's back), and ``--json`` errors are JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from runtime.analytics.simulate import CampaignSpec, simulate_campaign
    from runtime.analytics.store import AnalyticsStore
    from runtime.audience.synth import SynthOptions, synth_customers

    path = tmp_path_factory.mktemp("qa-report") / "a.duckdb"
    calls, _ = simulate_campaign(synth_customers(600, SynthOptions(seed=5)), CampaignSpec(3, seed=1))
    st = AnalyticsStore(path)
    st.add_calls(calls)
    st.close()
    return path


def test_report_export_missing_campaign_and_missing_folder(run, store: Path, tmp_path: Path) -> None:
    out = tmp_path / "r99.xlsx"
    res = run("report", "export", "99", "-o", str(out), "--store", str(store))
    assert res.exit_code == 1 and "campaign 99 has no call records" in res.output and not out.exists()
    res = run("report", "export", "3", "-o", str(tmp_path / "nodir" / "r.xlsx"), "--store", str(store))
    assert res.exit_code == 2 and "does not exist" in res.output and not (tmp_path / "nodir").exists()
    res = run("report", "export", "3", "-o", str(tmp_path / "r3.xlsx"), "--store", str(store))
    assert res.exit_code == 0, res.output
    from openpyxl import load_workbook

    summary = load_workbook(tmp_path / "r3.xlsx")["summary"]
    header = [c.value for c in summary[1]]
    assert summary.cell(2, header.index("attempts") + 1).value > 0


def test_report_json_error_is_json(run, store: Path) -> None:
    res = run("report", "99", "--json", "--store", str(store))
    assert res.exit_code == 1
    first = res.output.splitlines()[0]
    assert "campaign 99" in json.loads(first)["error"]
    res = run("report", "abc", "--json", "--store", str(store))
    assert res.exit_code == 2 and "error" in json.loads(res.output.splitlines()[0])


def test_export_report_never_creates_folders(tmp_path: Path, store: Path) -> None:
    from runtime.analytics.export import export_report
    from runtime.analytics.report import build_report
    from runtime.analytics.store import AnalyticsStore

    st = AnalyticsStore(store, read_only=True)
    try:
        report = build_report(st, 3)
    finally:
        st.close()
    for name in ("r.xlsx", "r.csv"):
        with pytest.raises(OSError):
            export_report(report, tmp_path / "absent" / name)
    assert not (tmp_path / "absent").exists()
