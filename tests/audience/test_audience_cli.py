"""The `huashu data` and `huashu audience` commands end to end on a small synthetic base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli
from huashu.core.config import get_settings

pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("aud")
    mp = pytest.MonkeyPatch()
    mp.setenv("HUASHU_DATA_DIR", str(root / "var"))
    mp.delenv("HUASHU_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    out = root / "c.parquet"
    res = runner.invoke(cli, ["data", "synth", "--customers", "12000", "--seed", "3", "-o", str(out),
                              "--recharge-after-calls", "--json"])
    assert res.exit_code == 0, res.output
    yield runner, root, json.loads(res.output)
    mp.undo()
    get_settings.cache_clear()


def _json(runner: CliRunner, args: list[str]) -> object:
    res = runner.invoke(cli, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_synth_writes_all_files(env) -> None:
    _, root, written = env
    assert written["customers"]["rows"] == 12000
    for key in ("calls", "business", "outcomes"):
        assert Path(written[key]["path"]).exists()


def test_prepare_train_select_show(env) -> None:
    runner, root, w = env
    c, o = w["customers"]["path"], w["outcomes"]["path"]
    prep = _json(runner, ["audience", "prepare", c, "--outcomes", o, "-o", str(root / "p.parquet"), "--form", "bins"])
    from runtime.audience.frame import read_frame

    binned = read_frame(root / "p.parquet")
    assert len(binned["customer_id"]) == 12000 and binned["arpu"].max() <= 10 and binned["status"].max() <= 3
    assert len(prep["bins"]["arpu"]) == 9
    assert prep["report"]["nulls_filled"]["age"] > 0 and prep["ranking"][0]["feature"] == "status"
    tree = _json(runner, ["audience", "train", c, "--outcomes", o, "--kind", "tree", "--lang", "zh"])
    assert tree["metrics"]["test"]["auc"] > 0.55 and tree["rules"][0]["text"].startswith("如果")
    logit = _json(runner, ["audience", "train", c, "--outcomes", o, "--kind", "logistic", "--parent", str(tree["model_id"])])
    cmp = _json(runner, ["audience", "compare", str(tree["model_id"]), str(logit["model_id"]), "--customers", c,
                         "--outcomes", o])
    assert [r["test_customers"] for r in cmp] == [cmp[0]["test_customers"]] * 2 and all(r["same_holdout"] for r in cmp)
    sel = _json(runner, ["audience", "select", "best", "--model", str(logit["model_id"]), "--customers", c, "--top", "300"])
    assert sel["callable"] == 300
    shown = _json(runner, ["audience", "show", "best", "--limit", "5"])
    assert len(shown) == 5 and len(shown[0]["variables"]["answer_by_half_hour"]) == 48
    tg = _json(runner, ["audience", "targets", "best", "--campaign", "4", "-o", str(root / "t.csv")])
    assert tg["rows"] == 300 + sel["held_out"] and tg["control"] == sel["held_out"]
    scores = root / "s.csv"
    assert _json(runner, ["audience", "score", str(logit["model_id"]), c, "-o", str(scores)])["scored"] == 12000
    models = _json(runner, ["audience", "models"])
    assert {m["kind"] for m in models} >= {"tree", "logistic"}


def test_uplift_and_rules_and_control(env) -> None:
    runner, _, w = env
    c, o = w["customers"]["path"], w["outcomes"]["path"]
    up = _json(runner, ["audience", "uplift", c, "--outcomes", o, "--synthetic-truth"])
    m = up["metrics"]
    assert "qini" in m and m["estimator"] in ("s_logit", "t_gbm")
    ev = m["evaluation"]
    assert ev["model"]["top"]["low"] <= ev["model"]["top"]["estimate"] <= ev["model"]["top"]["high"]
    assert ev["power"]["mde_gain"] > 0 and ev["verdict"]
    assert m["synthetic_truth"]["true_uplift_of_an_effective_call"]["everyone"] > 0
    res = runner.invoke(cli, ["audience", "uplift", c, "--outcomes", o, "--estimator", "t_gbm", "--synthetic-truth"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "uplift in the top 20%" in text and "SYNTHETIC DATA ONLY" in text and "cannot be told apart" in text
    again = _json(runner, ["audience", "compare", str(up["model_id"]), str(up["model_id"] + 1), "--customers", c,
                           "--outcomes", o])
    assert [r["same_holdout"] for r in again] == [True, True] and again[0]["test_customers"] == ev["power"]["test_treated"] + ev["power"]["test_control"]
    res = runner.invoke(cli, ["audience", "uplift", str(w["business"]["path"]), "--outcomes", o, "--synthetic-truth"])
    assert res.exit_code == 2 and "huashu data synth" in res.output
    rule = '{"all":[{"field":"status","op":"==","value":"semi_suspended"}]}'
    r = _json(runner, ["audience", "rules", "create", "semi", "--customers", c, "--rule", rule, "--cron", "0 6 * * *"])
    assert r["callable"] > 0
    s = _json(runner, ["audience", "rules", "create", "sq", "--customers", c, "--sql", "status = 'semi_suspended'"])
    assert s["callable"] + s["held_out"] == r["callable"] + r["held_out"]
    refreshed = _json(runner, ["audience", "rules", "refresh", "--all"])
    assert {x["name"] for x in refreshed} == {"semi", "sq"}
    assert _json(runner, ["audience", "control", "--check", "5"])["customer_id"] == 5
    assert {a["name"] for a in _json(runner, ["audience", "list"])} >= {"semi", "sq"}


def test_errors_are_messages_not_tracebacks(env) -> None:
    runner, root, w = env
    c = w["customers"]["path"]
    res = runner.invoke(cli, ["audience", "prepare", str(root / "missing.csv")])
    assert res.exit_code == 2 and "no such file" in res.output and "Traceback" not in res.output
    res = runner.invoke(cli, ["audience", "rules", "create", "x", "--customers", c, "--rule", '{"all":[{"field":"zz","op":">","value":1}]}'])
    assert res.exit_code == 1 and "rule.all[0]: unknown field 'zz'" in res.output
    res = runner.invoke(cli, ["audience", "rules", "create", "x", "--customers", c, "--rule", "{nope"])
    assert res.exit_code == 2
    res = runner.invoke(cli, ["audience", "train", c])
    assert res.exit_code == 2 and "--outcomes" in res.output
    res = runner.invoke(cli, ["audience", "score", "999", c, "-o", str(root / "x.csv")])
    assert res.exit_code == 1 and "no model version 999" in res.output
