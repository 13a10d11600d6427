"""How sure the hold-out is about an uplift model: intervals, detectable differences, words.

An uplift is a difference of two recharge rates (called vs hold-out control), and the control
group is small (10 % of customers, 20 % of those in the test part), so every figure comes
with its interval: differences of proportions get the normal (Wald) interval; the Qini
coefficients and the paired comparisons with the response model get a seeded Poisson
bootstrap (each customer weighted by a Poisson(1) count, so one sort serves every round).
:func:`power` turns the sizes into the smallest difference the test part can tell from noise
and the control-group size a claim would need; :func:`verdict` says it in sentences.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["rate_difference", "qini_rounds", "evaluate_uplift", "power", "verdict", "pp"]

_CHUNK = 25  # bootstrap rounds computed at once (memory: rounds x customers floats per array)


def _z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def pp(x: float | None, sign: bool = True) -> str:
    """A proportion as percentage points: 0.0149 -> '+1.49 pp'."""
    if x is None:
        return "n/a"
    return f"{100 * x:+.2f} pp" if sign else f"{100 * x:.2f} pp"


def rate_difference(y: np.ndarray, treated: np.ndarray, level: float = 0.95) -> dict[str, Any]:
    """Recharge rate of treated minus control, with its normal-approximation interval."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    nt, nc = int(t.sum()), int((~t).sum())
    if nt == 0 or nc == 0:
        return {"estimate": None, "low": None, "high": None, "se": None, "treated": nt, "control": nc,
                "rate_treated": None, "rate_control": None}
    pt, pc = float(y[t].mean()), float(y[~t].mean())
    se = math.sqrt(pt * (1 - pt) / nt + pc * (1 - pc) / nc)
    z = _z(0.5 + level / 2)
    d = pt - pc
    return {"estimate": round(d, 5), "low": round(d - z * se, 5), "high": round(d + z * se, 5), "se": round(se, 5),
            "treated": nt, "control": nc, "rate_treated": round(pt, 5), "rate_control": round(pc, 5)}


def _difference_of(a: dict[str, Any], b: dict[str, Any], level: float) -> dict[str, Any]:
    """a - b for two independent estimates (the top share and the rest are disjoint customers)."""
    if a["estimate"] is None or b["estimate"] is None:
        return {"estimate": None, "low": None, "high": None, "se": None}
    se = math.sqrt(a["se"] ** 2 + b["se"] ** 2)
    z = _z(0.5 + level / 2)
    d = a["estimate"] - b["estimate"]
    return {"estimate": round(d, 5), "low": round(d - z * se, 5), "high": round(d + z * se, 5), "se": round(se, 5)}


def _top_mask(score: np.ndarray, share: float) -> np.ndarray:
    n = len(score)
    k = max(1, int(round(n * share)))
    mask = np.zeros(n, dtype=bool)
    mask[np.argsort(-np.asarray(score), kind="mergesort")[:k]] = True
    return mask


def _qini_weighted(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Qini coefficients, one per row of weights ``w``; ``t`` and ``y`` already in score order.

    With all weights 1 this is exactly :func:`runtime.audience.metrics.qini`'s coefficient.
    """
    tf = t.astype(float)
    cw = np.cumsum(w, axis=1)
    ct = np.cumsum(w * tf, axis=1)
    cc = cw - ct
    cyt = np.cumsum(w * (y * tf), axis=1)
    cyc = np.cumsum(w * (y * (1.0 - tf)), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(cc > 0, cyt - cyc * ct / np.maximum(cc, 1e-12), 0.0)
    total_w = cw[:, -1]
    x = cw / total_w[:, None]
    area = np.trapezoid(q, x, axis=1) - q[:, -1] / 2.0
    return np.asarray(area / total_w)


def _uplift_weighted(t: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    tf = t.astype(float)
    wt, wc = (w * tf).sum(axis=1), (w * (1 - tf)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((w * (y * tf)).sum(axis=1) / wt - (w * (y * (1 - tf))).sum(axis=1) / wc)


def qini_rounds(
    y: np.ndarray, treated: np.ndarray, scores: dict[str, np.ndarray], rounds: int, seed: int,
    cut: float | None = None,
) -> dict[str, np.ndarray]:
    """Bootstrap replicates (paired: the same customer weights for every score) of each score's Qini.

    Also ``<name>@cut``: the observed uplift among that score's top ``cut`` share, when ``cut`` is given.
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    n = len(y)
    orders = {k: np.argsort(-np.asarray(s), kind="mergesort") for k, s in scores.items()}
    tops = {k: _top_mask(s, cut) for k, s in scores.items()} if cut is not None else {}
    out: dict[str, list[np.ndarray]] = {}
    rng = np.random.default_rng(seed)
    done = 0
    while done < rounds:
        b = min(_CHUNK, rounds - done)
        w = rng.poisson(1.0, size=(b, n)).astype(float)
        for k, order in orders.items():
            out.setdefault(k, []).append(_qini_weighted(t[order], y[order], w[:, order]))
            if k in tops:
                m = tops[k]
                out.setdefault(f"{k}@cut", []).append(_uplift_weighted(t[m], y[m], w[:, m]))
        done += b
    return {k: np.concatenate(v) for k, v in out.items()}


def _interval(samples: np.ndarray, estimate: float, level: float, digits: int = 6) -> dict[str, Any]:
    s = samples[np.isfinite(samples)]
    if len(s) < 10:
        return {"estimate": round(estimate, digits), "low": None, "high": None, "se": None}
    lo, hi = np.quantile(s, [0.5 - level / 2, 0.5 + level / 2])
    return {"estimate": round(estimate, digits), "low": round(float(lo), digits), "high": round(float(hi), digits),
            "se": round(float(s.std(ddof=1)), digits)}


def power(
    top: dict[str, Any], rest: dict[str, Any], cut: float, predicted_gain: float | None,
    labelled: int, level: float = 0.95, target_power: float = 0.8,
) -> dict[str, Any]:
    """Smallest detectable differences at these sizes, and the control group a claimed gain would need.

    ``top`` and ``rest`` are :func:`rate_difference` results in the test part. The gain is
    uplift(top share) - uplift(rest). Its variance is A (1/n_t + 1/n_c) with
    A = p_top (1 - p_top) / k + p_rest (1 - p_rest) / (1 - k), n_t, n_c the test part's
    treated and control counts; the detectable gain is (z_level + z_power) times its standard error.
    """
    z = _z(0.5 + level / 2) + _z(target_power)
    out: dict[str, Any] = {"level": level, "power": target_power}
    if top["estimate"] is None or rest["estimate"] is None:
        return out

    def pq(g: dict[str, Any]) -> float:
        p = (g["rate_treated"] * g["treated"] + g["rate_control"] * g["control"]) / (g["treated"] + g["control"])
        return max(p * (1 - p), 1e-6)

    out["mde_top"] = round(z * math.sqrt(pq(top) * (1 / top["treated"] + 1 / top["control"])), 5)
    out["mde_gain"] = round(z * math.sqrt(pq(top) * (1 / top["treated"] + 1 / top["control"])
                                          + pq(rest) * (1 / rest["treated"] + 1 / rest["control"])), 5)
    nt, nc = top["treated"] + rest["treated"], top["control"] + rest["control"]
    n_test = nt + nc
    share_now = nc / n_test
    test_fraction = n_test / max(labelled, 1)
    out.update({"test_treated": nt, "test_control": nc, "control_share": round(share_now, 4),
                "test_fraction": round(test_fraction, 4)})
    if predicted_gain is None or predicted_gain <= 0.001:
        return out
    a = pq(top) / cut + pq(rest) / (1 - cut)
    d = predicted_gain
    out["predicted_gain"] = round(d, 5)
    # Control customers needed in the test part, keeping today's treated customers.
    room = d * d / (z * z * a) - 1 / nt
    out["control_needed_in_test"] = int(math.ceil(1 / room)) if room > 0 else None
    # Over a base this size (same test fraction): the control share that would do, if any.
    big_d = test_fraction * labelled * d * d / (z * z * a)
    if big_d >= 4:
        out["control_share_needed"] = round((1 - math.sqrt(1 - 4 / big_d)) / 2, 4)
    else:
        out["control_share_needed"] = None  # not even a 50/50 split of this base would do
    # Or the base size needed at today's control share.
    out["customers_needed_at_current_share"] = int(math.ceil(
        z * z * a * (1 / (1 - share_now) + 1 / share_now) / (test_fraction * d * d)))
    return out


def evaluate_uplift(
    y: np.ndarray,
    treated: np.ndarray,
    score: np.ndarray,
    response: np.ndarray | None = None,
    cut: float = 0.2,
    *,
    labelled: int | None = None,
    seed: int = 0,
    rounds: int = 200,
    level: float = 0.95,
    target_power: float = 0.8,
) -> dict[str, Any]:
    """Every hold-out uplift figure with its interval, for the model (``score`` = predicted uplift)
    and, when given, the plain response model at the same cut."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    scores = {"model": np.asarray(score, dtype=float)}
    if response is not None:
        scores["response_model"] = np.asarray(response, dtype=float)
    boot = qini_rounds(y, t, scores, rounds, seed, cut)
    ones = np.ones((1, len(y)))
    result: dict[str, Any] = {
        "level": level, "cut_share": cut, "bootstrap": {"rounds": rounds, "seed": seed, "kind": "Poisson"},
        "everyone": rate_difference(y, t, level),
    }
    for name, s in scores.items():
        top = _top_mask(s, cut)
        order = np.argsort(-s, kind="mergesort")
        q = float(_qini_weighted(t[order], y[order], ones[:, order])[0])
        r = {
            "top": rate_difference(y[top], t[top], level),
            "rest": rate_difference(y[~top], t[~top], level),
            "qini": _interval(boot[name], q, level),
        }
        r["gain"] = _difference_of(r["top"], r["rest"], level)
        result[name] = r
    m = result["model"]
    s = scores["model"]
    top = _top_mask(s, cut)
    predicted_gain = float(s[top].mean() - s[~top].mean()) if (~top).any() else None
    m["predicted"] = {"top": round(float(s[top].mean()), 5), "everyone": round(float(s.mean()), 5),
                      "gain": None if predicted_gain is None else round(predicted_gain, 5)}
    if response is not None:
        r = result["response_model"]
        top_diff = (m["top"]["estimate"] or 0.0) - (r["top"]["estimate"] or 0.0)
        result["model_minus_response"] = {
            "top": _interval(boot["model@cut"] - boot["response_model@cut"], top_diff, level, 5),
            "qini": _interval(boot["model"] - boot["response_model"],
                              m["qini"]["estimate"] - r["qini"]["estimate"], level),
        }
    result["power"] = power(m["top"], m["rest"], cut, predicted_gain, labelled or len(y), level, target_power)
    result["verdict"] = verdict(result)
    return result


def _share(x: float) -> str:
    return f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.1%}"


def _ci(g: dict[str, Any], level: float) -> str:
    return f"{pp(g['estimate'])} ({level:.0%} interval {pp(g['low'])} to {pp(g['high'])})"


def verdict(ev: dict[str, Any]) -> list[str]:
    """What the hold-out can and cannot say, in sentences for business users."""
    level, cut = ev["level"], ev["cut_share"]
    k = _share(cut)
    m, pw = ev["model"], ev["power"]
    top, gain = m["top"], m["gain"]
    out: list[str] = []
    if top["estimate"] is None or gain["estimate"] is None:
        return [f"The test part has no control customers in the top {k} or the rest: no uplift can be measured."]
    out.append(
        f"The test part (customers the model never saw) has {pw['test_treated']:,} called and "
        f"{pw['test_control']:,} control customers; {top['control']:,} of the control customers fall in the "
        f"model's top {k}.")
    out.append(
        f"With so few, differences under {pp(pw['mde_gain'], False)} between the top {k} and the rest, "
        f"and an uplift under {pp(pw['mde_top'], False)} inside the top {k}, cannot be told apart from noise "
        f"({1 - level:.0%} level, {pw['power']:.0%} power).")
    if gain["low"] > 0:
        out.append(f"The model's top {k} are moved more than the rest: {_ci(gain, level)}.")
    elif gain["high"] < 0:
        out.append(f"The model's top {k} are moved LESS than the rest: {_ci(gain, level)}; do not target with it.")
    else:
        out.append(
            f"The test part cannot tell whether the model's top {k} are moved more than the rest: "
            f"{_ci(gain, level)}, which includes 0. The hold-out is too small to tell; this is not evidence "
            f"that the model is useless.")
    if "predicted_gain" in pw:
        need, share = pw.get("control_needed_in_test"), pw.get("control_share_needed")
        s = f"The model itself predicts a gain of {pp(pw['predicted_gain'])}. Confirming a gain that size needs "
        if need is not None:
            s += f"about {need:,} control customers in the test part (it has {pw['test_control']:,})"
        else:
            s += "more called customers as well as more control customers"
        at_share = f"about {pw['customers_needed_at_current_share']:,} customers at today's control share"
        if share is not None:
            s += f": a control share of about {_share(share)} of this base (now {_share(pw['control_share'])}), or {at_share}."
        else:
            s += f"; no control share of a base this size is enough, it takes {at_share}."
        out.append(s + " A gain half that size needs four times as many.")
    mr = ev.get("model_minus_response")
    if mr and mr["top"]["low"] is not None:
        d = mr["top"]
        if d["low"] > 0 or d["high"] < 0:
            word = "better" if d["low"] > 0 else "worse"
            out.append(f"Against the plain response model at the same cut the uplift model is {word}: {_ci(d, level)}.")
        else:
            out.append(f"Against the plain response model at the same cut: {_ci(d, level)}; the test part cannot "
                       f"tell them apart.")
    return out
