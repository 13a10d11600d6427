"""The attack is honest: its per-branch recall against 348 hand-written replies (held out in
tests/lab/data, never produced by runtime/lab). ``bench/bench_attack.py`` prints the figures.

Measured (seed 20): the gap of the script's mean recall is 0.6-3 points on the English and the
survey script and 8.9-16.4 points on the four Chinese marketing scripts, where real customers use
words the script never mentions ("我想想", "是本人", "没什么原因") that no generator working
from the script's own words can foresee. The test pins what holds and bounds the rest, so a
change that makes the attack less honest fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.lab.honesty import agreement

pytestmark = pytest.mark.offline

HERE = Path(__file__).resolve().parent
LIB = HERE.parents[1] / "scripts_library"
HELDOUT = json.loads((HERE / "data" / "heldout_replies.json").read_text(encoding="utf-8"))


def _all() -> list:
    return [agreement(json.loads((LIB / name).read_text(encoding="utf-8")), labelled)
            for name, labelled in HELDOUT.items() if name != "_about"]


def test_the_held_out_set_is_large_and_hand_written() -> None:
    total = sum(len(v) for k, nodes in HELDOUT.items() if k != "_about" for b in nodes.values() for v in b.values())
    assert total >= 300
    from runtime.lab import variants
    generated = {v for f in variants.FAMILIES.values() for p in ("已经充了", "不需要", "好的") for v in f(p, __import__("random").Random(1))}
    texts = {t for k, nodes in HELDOUT.items() if k != "_about" for b in nodes.values() for v in b.values() for t in v}
    assert len(texts & generated) < 5  # not the generator's output


def test_attack_recall_predicts_held_out_recall() -> None:
    results = _all()
    for a in results:
        assert a.gap <= 0.20, (a.script, a.attack_recall, a.heldout_recall)
    within = [a for a in results if a.gap <= 0.10]
    assert len(within) >= 3, [(a.script, round(a.gap, 3)) for a in results]
    # pooled over every labelled branch of the library
    branches = [b for a in results for b in a.branches]
    attack_mean = sum(b.attack_recall for b in branches) / len(branches)
    heldout_mean = sum(b.heldout_recall for b in branches) / len(branches)
    assert abs(attack_mean - heldout_mean) <= 0.12, (attack_mean, heldout_mean)
