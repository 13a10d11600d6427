"""`huashu report`: load, show (rich and --json), compare, best-time, export."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from huashu.cli import cli

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from huashu.core.config import get_settings

    root = tmp_path_factory.mktemp("rep")
    mp = pytest.MonkeyPatch()
    mp.setenv("HUASHU_DATA_DIR", str(root / "var"))  # never the working directory's var/
    get_settings.cache_clear()
    runner = CliRunner()
    for cid, seed in ((1, 3), (2, 4)):
        out = root / f"c{cid}.parquet"
        res = runner.invoke(cli, ["data", "synth", "--customers", "8000", "--seed", str(seed), "-o", str(out),
                                  "--recharge-after-calls", "--campaign-id", str(cid)])
        assert res.exit_code == 0, res.output
    store = root / "a.duckdb"
    for cid in (1, 2):
        res = runner.invoke(cli, ["report", "load", "--store", str(store), "--calls", str(root / f"c{cid}-calls.parquet"),
                                  "--business", str(root / f"c{cid}-business.parquet")])
        assert res.exit_code == 0, res.output
    yield runner, root, store
    mp.undo()
    get_settings.cache_clear()


def test_report_json_and_rich(files) -> None:
    runner, _, store = files
    res = runner.invoke(cli, ["report", "1", "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.output)
    assert r["summary"]["campaign_id"] == 1 and len(r["outcome_table"]) == 5 and r["control"] is not None
    res = runner.invoke(cli, ["report", "all", "--store", str(store)])
    assert res.exit_code == 0 and "Connect rate by half hour" in res.output and "best" in res.output


def test_compare_best_time_export(files) -> None:
    runner, root, store = files
    res = runner.invoke(cli, ["report", "compare", "1", "2", "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    c = json.loads(res.output)
    assert {"recharge_rate", "mean_recharge", "connect_rate"} <= set(c)
    res = runner.invoke(cli, ["report", "best-time", "--store", str(store), "--customers", str(root / "c1.parquet"),
                              "--campaign", "1", "--json"])
    assert res.exit_code == 0, res.output
    assert "office_worker" in json.loads(res.output)
    res = runner.invoke(cli, ["report", "export", "1", "--store", str(store), "-o", str(root / "r.xlsx")])
    assert res.exit_code == 0 and (root / "r.xlsx").exists()


def test_report_errors(files, tmp_path) -> None:
    runner, _, store = files
    res = runner.invoke(cli, ["report", "99", "--store", str(store)])
    assert res.exit_code == 1 and "campaign 99 has no call records" in res.output
    res = runner.invoke(cli, ["report", "1", "--store", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2 and "no analytics store" in res.output
    res = runner.invoke(cli, ["report", "abc", "--store", str(store)])
    assert res.exit_code == 2


def test_business_without_arm_or_campaign_uses_the_control_policy(tmp_path, monkeypatch) -> None:
    import numpy as np

    from huashu.core.config import get_settings
    from runtime.analytics.business import complete_business
    from runtime.audience.control import control_mask
    from runtime.audience.frame import write_frame

    ids = np.arange(1, 2001, dtype=np.int64)
    frame = {"customer_id": ids, "balance": np.zeros(2000), "recharge_amount": np.where(ids % 3 == 0, 50.0, 0.0)}
    done = complete_business(frame, 7, lambda x: control_mask(x, "s", 0.1))
    assert set(done["campaign_id"].tolist()) == {7}
    assert np.array_equal(done["arm"] == "control", control_mask(ids, "s", 0.1))
    with pytest.raises(ValueError, match="no campaign_id"):
        complete_business(frame, None, lambda x: x > 0)
    with pytest.raises(ValueError, match="no arm column"):
        complete_business(frame, 7, None)

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["audience", "control", "--fraction", "0.2"]).exit_code == 0
        write_frame(frame, tmp_path / "b.csv")
        res = runner.invoke(cli, ["report", "load", "--store", str(tmp_path / "s.duckdb"), "--business",
                                  str(tmp_path / "b.csv"), "--campaign", "7", "--json"])
        assert res.exit_code == 0, res.output
        from runtime.analytics.store import AnalyticsStore

        with AnalyticsStore(tmp_path / "s.duckdb", read_only=True) as st:
            n_control = st.query("SELECT count(*) FROM business WHERE arm = 'control'")[0][0]
        assert 300 < n_control < 500  # 20% of 2,000 by the persisted policy
        res = runner.invoke(cli, ["report", "load", "--store", str(tmp_path / "s.duckdb"), "--business",
                                  str(tmp_path / "b.csv")])
        assert res.exit_code == 1 and "no campaign_id" in res.output
    finally:
        get_settings.cache_clear()


def test_old_store_asks_for_refresh(files, tmp_path) -> None:
    import shutil

    import duckdb

    runner, _, store = files
    path = tmp_path / "old.duckdb"
    shutil.copy(store, path)
    con = duckdb.connect(str(path))
    for table in ("r_calls", "r_customers", "r_business"):
        con.execute(f"DROP TABLE {table}")  # a store written before the rollups existed
    con.close()
    res = runner.invoke(cli, ["report", "1", "--store", str(path)])
    assert res.exit_code == 2 and "huashu report refresh" in res.output
    res = runner.invoke(cli, ["report", "refresh", "--store", str(path)])
    assert res.exit_code == 0 and "2 campaign(s)" in res.output, res.output
    res = runner.invoke(cli, ["report", "1", "--store", str(path), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["summary"]["attempts"] > 0
