"""Which branch did the customer mean? Compiled once per script, asked once per turn.

Order of candidates on a listening node: global handlers marked ``override`` (opt-out,
complaint), then the node's own branches, then the other global handlers. Evidence is tried
strongest first across all candidates (see :mod:`runtime.nlu.phrases`); an optional
semantic matcher is the last resort for intent branches. Event branches (silence, no_match,
dtmf_timeout) and DTMF branches are looked up separately because they are not about text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from designer.builtin_phrases import BUILTIN
from designer.expr import ExprError, ExprEvalError, ParsedExpr, eval_expr, parse_expr
from designer.model import Branch, Node, Script
from huashu.core.errors import UserError
from runtime.nlu.phrases import PASSES, Hit, PhraseSet
from runtime.nlu.ranking import AFFIRM, Cues, Entry, answer_cues, rank
from runtime.nlu.utterance import Utterance

__all__ = ["MIN_CONFIDENCE", "Candidate", "MatchResult", "Matcher", "ScriptCompileError", "SemanticMatcher"]

MIN_CONFIDENCE = 0.5


class ScriptCompileError(UserError):
    """A branch cannot be compiled (bad regex or expression); says which branch of which node."""


class SemanticMatcher(Protocol):
    """Optional last-resort matcher (embeddings, classifiers); must work offline."""

    def best_intent(self, text: str, intents: Mapping[str, tuple[str, ...]]) -> tuple[str, float] | None: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A branch in the order the engine tries it; ``scope`` is "node" or "global"."""

    branch: Branch
    scope: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    branch: Branch
    scope: str
    why: str
    numbers: tuple[float, ...] = ()


def _compile_regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ScriptCompileError(f"{where}: bad regex {pattern!r}: {e}") from None


class Matcher:
    """Branch matching for one script; build it once (``compile`` in the engine caches it)."""

    def __init__(self, script: Script, *, min_confidence: float = MIN_CONFIDENCE,
                 semantic: SemanticMatcher | None = None) -> None:
        self.script = script
        self.min_confidence = min_confidence
        self.semantic = semantic
        self._intents: dict[str, PhraseSet] = {}
        self._intent_phrases: dict[str, tuple[str, ...]] = {}
        # keyed by id(branch): branches are immutable and live as long as the script
        self._sets: dict[int, PhraseSet] = {}
        self._exprs: dict[int, ParsedExpr] = {}
        self._order: dict[str, tuple[Candidate, ...]] = {}
        # denial cue: the built-in deny phrases (plus the script's own), whether or not a node listens for deny
        self._denial = self._intent_set("deny")
        overrides = tuple(Candidate(b, "global") for b in script.global_handlers if b.override)
        others = tuple(Candidate(b, "global") for b in script.global_handlers if not b.override)
        self._overrides, self._others = overrides, others
        for node in script.nodes:
            for b in node.branches:
                self._compile_branch(b, f"node {node.id!r} branch {b.id!r}")
        for b in script.global_handlers:
            self._compile_branch(b, f"global handler {b.id!r}")

    # ---- compilation -------------------------------------------------------------------
    def _intent_set(self, name: str) -> PhraseSet:
        ps = self._intents.get(name)
        if ps is None:
            phrases: list[str] = []
            regexes: list[str] = []
            whole: list[str] = []
            builtin = BUILTIN.get(name)
            if builtin is not None:
                if self.script.is_chinese:
                    phrases += builtin.zh
                    regexes += builtin.zh_regex
                phrases += builtin.en
                regexes += builtin.en_regex
                whole += builtin.en_whole
            own = self.script.intents.get(name)
            if own is not None:
                phrases += own.phrases()
                regexes += [_compile_regex(r, f"intent {name!r}").pattern for r in own.regex]
            ps = PhraseSet(phrases, regexes, whole)
            self._intents[name] = ps
            self._intent_phrases[name] = tuple(phrases)
        return ps

    def _compile_branch(self, b: Branch, where: str) -> None:
        kind, value = b.when.kind, b.when.value
        key = id(b)
        if kind == "intent":
            self._sets[key] = self._intent_set(value)
        elif kind == "keywords":
            self._sets[key] = PhraseSet(value)
        elif kind == "regex":
            self._sets[key] = PhraseSet((), [_compile_regex(value, where)])
        elif kind == "expr":
            try:
                self._exprs[key] = parse_expr(value)
            except ExprError as e:
                raise ScriptCompileError(f"{where}: {e}") from None

    # ---- lookup ------------------------------------------------------------------------
    def order(self, node: Node) -> tuple[Candidate, ...]:
        """All branches of ``node`` plus global handlers, in the order the engine tries them."""
        found = self._order.get(node.id)
        if found is None:
            own = tuple(Candidate(b, "node") for b in node.branches)
            found = self._overrides + own + self._others if node.listens else own
            self._order[node.id] = found
        return found

    def rejects(self, confidence: float) -> str | None:
        """Why an answer is not trusted at all, or None."""
        if confidence < self.min_confidence:
            return f"confidence {confidence:.2f} below {self.min_confidence:.2f}"
        return None

    def matches(self, node: Node, text: str, confidence: float = 1.0,
                variables: Mapping[str, Any] | None = None, *,
                notes: list[str] | None = None) -> Iterator[MatchResult]:
        """Every text branch that fits, best first (the engine skips spent ones).

        ``notes`` collects hits that were dropped (an affirm contradicted by a denial), so a
        no-match can say why the yes it seemed to contain did not count.
        """
        if self.rejects(confidence) is not None:
            return
        u = Utterance(text)
        if not u.norm:
            return
        cands = [(c, id(c.branch)) for c in self.order(node) if c.branch.when.kind in _TEXT_KINDS]
        seen: set[int] = set()
        yield from self._ranked(u, cands, seen, notes)
        env: dict[str, Any] | None = None
        for c, key in cands:
            parsed = self._exprs.get(key)
            if parsed is None or id(c) in seen:
                continue
            if env is None:
                env = {**(variables or {}), "answer": u.norm, "number": u.numbers[0] if u.numbers else None}
            if _holds(parsed, env):
                seen.add(id(c))
                yield MatchResult(c.branch, c.scope, self._why(c, f"expression {parsed.source!r} is true"))
        if self.semantic is not None:
            yield from self._semantic(u, cands, seen)

    def _ranked(self, u: Utterance, cands: list[tuple[Candidate, int]], seen: set[int],
                notes: list[str] | None = None) -> Iterator[MatchResult]:
        """Phrase evidence, pass by pass; inside a pass every hit is scored (:mod:`ranking`)."""
        cues: Cues | None = None
        for pass_ in PASSES:
            hits: list[tuple[Candidate, Hit]] = []
            for c, key in cands:
                if id(c) in seen:
                    continue
                ps = self._sets.get(key)
                if ps is None:
                    continue
                hit = ps.find(u, pass_)
                if hit is not None:
                    hits.append((c, hit))
            if not hits:
                continue
            if len(hits) == 1 and hits[0][0].branch.when.value != AFFIRM:
                c, hit = hits[0]  # the common case: one hit, nothing to weigh
                seen.add(id(c))
                yield MatchResult(c.branch, c.scope, self._why(c, hit.describe()), tuple(u.numbers))
                continue
            if cues is None:
                cues = self._cues(u)
            entries = [Entry(i, c.branch.override, c.scope == "global", c.branch.when.kind in _OWN_WORDS,
                             c.branch.when.value if c.branch.when.kind == "intent" else None,
                             hit.phrase if hit.how != "regex" else hit.heard, hit.size, _label(c))
                       for i, (c, hit) in enumerate(hits)]
            for c, _ in hits:
                seen.add(id(c))  # dropped ones too: a contradicted affirm must not match in a weaker pass
            ranked = rank(entries, cues)
            if not ranked and notes is not None:
                notes += [f"{e.label} ('{e.phrase}') dropped: affirm contradicted by '{cues.denial}'" for e in entries]
            for r in ranked:
                c, hit = hits[r.entry.index]
                why = self._why(c, hit.describe()) + (f"; {r.note}" if r.note else "")
                yield MatchResult(c.branch, c.scope, why, tuple(u.numbers))

    def _cues(self, u: Utterance) -> Cues:
        denial = self._denial.find(u, "exact") or self._denial.find(u, "pinyin")  # "不需耀" is a denial too
        return answer_cues(u.norm, u.raw, denial.heard if denial is not None else "")

    def override_match(self, text: str, confidence: float = 1.0) -> MatchResult | None:
        """The best override handler (opt-out, complaint) the answer matches, or None.

        The engine asks this while a prompt plays that the customer may not interrupt
        otherwise (a ``say`` node, barge-in off): an opt-out is honoured whenever it is heard.
        """
        if not self._overrides or self.rejects(confidence) is not None:
            return None
        u = Utterance(text)
        if not u.norm:
            return None
        cands = [(c, id(c.branch)) for c in self._overrides if c.branch.when.kind in _PHRASE_KINDS]
        return next(self._ranked(u, cands, set()), None)

    def override_dtmf(self, digit: str) -> Candidate | None:
        """The override handler bound to this one key, if any (see :meth:`override_match`)."""
        for c in self._overrides:
            if c.branch.when.kind == "dtmf" and c.branch.when.value == digit:
                return c
        return None

    def match(self, node: Node, text: str, confidence: float = 1.0,
              variables: Mapping[str, Any] | None = None) -> MatchResult | None:
        return next(self.matches(node, text, confidence, variables), None)

    def _semantic(self, u: Utterance, cands: list[tuple[Candidate, int]],
                  seen: set[int]) -> Iterator[MatchResult]:
        assert self.semantic is not None
        by_intent = {c.branch.when.value: c for c, _ in cands
                     if c.branch.when.kind == "intent" and id(c) not in seen}
        if not by_intent:
            return
        best = self.semantic.best_intent(u.norm, {n: self._intent_phrases.get(n, ()) for n in by_intent})
        if best is not None and best[0] in by_intent:
            c = by_intent[best[0]]
            yield MatchResult(c.branch, c.scope, self._why(c, f"semantic similarity {best[1]:.2f}"))

    @staticmethod
    def _why(c: Candidate, evidence: str) -> str:
        when = c.branch.when
        head = f"intent '{when.value}'" if when.kind == "intent" else when.kind
        scope = "global handler" if c.scope == "global" else "branch"
        return f"{scope} {c.branch.id}: {head}: {evidence}"

    explain = _why  # public: the engine explains a closed-set choice the same way

    def events(self, node: Node, event: str) -> list[Candidate]:
        """Branches for a non-text event ("silence", "no_match", "dtmf_timeout"), node ones first."""
        own = [Candidate(b, "node") for b in node.branches if b.when.kind == "event" and b.when.value == event]
        glob = [Candidate(b, "global") for b in self.script.global_handlers
                if b.when.kind == "event" and b.when.value == event]
        overrides = [c for c in glob if c.branch.override]
        return overrides + own + [c for c in glob if not c.branch.override]

    def dtmf(self, node: Node, digits: str) -> tuple[Candidate | None, bool]:
        """(branch whose DTMF equals ``digits``, whether a longer DTMF branch starts with them)."""
        exact: Candidate | None = None
        longer = False
        for c in self.order(node):
            if c.branch.when.kind != "dtmf":
                continue
            code = c.branch.when.value
            if code == digits and exact is None:
                exact = c
            elif code.startswith(digits) and code != digits:
                longer = True
        return exact, longer

    def condition(self, node: Node, variables: Mapping[str, Any], last_answer: str = "") -> MatchResult | None:
        """First branch of a condition node that holds (expressions on variables, or the last answer)."""
        u = Utterance(last_answer)
        env = {**variables, "answer": u.norm, "number": u.numbers[0] if u.numbers else None}
        for c in self.order(node):
            key = id(c.branch)
            parsed = self._exprs.get(key)
            if parsed is not None:
                if _holds(parsed, env):
                    return MatchResult(c.branch, c.scope, self._why(c, f"expression {parsed.source!r} is true"))
                continue
            ps = self._sets.get(key)
            if ps is not None and u.norm:
                for pass_ in PASSES:
                    hit = ps.find(u, pass_)
                    if hit is not None:
                        return MatchResult(c.branch, c.scope, self._why(c, hit.describe()))
        return None


_TEXT_KINDS = frozenset({"intent", "keywords", "regex", "expr"})
_PHRASE_KINDS = frozenset({"intent", "keywords", "regex"})
_OWN_WORDS = frozenset({"keywords", "regex"})


def _label(c: Candidate) -> str:
    return f"{'global handler' if c.scope == 'global' else 'branch'} {c.branch.id}"


def _holds(parsed: ParsedExpr, env: Mapping[str, Any]) -> bool:
    """A value the expression needs but the call lacks makes the branch false, not the call fail."""
    try:
        return eval_expr(parsed, env)
    except ExprEvalError:
        return False
