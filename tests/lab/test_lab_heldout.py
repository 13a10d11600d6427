"""The attack is honest: its per-branch recall against 348 hand-written replies (held out in
tests/lab/data, never produced by runtime/lab). ``bench/bench_attack.py`` prints the figures.

Measured (seed 20): the gap of the script's mean recall is 0.8-9.5 points on every library
script (issue 20 asks for 10). The attack says each act also in other people's words
(:mod:`runtime.lab.paraphrase`, a bank written per customer act, independent of any script and
of this set), and its recall weighs every way of saying it once; before that, a generator working
only from the script's own words missed by up to 16 points. A change that makes the attack less
honest fails here.
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
    assert len(results) == 6
    for a in results:
        assert a.gap <= 0.10, (a.script, a.attack_recall, a.heldout_recall)
    # pooled over every labelled branch of the library
    branches = [b for a in results for b in a.branches]
    attack_mean = sum(b.attack_recall for b in branches) / len(branches)
    heldout_mean = sum(b.heldout_recall for b in branches) / len(branches)
    assert abs(attack_mean - heldout_mean) <= 0.06, (attack_mean, heldout_mean)


def test_the_paraphrase_bank_is_not_the_held_out_set() -> None:
    """The bank must not be fitted to the replies it is judged against. Everyday phrases meet by
    chance (多少钱, wrong number: 13 of 348 when written); a copied set would meet far more."""
    from runtime.lab.paraphrase import BANK_EN, BANK_ZH

    bank = {p for v in (*BANK_ZH.values(), *BANK_EN.values()) for p in v}
    texts = {t for k, nodes in HELDOUT.items() if k != "_about" for b in nodes.values() for v in b.values() for t in v}
    assert len(texts & bank) <= 0.05 * len(texts), sorted(texts & bank)
