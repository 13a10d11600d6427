"""``huashu audience``: prepare customer data, train and compare models, score, select, rules, uplift, control group."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from huashu.cli._common import USAGE, console, db_session, emit, fail
from huashu.core.errors import UserError

if TYPE_CHECKING:
    from sqlmodel import Session

    from runtime.audience.models import Audience

__all__ = ["cli"]

_FILE = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Audiences: prepare data, train, score, select, rules, uplift, control group."""


# ---- edges: files, database, progress -------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    from runtime.audience.frame import FrameError, read_frame

    try:
        return read_frame(path)
    except FrameError as e:
        fail(str(e), USAGE)


def _models_dir() -> Path:
    from huashu.core.config import get_settings

    return get_settings().data_dir / "models"


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    err = console(stderr=True)
    if quiet or not err.is_terminal:
        yield lambda _msg: None
        return
    with err.status("working") as status:
        yield lambda msg: status.update(msg)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table

    t = Table(title=title)
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*[f"{v:,}" if isinstance(v, int) else (f"{v:.4g}" if isinstance(v, float) else str(v)) for v in r])
    console().print(t)


def _outcomes(outcomes: Path | None, campaigns: tuple[int, ...], store: Path | None) -> dict[str, Any]:
    if outcomes is not None:
        return _read(outcomes)
    if not campaigns:
        fail("give --outcomes FILE or --from-campaign ID (retrain from call outcomes)", USAGE)
    from runtime.analytics.store import AnalyticsStore
    from runtime.audience.feedback import labels_from_store

    try:
        with AnalyticsStore(store or _store_path(), read_only=True) as st:
            return labels_from_store(st, list(campaigns))
    except UserError as e:
        fail(str(e))
    raise AssertionError


def _store_path() -> Path:
    from huashu.core.config import get_settings

    return get_settings().data_dir / "analytics.duckdb"


_outcome_opts = [
    click.option("--outcomes", type=_FILE, help="Per-customer outcomes file (customer_id + target columns)."),
    click.option("--from-campaign", "campaigns", type=int, multiple=True,
                 help="Take the labels from these campaigns' call and business outcomes instead (feedback)."),
    click.option("--store", type=_FILE, help="Analytics store (default: <data_dir>/analytics.duckdb)."),
    click.option("--target", default="recharged", show_default=True,
                 help="Outcome column to predict: recharged, connected, effective, intent."),
]


def _with_outcomes(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(_outcome_opts):
        f = opt(f)
    return f


# ---- commands -------------------------------------------------------------------------------


@cli.command()
@click.argument("customers", type=_FILE)
@click.option("--outcomes", type=_FILE, help="With outcomes, also rank the features by gain ratio.")
@click.option("--target", default="recharged", show_default=True)
@click.option("-o", "--out", type=_FILE, default=None, help="Write the prepared data (.csv or .parquet).")
@click.option("--form", type=click.Choice(["clean", "standard", "bins"]), default="clean", show_default=True,
              help="clean: cleaned values; standard: z-scores + one-hot; bins: quantile-bin and category codes.")
@click.option("--json", "as_json", is_flag=True)
def prepare(customers: Path, outcomes: Path | None, target: str, out: Path | None, form: str, as_json: bool) -> None:
    """Clean CUSTOMERS (impossible values, outliers, nulls, timestamps to durations) and report what changed."""
    import numpy as np

    from runtime.audience.gainratio import rank_features
    from runtime.audience.prepare import apply_preparation, fit_preparation
    from runtime.audience.train import join_target

    frame = _read(customers)
    try:
        prep = fit_preparation(frame)
        data = apply_preparation(frame, prep)
    except UserError as e:
        fail(str(e))
    result: dict[str, Any] = {
        "report": data.report.as_dict(),
        "features": prep.feature_names(),
        "bins": {k: [round(float(e), 4) for e in v] for k, v in prep.edges.items()},
    }
    if out is not None:
        from runtime.audience.frame import write_frame

        if out.suffix.lower() not in (".csv", ".parquet"):
            fail(f"{out}: the output must end in .csv or .parquet", USAGE)
        columns: dict[str, Any] = {"customer_id": data.customer_id}
        if form == "bins":
            columns.update(data.discretised(prep))
        elif form == "standard":
            x = data.matrix(prep, standardise=True)
            columns.update({name: x[:, j] for j, name in enumerate(prep.feature_names())})
        else:
            columns.update(data.numeric)
            columns.update({c: np.asarray(lv + ["other"], dtype=object)[data.codes[c]]
                            for c, lv in prep.categories.items()})
        write_frame(columns, out)
        result["out"] = str(out)
    if outcomes is not None:
        try:
            y = join_target(frame, _read(outcomes), target)[data.rows]
        except UserError as e:
            fail(str(e))
        keep = y >= 0
        ranking = rank_features({k: v[keep] for k, v in data.codes.items()}, y[keep].astype(np.int64),
                                {k: v[keep] for k, v in data.numeric.items()})
        result["ranking"] = [
            {"feature": f.feature, "gain_ratio": round(f.gain_ratio, 5), "gain": round(f.gain, 5),
             "eligible": f.eligible, "threshold": f.threshold}
            for f in ranking
        ]

    def render() -> None:
        r = result["report"]
        click.echo(f"rows in {r['rows_in']:,}, rows out {r['rows_out']:,}")
        rows = [[k, "dropped", v] for k, v in r["dropped"].items()]
        for kind in ("impossible", "nulls_filled", "outliers_clipped"):
            rows += [[k, kind.replace("_", " "), v] for k, v in r[kind].items()]
        rows += [[k, f"-> {v} (days)", ""] for k, v in r["durations"].items()]
        _table("What preparation changed", ["column", "change", "rows"], rows)
        if "ranking" in result:
            _table(f"Features by information gain ratio (C4.5) for {target}",
                   ["feature", "gain ratio", "gain", "best cut", "kept"],
                   [[f["feature"], f["gain_ratio"], f["gain"], "" if f["threshold"] is None else f"<= {f['threshold']:.4g}",
                     "yes" if f["eligible"] else ""] for f in result["ranking"]])

    emit(result, as_json, indent=2, render=render)


@cli.command()
@click.argument("customers", type=_FILE)
@_with_outcomes
@click.option("--kind", type=click.Choice(["tree", "logistic"]), default="tree", show_default=True)
@click.option("--name", default=None, help="Model name (default: <kind>-<target>).")
@click.option("--split-seed", type=int, default=0, show_default=True, help="Same seed = same test customers.")
@click.option("--cut", type=click.FloatRange(0.001, 1.0), default=0.2, show_default=True, help="Share called (for lift).")
@click.option("--max-features", type=click.IntRange(1, 500), default=None)
@click.option("--max-depth", type=click.IntRange(1, 20), default=None,
              help="Cap the tree depth (shorter rules for business users).")
@click.option("--parent", type=int, default=None, help="The model version this one retrains.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def train(customers: Path, outcomes: Path | None, campaigns: tuple[int, ...], store: Path | None, target: str,
          kind: str, name: str | None, split_seed: int, cut: float, max_features: int | None, max_depth: int | None,
          parent: int | None,
          lang: str, as_json: bool) -> None:
    """Train a decision tree or logistic regression; report AUC, lift, precision at the cut and the tree's rules."""
    from runtime.audience.explain import render_rule, tree_rules
    from runtime.audience.store import save_model
    from runtime.audience.train import join_target, train_model

    frame = _read(customers)
    labels = _outcomes(outcomes, campaigns, store)
    with _progress(as_json) as say:
        try:
            y = join_target(frame, labels, target)
            trained = train_model(frame, y, kind, target, split_seed, cut, max_features, progress=say,
                                  max_depth=max_depth)
        except UserError as e:
            fail(str(e))
    with db_session() as s:
        row = save_model(s, trained, name or f"{kind}-{target}", _models_dir(), parent)
        model_id = row.id
    rules = tree_rules(trained.estimator, trained.feature_names) if kind == "tree" else []
    result: dict[str, Any] = {
        "model_id": model_id,
        "kind": kind,
        "target": target,
        "metrics": trained.metrics,
        "features": trained.selected,
        "ranking": [{"feature": f.feature, "gain_ratio": round(f.gain_ratio, 5), "eligible": f.eligible,
                     "threshold": f.threshold} for f in trained.ranking],
        "rules": [{**r.as_dict(), "text": render_rule(r, target, lang)} for r in rules[:10]],
        "preparation": trained.report,
    }
    if kind == "logistic":
        coef = trained.estimator.coef_[0]
        pairs = sorted(zip(trained.feature_names, coef, strict=True), key=lambda p: -abs(float(p[1])))
        result["coefficients"] = [{"feature": n, "coefficient": round(float(c), 4)} for n, c in pairs]

    def render() -> None:
        m = trained.metrics["test"]
        click.echo(f"model version {model_id} ({kind}, target {target}); features: {', '.join(trained.selected)}")
        _table("Hold-out (test) quality", ["AUC", f"precision @ top {cut:.0%}", "lift", "base rate", "validation AUC"],
               [[m["auc"], m["precision_at_cut"], m["lift_at_cut"], m["base_rate"], trained.metrics["validation_auc"]]])
        for r in result["rules"]:
            click.echo("  " + r["text"])
        for c in result.get("coefficients", [])[:10]:
            click.echo(f"  {c['feature']:32s} {c['coefficient']:+.4f}")

    emit(result, as_json, indent=2, render=render)


@cli.command()
@click.argument("customers", type=_FILE)
@_with_outcomes
@click.option("--name", default=None)
@click.option("--split-seed", type=int, default=0, show_default=True)
@click.option("--cut", type=click.FloatRange(0.001, 0.999), default=0.2, show_default=True)
@click.option("--estimator", type=click.Choice(["auto", "s_logit", "t_gbm"]), default="auto", show_default=True,
              help="auto: s_logit unless t_gbm is clearly better on the validation part.")
@click.option("--synthetic-truth", is_flag=True,
              help="CUSTOMERS come from `huashu data synth`: also report the model against the known true uplift.")
@click.option("--json", "as_json", is_flag=True)
def uplift(customers: Path, outcomes: Path | None, campaigns: tuple[int, ...], store: Path | None, target: str,
           name: str | None, split_seed: int, cut: float, estimator: str, synthetic_truth: bool, as_json: bool) -> None:
    """Train an uplift model (treated vs hold-out control): who a call moves, with intervals on every figure."""
    from runtime.audience.store import save_model
    from runtime.audience.uplift import outcome_arrays, outcome_column, train_uplift

    frame = _read(customers)
    labels = _outcomes(outcomes, campaigns, store)
    truth = delivered = None
    if synthetic_truth:
        from runtime.audience.truth import delivered_effect, true_uplift

        try:
            truth = true_uplift(frame)
        except KeyError as e:
            fail(f"--synthetic-truth: {customers} has no column {e.args[0]!r}; is it from `huashu data synth`?", USAGE)
        if "effective" in labels and "connected" in labels:
            delivered = delivered_effect(outcome_column(frame, labels, "effective"),
                                         outcome_column(frame, labels, "connected"))
    with _progress(as_json) as say:
        try:
            y, t = outcome_arrays(frame, labels, target)
            model = train_uplift(frame, y, t, target, split_seed, cut, progress=say, estimator=estimator,
                                 truth=truth, delivered=delivered)
        except UserError as e:
            fail(str(e))
    with db_session() as s:
        row = save_model(s, model, name or f"uplift-{target}", _models_dir())
        model_id = row.id
    result = {"model_id": model_id, "kind": "uplift", "target": target, "metrics": model.metrics}
    emit(result, as_json, indent=2, render=lambda: _render_uplift(model_id, target, model.metrics))


_ESTIMATOR_WORDS = {
    "s_logit": "one logistic regression with treatment x feature interactions",
    "t_gbm": "T-learner, two gradient-boosted models (called / control)",
}


def _render_uplift(model_id: int | None, target: str, m: dict[str, Any]) -> None:
    from runtime.audience.uplifteval import pp

    ev, cut = m["evaluation"], m["cut_share"]
    k = f"{cut:.0%}"

    def ci(g: dict[str, Any]) -> str:
        if g.get("estimate") is None:
            return ""
        return f"{100 * g['estimate']:+.2f}  ({100 * g['low']:+.2f} to {100 * g['high']:+.2f})"

    def qi(g: dict[str, Any]) -> str:  # Qini coefficients are small: shown x 1000
        if g.get("low") is None:
            return ""
        return f"{1000 * g['estimate']:+.2f}  ({1000 * g['low']:+.2f} to {1000 * g['high']:+.2f})"

    est = m["estimator"]
    click.echo(f"uplift model version {model_id}: {est} ({_ESTIMATOR_WORDS.get(est, est)}), target {target}")
    sel = m["selection"]
    if sel["candidates"]:
        _table(f"Estimator chosen on the validation part ({sel['validation']['treated']:,} called, "
               f"{sel['validation']['control']:,} control)",
               ["estimator", "validation Qini x 1000", f"minus {sel['default']}'s (95 % interval)", "chosen"],
               [[c["estimator"], f"{1000 * c['validation_qini']:+.2f}", qi(c["vs_default"]) if c["estimator"] != sel["default"]
                 else "", "yes" if c["estimator"] == sel["chosen"] else ""] for c in sel["candidates"]])
    r = ev.get("response_model", {})
    mr = ev.get("model_minus_response", {})
    rows = [
        [f"uplift in the top {k}", ci(ev["model"]["top"]), ci(r.get("top", {})), ci(mr.get("top", {}))],
        [f"uplift in the other {1 - cut:.0%}", ci(ev["model"]["rest"]), ci(r.get("rest", {})), ""],
        [f"top {k} minus the rest", ci(ev["model"]["gain"]), ci(r.get("gain", {})), ""],
        ["Qini coefficient x 1000", qi(ev["model"]["qini"]), qi(r.get("qini", {})), qi(mr.get("qini", {}))],
        ["everyone (calling at random)", ci(ev["everyone"]), "", ""],
    ]
    pw = ev["power"]
    _table(f"Hold-out (test part: {pw.get('test_treated', 0):,} called, {pw.get('test_control', 0):,} control), "
           f"percentage points with {ev['level']:.0%} intervals",
           ["", "uplift model", "response model", "uplift minus response"], rows)
    for line in ev["verdict"]:
        click.echo("  " + line)
    truth = m.get("synthetic_truth")
    if truth:
        tu = truth["true_uplift_of_an_effective_call"]
        trows = [["true uplift of an effective call", pp(tu["model_top"]), pp(tu["response_model_top"]),
                  pp(tu["everyone"]), pp(tu["best_possible_top"])]]
        cu = truth.get("true_campaign_uplift")
        if cu:
            trows.append(["true uplift of the campaign's calls", pp(cu["model_top"]), pp(cu["response_model_top"]),
                          pp(cu["everyone"]), ""])
        _table("SYNTHETIC DATA ONLY: the known true uplift on the test part (a real base has no such figure)",
               ["", f"model's top {k}", f"response model's top {k}", "everyone", f"best possible top {k}"], trows)
        click.echo(f"  The model's top {k} have {truth['lift_at_cut']:.2f}x the average true uplift "
                   f"(response model {truth['response_model_lift_at_cut']:.2f}x); correlation with the true "
                   f"uplift {truth['correlation']:.2f}.")
        inside = truth.get("inside_interval")
        if inside:
            said = {True: "inside", False: "OUTSIDE", None: "n/a"}
            click.echo(f"  The true campaign uplift is {said[inside['model_top']]} the interval for the top {k}, "
                       f"{said[inside['model_gain']]} the one for top minus rest, "
                       f"{said[inside['everyone']]} the one for everyone.")


def _score(model: Any, frame: dict[str, Any]) -> tuple[Any, Any]:
    from runtime.audience.train import score_frame
    from runtime.audience.uplift import score_uplift

    return score_uplift(model, frame) if model.kind == "uplift" else score_frame(model, frame)


@cli.command()
@click.argument("model_id", type=int)
@click.argument("customers", type=_FILE)
@click.option("-o", "--out", type=_FILE, required=True, help="Scores file (.csv or .parquet): customer_id, score.")
@click.option("--json", "as_json", is_flag=True)
def score(model_id: int, customers: Path, out: Path, as_json: bool) -> None:
    """Score every customer with model version MODEL_ID."""
    from runtime.audience.frame import write_frame
    from runtime.audience.store import load_model

    with db_session() as s:
        try:
            _row, model = load_model(s, model_id)
        except KeyError as e:
            fail(str(e.args[0]))
    frame = _read(customers)
    with _progress(as_json) as say:
        say(f"scoring {len(frame['customer_id']):,} customers")
        ids, sc = _score(model, frame)
        write_frame({"customer_id": ids, "score": sc}, out)
    result = {"model_id": model_id, "scored": len(ids), "out": str(out)}
    emit(result, as_json, indent=2, render=lambda: click.echo(f"scored {len(ids):,} customers -> {out}"))


@cli.command("select")
@click.argument("name")
@click.option("--model", "model_id", type=int, required=True, help="Model version to score with.")
@click.option("--customers", type=_FILE, required=True)
@click.option("--top", "top_n", type=click.IntRange(1), default=None, help="The N best callable customers.")
@click.option("--threshold", type=float, default=None, help="Everyone scoring at least this.")
@click.option("--json", "as_json", is_flag=True)
def select_(name: str, model_id: int, customers: Path, top_n: int | None, threshold: float | None, as_json: bool) -> None:
    """Save audience NAME: the top N or everyone above a threshold (hold-out customers are kept, flagged)."""
    import numpy as np

    from runtime.audience.control import control_mask, get_policy
    from runtime.audience.frame import take
    from runtime.audience.store import load_model, pick_members, save_audience

    if top_n is None and threshold is None:
        fail("give --top N or --threshold X", USAGE)
    frame = _read(customers)
    with db_session() as s:
        try:
            _row, model = load_model(s, model_id)
        except KeyError as e:
            fail(str(e.args[0]))
        with _progress(as_json) as say:
            say("scoring")
            ids, sc = _score(model, frame)
            kept = np.isin(np.asarray(frame["customer_id"]), ids)
            sub = take(frame, kept)
            policy = get_policy(s)
            assert policy is not None
            control = control_mask(ids, policy.salt, policy.fraction)
            pos = pick_members(ids, sc, control, top_n, threshold)
            say(f"saving {len(pos):,} members")
            aud = save_audience(s, name, sub, pos, sc, "model", str(customers), model_id=model_id, top_n=top_n,
                                threshold=threshold)
        result = {"audience_id": aud.id, "name": name, "callable": aud.size, "held_out": aud.held_out,
                  "min_score": float(sc[pos].min()) if len(pos) else None}
    emit(result, as_json, indent=2, render=lambda: click.echo(
        f"audience {result['audience_id']} {name!r}: {result['callable']:,} to call, {result['held_out']:,} held out (control)"))


@cli.group()
def rules() -> None:
    """Rule audiences: a visual rule (JSON) or a SQL condition over customer fields, regenerated on a schedule."""


@rules.command("create")
@click.argument("name")
@click.option("--customers", type=_FILE, required=True, help="Customer file the rule runs over (kept for refresh).")
@click.option("--rule", "rule_json", default=None, help='Visual rule JSON, e.g. {"all":[{"field":"status","op":"==","value":"suspended"}]}.')
@click.option("--rule-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@click.option("--sql", default=None, help="SQL condition (WHERE clause) over the customer columns.")
@click.option("--cron", default=None, help="Regenerate on this cron schedule (e.g. '0 6 * * *').")
@click.option("--json", "as_json", is_flag=True)
def rules_create(name: str, customers: Path, rule_json: str | None, rule_file: Path | None, sql: str | None,
                 cron: str | None, as_json: bool) -> None:
    """Create or replace rule audience NAME."""
    given = [x for x in (rule_json, rule_file, sql) if x]
    if len(given) != 1:
        fail("give exactly one of --rule, --rule-file, --sql", USAGE)
    if sql:
        rule: dict[str, Any] = {"sql": sql}
    else:
        try:
            rule = json.loads(rule_json if rule_json else Path(str(rule_file)).read_text())
        except (json.JSONDecodeError, OSError) as e:
            fail(f"rule: {e}", USAGE)
    if cron:
        from croniter import croniter

        if not croniter.is_valid(cron):
            fail(f"--cron: {cron!r} is not a valid cron expression", USAGE)
    with db_session() as s:
        result = _run_rule(s, name, rule, customers, cron)
    skipped = result["skipped_no_id_or_phone"]
    emit(result, as_json, indent=2, render=lambda: click.echo(
        f"audience {result['audience_id']} {name!r}: {result['callable']:,} to call, {result['held_out']:,} held out"
        + (f"; {skipped:,} matching rows skipped (no customer id or phone)" if skipped else "")))


def _run_rule(s: Any, name: str, rule: dict[str, Any], customers: Path, cron: str | None) -> dict[str, Any]:
    import numpy as np

    from runtime.audience.rules import RuleError, rule_mask
    from runtime.audience.store import reachable, save_audience

    frame = _read(customers)
    now = np.datetime64("now", "s")
    try:
        mask = rule_mask(rule, frame, now)
    except RuleError as e:
        fail(str(e))
    ok = reachable(frame)
    pos = np.flatnonzero(mask & ok)
    aud = save_audience(s, name, frame, pos, None, "rule", str(customers), rule=rule, refresh_cron=cron)
    return {"audience_id": aud.id, "name": name, "callable": aud.size, "held_out": aud.held_out,
            "skipped_no_id_or_phone": int((mask & ~ok).sum())}


@rules.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Regenerate every rule audience, due or not.")
@click.option("--json", "as_json", is_flag=True)
def rules_refresh(everything: bool, as_json: bool) -> None:
    """Regenerate the rule audiences whose cron schedule is due (run it from cron or the scheduler)."""
    from datetime import UTC, datetime

    from sqlmodel import select

    from runtime.audience.models import Audience
    from runtime.audience.schedule import is_due

    now = datetime.now(UTC)
    done = []
    with db_session() as s:
        for aud in s.exec(select(Audience).where(Audience.kind == "rule")).all():
            if everything or is_due(aud.refresh_cron, aud.refreshed_at, now):
                if aud.rule is None:
                    continue
                done.append(_run_rule(s, aud.name, dict(aud.rule), Path(aud.source), aud.refresh_cron))
    emit(done, as_json, indent=2, render=lambda: click.echo("\n".join(f"{d['name']}: {d['callable']:,}" for d in done) or "nothing due"))


def _audience_or_fail(s: Session, audience: str) -> tuple[Audience, int]:
    """(audience, its id) by id or name; exit 1 with the reason when there is no such audience."""
    from runtime.audience.store import get_audience

    try:
        aud = get_audience(s, audience)
    except KeyError as e:
        fail(str(e.args[0]))
    assert aud.id is not None
    return aud, aud.id


def _all_rows(model: Any, row: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """``row`` of every record of the table ``model``, in id order."""
    from sqlmodel import select

    with db_session() as s:
        return [row(r) for r in s.exec(select(model).order_by(model.id)).all()]


@cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_(as_json: bool) -> None:
    """Saved audiences."""
    from runtime.audience.models import Audience

    rows = _all_rows(Audience, lambda a: {
        "id": a.id, "name": a.name, "kind": a.kind, "model_id": a.model_id, "callable": a.size,
        "held_out": a.held_out, "refresh_cron": a.refresh_cron, "refreshed_at": str(a.refreshed_at)})
    emit(rows, as_json, indent=2, render=lambda: _table("Audiences", ["id", "name", "kind", "model", "callable", "held out", "cron"],
                                         [[r["id"], r["name"], r["kind"], r["model_id"] or "", r["callable"],
                                           r["held_out"], r["refresh_cron"] or ""] for r in rows]))


@cli.command()
@click.argument("audience")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def show(audience: str, limit: int, as_json: bool) -> None:
    """The first callable members of AUDIENCE (id or name), as a call task will read them."""
    from itertools import islice

    from runtime.audience.store import audience_numbers

    with db_session() as s:
        aud, aud_id = _audience_or_fail(s, audience)
        rows: list[dict[str, Any]] = [
            {"customer_id": c, "phone": p, "secondary_phone": p2, "variables": v}
            for c, p, p2, v in islice(audience_numbers(s, aud_id), limit)
        ]
    emit(rows, as_json, indent=2, render=lambda: _table(f"Audience {aud.name}", ["customer", "phone", "secondary", "score", "status"],
                                         [[r["customer_id"], r["phone"], r["secondary_phone"],
                                           r["variables"].get("score"), r["variables"].get("status", "")] for r in rows]))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
def models(as_json: bool) -> None:
    """Model versions with their hold-out metrics."""
    from runtime.audience.models import AudienceModel

    rows = _all_rows(AudienceModel, lambda m: {
        "id": m.id, "name": m.name, "kind": m.kind, "target": m.target, "split_seed": m.split_seed,
        "parent_id": m.parent_id, "metrics": m.metrics, "created_at": str(m.created_at)})

    def quality(m: dict[str, Any]) -> str:
        t = m["metrics"].get("test")
        if t:
            return f"AUC {t['auc']}, lift {t['lift_at_cut']}"
        q = m["metrics"].get("qini")
        iv = m["metrics"].get("evaluation", {}).get("model", {}).get("qini", {})
        if q and iv.get("low") is not None:
            return f"Qini {q['coefficient']} (95 % interval {iv['low']} to {iv['high']})"
        return f"Qini {q['coefficient']}" if q else ""

    emit(rows, as_json, indent=2, render=lambda: _table("Model versions", ["id", "name", "kind", "target", "parent", "hold-out"],
                                         [[r["id"], r["name"], r["kind"], r["target"], r["parent_id"] or "", quality(r)]
                                          for r in rows]))


@cli.command()
@click.argument("model_ids", type=int, nargs=-1, required=True)
@click.option("--customers", type=_FILE, required=True)
@_with_outcomes
@click.option("--cut", type=click.FloatRange(0.001, 1.0), default=0.2, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def compare(model_ids: tuple[int, ...], customers: Path, outcomes: Path | None, campaigns: tuple[int, ...],
            store: Path | None, target: str, cut: float, as_json: bool) -> None:
    """Compare model versions on the same hold-out customers (the first version's test split)."""
    from runtime.audience.feedback import compare_versions
    from runtime.audience.store import load_model

    frame = _read(customers)
    labels = _outcomes(outcomes, campaigns, store)
    with db_session() as s:
        try:
            versions = [(mid, load_model(s, mid)[1]) for mid in model_ids]
        except KeyError as e:
            fail(str(e.args[0]))
    try:
        rows = compare_versions(versions, frame, labels, target, cut)
    except UserError as e:
        fail(str(e))
    emit(rows, as_json, indent=2, render=lambda: _table(
        f"Model versions on the same hold-out ({target})", ["model", "kind", "test customers", "same hold-out", "AUC",
                                                             "lift", "precision", "Qini"],
        [[r["model_id"], r["kind"], r["test_customers"], "yes" if r["same_holdout"] else "NO", r.get("auc", ""),
          r.get("lift_at_cut", ""), r.get("precision_at_cut", ""), r.get("qini", "")] for r in rows]))


@cli.command()
@click.option("--fraction", type=click.FloatRange(0.0, 0.9), default=None, help="Change the hold-out share.")
@click.option("--check", "customer_id", type=int, default=None, help="Is this customer in the control group?")
@click.option("--json", "as_json", is_flag=True)
def control(fraction: float | None, customer_id: int | None, as_json: bool) -> None:
    """The random hold-out control group (stable by hash of the customer id), kept out of every campaign."""
    from runtime.audience.control import get_policy, is_control, set_policy

    with db_session() as s:
        policy = set_policy(s, fraction) if fraction is not None else get_policy(s)
        assert policy is not None
        result: dict[str, Any] = {"fraction": policy.fraction, "since": str(policy.created_at)}
        if customer_id is not None:
            result["customer_id"] = customer_id
            result["held_out"] = is_control(customer_id, policy.salt, policy.fraction)
    emit(result, as_json, indent=2, render=lambda: click.echo(
        f"control group: {result['fraction']:.1%} of customers (since {result['since']})"
        + (f"; customer {customer_id} is {'HELD OUT' if result['held_out'] else 'callable'}" if customer_id else "")))


@cli.command()
@click.argument("source")
@click.option("--query", default=None, help="SELECT for SQL sources (bound :name parameters allowed).")
@click.option("--id-column", default="customer_id", show_default=True)
@click.option("--phone-column", default="phone", show_default=True)
@click.option("-o", "--out", type=_FILE, required=True, help="Snapshot file (.csv or .parquet) the other commands read.")
@click.option("--json", "as_json", is_flag=True)
def pull(source: str, query: str | None, id_column: str, phone_column: str, out: Path, as_json: bool) -> None:
    """Snapshot the customers of campaign data source SOURCE into a file (types inferred per column)."""
    from runtime.audience.frame import write_frame
    from runtime.audience.from_source import frame_from_source

    if out.suffix.lower() not in (".csv", ".parquet"):
        fail(f"{out}: the output must end in .csv or .parquet", USAGE)
    with db_session() as s:
        try:
            frame, errors = frame_from_source(s, source, query, None, id_column, phone_column)
        except UserError as e:
            fail(str(e))
    write_frame(frame, out)
    n = len(frame["customer_id"])
    result = {"rows": n, "columns": list(frame), "row_errors": errors, "out": str(out)}
    emit(result, as_json, indent=2, render=lambda: click.echo(f"{n:,} customers ({len(frame)} columns) -> {out}"
                                              + (f"; {len(errors)} bad rows: {errors[:3]}" if errors else "")))


@cli.command()
@click.argument("audience")
@click.option("--campaign", "campaign_id", type=int, required=True, help="The campaign that called this audience.")
@click.option("-o", "--out", type=_FILE, required=True, help=".csv or .parquet: campaign_id, customer_id, arm.")
@click.option("--json", "as_json", is_flag=True)
def targets(audience: str, campaign_id: int, out: Path, as_json: bool) -> None:
    """Members of AUDIENCE with their arm (treated/control): what the business-data extract must cover."""
    from runtime.audience.frame import write_frame
    from runtime.audience.store import audience_targets

    if out.suffix.lower() not in (".csv", ".parquet"):
        fail(f"{out}: the output must end in .csv or .parquet", USAGE)
    with db_session() as s:
        _aud, aud_id = _audience_or_fail(s, audience)
        frame = audience_targets(s, aud_id, campaign_id)
    write_frame(frame, out)
    control = int((frame["arm"] == "control").sum())
    result = {"rows": len(frame["customer_id"]), "control": control, "out": str(out)}
    emit(result, as_json, indent=2, render=lambda: click.echo(f"{result['rows']:,} members ({control:,} control) -> {out}"))
