"""Is the attack honest? Its per-branch recall against the recall on replies written by people.

A labelled held-out set (``{node: {branch: [reply, ...]}}``, written by hand, never by
:mod:`runtime.lab.variants`) is answered through the same matcher with the same rule for a hit
(the intended branch, or one that does exactly the same). The gap between the attack's recall
and the held-out recall says how far the generated variants can be trusted to predict what
real answers do. ``bench/bench_attack.py`` prints it; ``tests/lab`` bounds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from designer.model import Script
from runtime.dialog.compiled import compile_script
from runtime.lab.attack import CONFIDENCE, DEFAULT_SEED, NO_MATCH, _effect, _example_values, attack

__all__ = ["BranchAgreement", "Agreement", "agreement"]


@dataclass(frozen=True, slots=True)
class BranchAgreement:
    node: str
    branch: str
    attack_recall: float
    heldout_recall: float
    heldout: int
    missed: tuple[str, ...]

    @property
    def gap(self) -> float:
        return abs(self.attack_recall - self.heldout_recall)


@dataclass(frozen=True, slots=True)
class Agreement:
    script: str
    branches: tuple[BranchAgreement, ...]

    @property
    def replies(self) -> int:
        return sum(b.heldout for b in self.branches)

    @property
    def attack_recall(self) -> float:
        return sum(b.attack_recall for b in self.branches) / len(self.branches)

    @property
    def heldout_recall(self) -> float:
        return sum(b.heldout_recall for b in self.branches) / len(self.branches)

    @property
    def gap(self) -> float:
        """Gap of the script's mean recall (macro over branches, as the attack reports it)."""
        return abs(self.attack_recall - self.heldout_recall)

    @property
    def mean_branch_gap(self) -> float:
        return sum(b.gap for b in self.branches) / len(self.branches)

    def to_dict(self) -> dict[str, Any]:
        return {"script": self.script, "replies": self.replies, "attack_recall": round(self.attack_recall, 3),
                "heldout_recall": round(self.heldout_recall, 3), "gap": round(self.gap, 3),
                "mean_branch_gap": round(self.mean_branch_gap, 3),
                "branches": [{"node": b.node, "branch": b.branch, "attack": round(b.attack_recall, 3),
                              "heldout": round(b.heldout_recall, 3), "n": b.heldout, "missed": list(b.missed)}
                             for b in self.branches]}


def agreement(doc: Mapping[str, Any], labelled: Mapping[str, Mapping[str, Sequence[str]]], *,
              seed: int = DEFAULT_SEED) -> Agreement:
    script = Script.from_dict(doc)
    report = attack(script, seed=seed, advise=False)
    recall = {(n.node, b.branch): b.recall for n in report.nodes for b in n.branches}
    m = compile_script(script).matcher
    variables = _example_values(script)
    out = []
    for node_id, branches in labelled.items():
        node = script.node(node_id)
        effects = {b.id: _effect(b) for b in node.branches}
        for branch_id, replies in branches.items():
            missed = []
            for text in replies:
                res = m.match(node, text, CONFIDENCE, variables)
                taken = res.branch.id if res is not None else NO_MATCH
                ok = taken == branch_id or (taken in effects and effects[taken] == effects[branch_id])
                if not ok:
                    missed.append(f"{text} -> {taken}")
            attacked = recall.get((node_id, branch_id))
            if attacked is None:
                raise ValueError(f"{script.id}: {node_id}/{branch_id} is not an attacked branch")
            out.append(BranchAgreement(node_id, branch_id, attacked, 1 - len(missed) / len(replies), len(replies),
                                       tuple(missed)))
    return Agreement(script.id, tuple(out))
