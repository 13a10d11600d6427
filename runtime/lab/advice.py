"""Concrete suggestions from an attacked node, in English and Chinese.

Four kinds, each naming what to change and where:

* ``add_phrase``  -- a variant of branch B matched nothing: add its core (fillers and particles
  dropped) to B's keywords, or to the script intent B listens for. Only suggested when the core
  does not also hear one of B's contrary variants.
* ``over_capture`` -- a contrary variant, or an off-script reply meant elsewhere, landed on B:
  the phrase of B that heard it is named (keyword 你说 in branch Y also catches 你说的这个我不太懂).
* ``shadowed``    -- most of B's variants are taken by a global handler first: B is unreachable
  in practice.
* ``overlap``     -- another branch of the node takes several of B's variants.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from designer.builtin_phrases import BUILTIN
from designer.model import Branch, Node, Script
from designer.textfold import is_cjk, normalize
from runtime.lab.variants import core_of
from runtime.nlu.phrases import PhraseSet
from runtime.nlu.utterance import FILLERS, Utterance

__all__ = ["Suggestion", "advise_node", "MAX_ADD_PER_BRANCH", "SHADOW_SHARE"]

MAX_ADD_PER_BRANCH = 5
SHADOW_SHARE = 0.5  # share of a branch's variants a global handler must take to call it shadowed
OVERLAP_MIN = 2
_PHRASE = re.compile(r"keyword '([^']*)'|matches /(.*)/")
_FAMILY_RANK = {"paraphrase": -1, "homophone": 0, "reorder": 1, "length": 2, "english": 3, "number": 4, "particle": 5,
                "filler": 6, "repeat": 7, "traditional": 8, "plain": 9}

_TEXT = {
    "add_phrase": (
        "Add {phrase!r} to branch {branch} ({where}): the customer's {example!r} matched nothing.",
        "把「{phrase}」加到分支 {branch}（{where_zh}）：客户说「{example}」时没有任何分支命中。"),
    "over_capture": (
        "Phrase {phrase!r} in branch {branch} also catches {example!r}, which means something else.",
        "分支 {branch} 的词「{phrase}」也会命中意思不同的「{example}」。"),
    "shadowed": (
        "Branch {branch} is unreachable in practice: global handler {other} hears {count} of its "
        "{total} variants first (e.g. {example!r}).",
        "分支 {branch} 实际上走不到：全局处理 {other} 先听到了它 {total} 个说法中的 {count} 个（如「{example}」）。"),
    "overlap": (
        "Branch {other} takes {count} of branch {branch}'s variants (e.g. {example!r}, via {phrase!r}).",
        "分支 {other} 抢走了分支 {branch} 的 {count} 个说法（如「{example}」，命中词「{phrase}」）。"),
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """``target`` says where an added phrase goes: ``keywords`` of the branch or ``intent`` (by name)."""

    kind: str
    node: str
    branch: str
    phrase: str = ""
    example: str = ""
    other: str = ""
    count: int = 0
    total: int = 0
    target: str = ""
    intent: str = ""

    def text(self, lang: str = "en") -> str:
        en, zh = _TEXT[self.kind]
        if lang == "zh":
            where_zh = "关键词" if self.target == "keywords" else f"意图 {self.intent} 的同义说法"
            return zh.format(where_zh=where_zh, **self._params())
        where = "its keywords" if self.target == "keywords" else f"the synonyms of intent {self.intent}"
        return en.format(where=where, **self._params())

    def _params(self) -> dict[str, Any]:
        return {"branch": self.branch, "phrase": self.phrase, "example": self.example, "other": self.other,
                "count": self.count, "total": self.total}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "node": self.node, "branch": self.branch, "phrase": self.phrase,
                "example": self.example, "other": self.other, "count": self.count, "total": self.total,
                "target": self.target, "intent": self.intent, "text_en": self.text("en"),
                "text_zh": self.text("zh")}


def _phrases_of(script: Script, b: Branch) -> list[str]:
    """What the branch hears already (its keywords, or its intent's script and built-in phrases)."""
    if b.when.kind == "keywords":
        return list(b.when.value)
    if b.when.kind != "intent":
        return []
    own = script.intents.get(b.when.value)
    builtin = BUILTIN.get(b.when.value)
    out = list(own.phrases()) if own is not None else []
    if builtin is not None:
        out += list(builtin.zh) + list(builtin.en)
    return out


def _heard(why: str) -> str:
    m = _PHRASE.search(why)
    if m is None:
        return ""
    return m.group(1) if m.group(1) is not None else m.group(2)


def advise_node(script: Script, node: Node, rep: Any) -> list[Suggestion]:
    """Suggestions for one attacked node (``rep`` is a :class:`runtime.lab.attack.NodeReport`)."""
    out: list[Suggestion] = []
    branches = {b.id: b for b in node.branches}
    global_ids = {b.id for b in script.global_handlers}
    for st in rep.branches:
        b = branches[st.branch]
        own = [o for o in rep.outcomes if o.variant.intended == st.branch and o.variant.family != "off_script"]
        # what an added phrase must not hear: the branch's contrary variants and the off-script replies
        contrary = [o.variant.text for o in rep.outcomes
                    if o.variant.against == st.branch or o.variant.family == "off_script"]
        missed = sorted((o for o in own if o.taken == "no_match"),
                        key=lambda o: (_FAMILY_RANK.get(o.variant.family, 5), len(o.variant.text)))
        added: list[str] = []
        known = {normalize(x) for x in _phrases_of(script, b)}
        for o in missed:
            phrase = core_of(o.variant.text)
            # one character is safe to add only as a whole answer ("续吧" -> 续): the matcher hears a
            # one-character phrase only as the whole answer or its first clause
            single_ok = (len(phrase) == 1 and is_cjk(phrase) and phrase not in FILLERS
                         and core_of(o.variant.text) == phrase)
            if ((len(phrase) < 2 and not single_ok) or phrase in added or normalize(phrase) in known
                    or len(added) >= MAX_ADD_PER_BRANCH):
                continue
            guard = PhraseSet([phrase])
            if any(guard.find(Utterance(c), "exact") for c in contrary):
                continue  # the phrase would hear the opposite, or an off-script reply, too
            added.append(phrase)
            out.append(Suggestion("add_phrase", node.id, st.branch, phrase, o.variant.text,
                                  target="intent" if b.when.kind == "intent" else "keywords",
                                  intent=b.when.value if b.when.kind == "intent" else ""))
        for o in rep.outcomes:
            wrongly = o.variant.against == st.branch and not o.ok or (
                o.variant.family == "off_script" and o.taken == st.branch and not o.ok)
            if wrongly:
                out.append(Suggestion("over_capture", node.id, st.branch, _heard(o.why), o.variant.text))
        stolen = Counter(o.taken for o in own if not o.ok and o.taken != "no_match")
        for other, n in stolen.most_common():
            ex = next(o for o in own if o.taken == other)
            if other in global_ids and n >= SHADOW_SHARE * len(own):
                out.append(Suggestion("shadowed", node.id, st.branch, _heard(ex.why), ex.variant.text, other, n,
                                      len(own)))
            elif n >= OVERLAP_MIN:
                out.append(Suggestion("overlap", node.id, st.branch, _heard(ex.why), ex.variant.text, other, n,
                                      len(own)))
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for s in out:  # one over-capture per phrase is enough to act on
        key = (s.kind, s.branch, s.phrase if s.kind == "over_capture" else s.example)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique

