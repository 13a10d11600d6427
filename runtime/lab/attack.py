"""The robustness attack: every listening node's branches against what customers really say.

For each listening node and each branch that listens for words (keywords or an intent), the
branch's own phrases are turned into realistic variants (:mod:`runtime.lab.variants`), its
contrary variants (which must not land on it) and the node gets hand-written off-script
replies. Each is answered through the runtime's own compiled matcher, in the order the
dialog engine tries branches (override handlers, the node's branches, the other handlers):
on a first visit nothing is spent, so the first match is the branch the engine takes
(``tests/lab`` pins that against a real :class:`~runtime.dialog.harness.ChatSession`).

Out come, per node, a confusion table (intended -> taken), per-branch recall and
false-capture rate, the worst examples and concrete suggestions (:mod:`runtime.lab.advice`).
Deterministic: the same script and seed give the same report.
"""

from __future__ import annotations

import random
import time
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from designer.model import Branch, Node, Script
from designer.robustness import BranchRobustness, Robustness
from runtime.dialog.compiled import compile_script
from runtime.lab.paraphrase import paraphrases_of
from runtime.lab.seeds import OFF_SCRIPT_EN, OFF_SCRIPT_ZH, echo_replies, intent_of, seeds_of
from runtime.lab.variants import CONTRARY, FAMILIES, FAMILIES_EN, code_switch_for, contrary, contrary_en
from runtime.nlu.matcher import Matcher

__all__ = ["NO_MATCH", "robustness_of", "measure", "Variant", "Outcome", "BranchStats", "NodeReport", "AttackReport", "attack",
           "DEFAULT_SEED", "CONFIDENCE"]

NO_MATCH = "no_match"
DEFAULT_SEED = 20
CONFIDENCE = 0.9  # what the test-talk harness and replay cases use
OFF_SCRIPT = "off_script"
PARAPHRASE = "paraphrase"  # a phrase of the act in other people's words (runtime.lab.paraphrase)
MAX_WORST = 6


@dataclass(frozen=True, slots=True)
class Variant:
    """One reply to try. ``intended`` is the branch it should land on (None: no branch);
    ``against`` is set on contrary variants: the branch they must NOT land on."""

    text: str
    family: str
    seed: str
    intended: str | None
    against: str | None = None
    label: str | None = None  # off-script: the built-in intent it is (who_are_you, ...)


@dataclass(frozen=True, slots=True)
class Outcome:
    """``same`` is true when the branch taken does exactly what the intended one does (same target,
    same tags, no retry limit): "OK，办理" landing on the affirm branch of a node whose 办理
    keyword branch goes to the same place is no failure."""

    variant: Variant
    taken: str  # branch id or NO_MATCH
    scope: str  # node | global | none
    why: str
    same: bool = False

    @property
    def ok(self) -> bool:
        v = self.variant
        if v.against is not None:
            return not self.same
        return self.same

    def to_dict(self) -> dict[str, Any]:
        v = self.variant
        return {"text": v.text, "family": v.family, "seed": v.seed, "intended": v.intended,
                "against": v.against, "label": v.label, "taken": self.taken, "scope": self.scope,
                "why": self.why, "ok": self.ok}


def _effect(b: Branch) -> tuple[str, tuple[str, ...], int | None, str | None]:
    return b.goto, tuple(sorted(b.tags)), b.max_times, b.else_goto


@dataclass(slots=True)
class BranchStats:
    branch: str
    scope: str  # node | global
    kind: str  # keywords | intent
    intent: str | None
    variants: int = 0
    hits: int = 0
    guarded: int = 0  # variants that must not land here (contrary + off-script meant elsewhere)
    captured: int = 0
    by_seed: dict[str, list[int]] = field(default_factory=dict)  # seed phrase -> [variants, hits]

    def count(self, seed: str, hit: bool) -> None:
        self.variants += 1
        self.hits += hit
        row = self.by_seed.setdefault(seed, [0, 0])
        row[0] += 1
        row[1] += hit

    @property
    def recall(self) -> float | None:
        """Mean over the branch's seed phrases of the share of each one's variants that land:
        every distinct way of saying it (a keyword, a built-in phrase, an echo of the question,
        a paraphrase in the customer's own words) counts once, however many perturbations the
        families could make of it. Counting variants instead would let the script's own words,
        which yield the most variants, drown out the words it does not know."""
        if not self.by_seed:
            return self.hits / self.variants if self.variants else None
        return sum(h / n for n, h in self.by_seed.values()) / len(self.by_seed)

    @property
    def false_capture(self) -> float | None:
        return self.captured / self.guarded if self.guarded else None

    def to_dict(self) -> dict[str, Any]:
        r, f = self.recall, self.false_capture
        return {"branch": self.branch, "scope": self.scope, "kind": self.kind, "intent": self.intent,
                "variants": self.variants, "hits": self.hits, "recall": None if r is None else round(r, 3),
                "guarded": self.guarded, "captured": self.captured,
                "false_capture": None if f is None else round(f, 3)}


@dataclass(slots=True)
class NodeReport:
    node: str
    title: str
    branches: list[BranchStats]
    outcomes: list[Outcome]
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestions: list[Any] = field(default_factory=list)  # runtime.lab.advice.Suggestion

    @property
    def worst(self) -> list[Outcome]:
        """Failures, one per (family, intended) first so the list shows different kinds of trouble."""
        bad = [o for o in self.outcomes if not o.ok]
        seen: set[tuple[str, str | None]] = set()
        first: list[Outcome] = []
        rest: list[Outcome] = []
        for o in bad:
            k = (o.variant.family, o.variant.intended or o.variant.against)
            (rest if k in seen else first).append(o)
            seen.add(k)
        return (first + rest)[:MAX_WORST]

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "title": self.title, "variants": len(self.outcomes),
                "branches": [b.to_dict() for b in self.branches], "confusion": self.confusion,
                "worst": [o.to_dict() for o in self.worst],
                "suggestions": [s.to_dict() for s in self.suggestions]}


@dataclass(slots=True)
class AttackReport:
    script: str
    seed: int
    nodes: list[NodeReport]
    seconds: float = 0.0

    @property
    def variants(self) -> int:
        return sum(len(n.outcomes) for n in self.nodes)

    def branch_stats(self) -> list[tuple[str, BranchStats]]:
        return [(n.node, b) for n in self.nodes for b in n.branches]

    @property
    def recall(self) -> float | None:
        """Macro average over attacked branches: a rarely-phrased branch counts as much as affirm."""
        rs = [b.recall for _, b in self.branch_stats() if b.recall is not None]
        return sum(rs) / len(rs) if rs else None

    @property
    def false_capture(self) -> float | None:
        fs = [b.false_capture for _, b in self.branch_stats() if b.false_capture is not None]
        return sum(fs) / len(fs) if fs else None

    def to_dict(self) -> dict[str, Any]:
        r, f = self.recall, self.false_capture
        return {"script": self.script, "seed": self.seed, "variants": self.variants,
                "seconds": round(self.seconds, 3), "recall": None if r is None else round(r, 3),
                "false_capture": None if f is None else round(f, 3),
                "nodes": [n.to_dict() for n in self.nodes]}


def _rng(seed: int, *parts: str) -> random.Random:
    """A generator per (seed, node, branch): adding a node does not change another node's variants."""
    return random.Random(seed * 1_000_003 + zlib.crc32("\x1f".join(parts).encode()))


def _attacked(m: Matcher, node: Node) -> list[tuple[Branch, str]]:
    return [(c.branch, c.scope) for c in m.order(node)
            if c.branch.when.kind in ("keywords", "intent") and (c.scope == "node" or node.listens)]


def _variants_of(script: Script, node: Node, b: Branch, scope: str, seed: int) -> list[Variant]:
    rng = _rng(seed, node.id, b.id)
    families = FAMILIES if script.is_chinese else FAMILIES_EN
    negate = contrary if script.is_chinese else contrary_en
    out: list[Variant] = []
    for s in seeds_of(script, b, rng):
        out.append(Variant(s, "plain", s, b.id))
        for fam, make in families.items():
            out += [Variant(t, fam, s, b.id) for t in make(s, rng)]
        out += [Variant(t, CONTRARY, s, None, against=b.id) for t in negate(s, rng)]
    for s in paraphrases_of(script, b, rng):
        out.append(Variant(s, PARAPHRASE, s, b.id))
        for fam, make in families.items():
            out += [Variant(t, fam, s, b.id) for t in make(s, rng)]
    if script.is_chinese:
        out += [Variant(t, "english", t, b.id) for t in code_switch_for(intent_of(b))]
        intent = intent_of(b)
        out += [Variant(t, "echo", t, b.id) for t in echo_replies(node.prompt.text, intent, rng)]
        opposite = {"affirm": "deny", "deny": "affirm"}.get(intent or "")
        out += [Variant(t, CONTRARY, t, None, against=b.id) for t in echo_replies(node.prompt.text, opposite)]
    seen: set[tuple[str, str | None]] = set()
    unique = []
    for v in out:
        key = (v.text, v.against)
        if key not in seen:
            seen.add(key)
            unique.append(v)
    return unique


def _off_script(script: Script, m: Matcher, node: Node) -> list[Variant]:
    """Hand-written off-script replies; the intended branch is whatever listens for their intent."""
    order = m.order(node)
    out = []
    for text, label in (OFF_SCRIPT_ZH if script.is_chinese else OFF_SCRIPT_EN):
        target = next((c.branch.id for c in order if label is not None and intent_of(c.branch) == label), None)
        out.append(Variant(text, OFF_SCRIPT, text, target, label=label))
    return out


def _take(m: Matcher, node: Node, text: str, variables: Mapping[str, Any]) -> tuple[str, str, str]:
    res = m.match(node, text, CONFIDENCE, variables)
    if res is None:
        return NO_MATCH, "none", "no branch matched"
    return res.branch.id, res.scope, res.why


def _attack_node(script: Script, m: Matcher, node: Node, seed: int, variables: Mapping[str, Any]) -> NodeReport:
    attacked = _attacked(m, node)
    stats = {b.id: BranchStats(b.id, sc, b.when.kind, intent_of(b)) for b, sc in attacked if sc == "node"}
    variants: list[Variant] = []
    for b, sc in attacked:
        if sc == "node":
            variants += _variants_of(script, node, b, sc, seed)
    variants += _off_script(script, m, node)
    outcomes: list[Outcome] = []
    confusion: dict[str, Counter[str]] = {}
    effects = {b.id: _effect(b) for b, _ in attacked}
    for v in variants:
        taken, scope, why = _take(m, node, v.text, variables)
        meant = v.against or v.intended or NO_MATCH
        # a contrary reply is captured only by the very branch it contradicts (an equivalent
        # branch going to the same place is no distinction the script could make)
        same = taken == meant or (v.against is None and taken in effects and meant in effects
                                  and effects[taken] == effects[meant])
        o = Outcome(v, taken, scope, why, same)
        outcomes.append(o)
        row = f"not {v.against}" if v.against else (v.intended or f"{OFF_SCRIPT}:{NO_MATCH}")
        if v.family == OFF_SCRIPT and v.intended is not None and v.intended not in stats:
            row = f"{OFF_SCRIPT}:{v.intended}"
        confusion.setdefault(row, Counter())[taken] += 1
        if v.against is not None:
            st = stats.get(v.against)
            if st is not None:
                st.guarded += 1
                st.captured += same
            continue
        if v.intended in stats and v.family != OFF_SCRIPT:
            stats[v.intended].count(v.seed, same)
        if v.family == OFF_SCRIPT:
            for st in stats.values():
                if st.branch != v.intended:
                    st.guarded += 1
                    st.captured += taken == st.branch and not same
    return NodeReport(node.id, node.title, list(stats.values()), outcomes,
                      {k: dict(sorted(c.items())) for k, c in confusion.items()})


def _example_values(script: Script) -> dict[str, Any]:
    return {k: v.example if v.example is not None else v.default for k, v in script.variables.items()}


def attack(doc: Script | Mapping[str, Any], *, seed: int = DEFAULT_SEED, advise: bool = True) -> AttackReport:
    """Attack every listening node of ``doc`` (a schema-valid script). Raises
    :class:`runtime.nlu.matcher.ScriptCompileError` when a branch cannot be compiled."""
    from runtime.lab.advice import advise_node

    started = time.perf_counter()
    script = doc if isinstance(doc, Script) else Script.from_dict(doc)
    m = compile_script(script).matcher
    variables = _example_values(script)
    nodes = []
    for node in script.listening_nodes():
        rep = _attack_node(script, m, node, seed, variables)
        if advise:
            rep.suggestions = advise_node(script, node, rep)
        nodes.append(rep)
    return AttackReport(script.id, seed, nodes, time.perf_counter() - started)


def robustness_of(report: AttackReport) -> Robustness:
    """The attack's figures in the form :func:`designer.qa.qa` scores (designer cannot import runtime)."""
    out = []
    for n in report.nodes:
        for b in n.branches:
            missed = next((o.variant.text for o in n.outcomes
                           if o.variant.intended == b.branch and o.variant.family != OFF_SCRIPT and not o.ok), "")
            captured = next((o.variant.text for o in n.outcomes if o.taken == b.branch and not o.ok), "")
            out.append(BranchRobustness(n.node, b.branch, b.recall, b.false_capture, b.variants, missed, captured))
    return Robustness.of(out, report.seed, report.variants)


def measure(doc: Script | Mapping[str, Any], *, seed: int = DEFAULT_SEED) -> Robustness | None:
    """Robustness of a document for QA, or None when it cannot be attacked (invalid, uncompilable)."""
    from designer.validate import validate
    from runtime.nlu.matcher import ScriptCompileError

    if not isinstance(doc, Script) and not validate(doc).valid:
        return None
    try:
        return robustness_of(attack(doc, seed=seed, advise=False))
    except ScriptCompileError:
        return None
