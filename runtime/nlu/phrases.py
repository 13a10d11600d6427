"""A compiled set of phrases and regexes, and the three ways it can be found in an answer.

Passes, strongest evidence first: exact (normalised substring, not negated, on word
boundaries for Latin words), pinyin (near-homophone of a phrase with two or more Chinese
characters), and degree-stripped ("信号太差" finds "信号差"). The matcher runs each pass over
all candidate branches before trying the next, so an exact hit on a later branch beats a
homophone guess on an earlier one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from designer.textfold import is_cjk, normalize
from runtime.nlu.negation import is_a_not_a, is_double_negative_head, is_negated
from runtime.nlu.pinyin import fuzzy_key
from runtime.nlu.utterance import Utterance, strip_degree

__all__ = ["Hit", "PhraseSet", "PASSES"]

PASSES: tuple[str, ...] = ("exact", "pinyin", "degree")
_DIGITS = re.compile(r"\\d|0-9|[0-9]")


@dataclass(frozen=True, slots=True)
class Hit:
    """How a phrase set was found: ``how`` is keyword | short | regex | pinyin | degree."""

    phrase: str
    how: str
    heard: str = ""

    @property
    def size(self) -> int:
        """How much of the answer the evidence covers (characters, spaces not counted): the
        ranking's measure of how specific a hit is."""
        return len(self.heard.replace(" ", "")) or len(self.phrase)

    def describe(self) -> str:
        if self.how == "pinyin":
            return f"keyword '{self.phrase}' (pinyin match of '{self.heard}')"
        if self.how == "degree":
            return f"keyword '{self.phrase}' (found in '{self.heard}' without degree words)"
        if self.how == "regex":
            return f"'{self.heard}' matches /{self.phrase}/"
        if self.how == "short":
            return f"keyword '{self.phrase}' (whole answer)"
        return f"keyword '{self.phrase}'"


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _find_free(text: str, phrase: str) -> int:
    """First position of ``phrase`` in ``text`` that is not negated and sits on word boundaries."""
    n = len(phrase)
    left_word = _is_word_char(phrase[0])
    right_word = _is_word_char(phrase[-1])
    i = text.find(phrase)
    while i >= 0:
        ok = not (left_word and i > 0 and _is_word_char(text[i - 1]))
        ok = ok and not (right_word and i + n < len(text) and _is_word_char(text[i + n]))
        if ok and _free(text, i, i + n):
            return i
        i = text.find(phrase, i + 1)
    return -1


def _union(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str] | None:
    """All patterns as one alternation, or None when they cannot be joined safely (back
    references, inline flags) — then every regex is simply tried."""
    parts = [p.pattern for p in patterns]
    if not parts or any(_UNSAFE.search(p) for p in parts):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in parts))
    except re.error:
        return None


_UNSAFE = re.compile(r"\\[1-9]|\(\?P[=<]|\(\?[aiLmsux-]+[):]")


def _alternation(items: Iterable[str]) -> re.Pattern[str] | None:
    keys = sorted({k for k in items if k}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, keys))) if keys else None


class PhraseSet:
    """Phrases (keywords, synonyms, examples) and regexes, folded once when a script is compiled."""

    __slots__ = ("_short", "_exact", "_exact_re", "_fuzzy", "_fuzzy_re", "_degree", "_degree_re",
                 "_degree_fuzzy", "_degree_fuzzy_re", "_regex", "_any_regex", "_any_digits", "size")

    def __init__(self, phrases: Iterable[str], regexes: Iterable[str | re.Pattern[str]] = (),
                 whole: Iterable[str] = ()) -> None:
        short: set[str] = {normalize(w) for w in whole if normalize(w)}
        exact: list[str] = []
        for p in dict.fromkeys(normalize(p) for p in phrases):
            if not p:
                continue
            if len(p) == 1 and is_cjk(p):
                short.add(p)  # one character is too common inside other words to match anywhere
            else:
                exact.append(p)
        exact.sort(key=len, reverse=True)  # longest first: the most specific phrase is the evidence
        self._short = frozenset(short)
        self._exact = tuple(exact)
        self._exact_re = _alternation(exact)
        fuzzy = [(fuzzy_key(p), p) for p in exact if sum(map(is_cjk, p)) >= 2]  # still longest first
        self._fuzzy = tuple(fuzzy)
        self._fuzzy_re = _alternation(k for k, _ in fuzzy)
        degree = [(strip_degree(p), p) for p in exact]
        degree = sorted(((d, p) for d, p in degree if len(d) >= 2), key=lambda dp: len(dp[0]), reverse=True)
        self._degree = tuple(degree)
        self._degree_re = _alternation(d for d, _ in degree)
        dfuzzy = [(fuzzy_key(d), p) for d, p in degree if sum(map(is_cjk, d)) >= 2]
        self._degree_fuzzy = tuple(dfuzzy)
        self._degree_fuzzy_re = _alternation(k for k, _ in dfuzzy)
        compiled = [r if isinstance(r, re.Pattern) else re.compile(r) for r in regexes]
        # Only regexes about digits need the (slower) Arabic-numeral form of the answer.
        self._regex = tuple((r, bool(_DIGITS.search(r.pattern))) for r in compiled)
        # one pass over the answer tells whether any regex can match (most answers: none)
        self._any_regex = _union(r for r, _ in self._regex)
        self._any_digits = _union(r for r, digits in self._regex if digits)
        self.size = len(self._exact) + len(self._short) + len(self._regex)

    def find(self, u: Utterance, pass_: str) -> Hit | None:
        if pass_ == "exact":  # noqa: S105 - a matching pass, not a password
            return self._find_exact(u)
        if pass_ == "pinyin":  # noqa: S105 - a matching pass, not a password
            return self._find_keyed(u.norm, u.fuzzy, self._fuzzy, self._fuzzy_re, "pinyin")
        if u.stripped == u.norm:
            return None
        hit = self._find_keyed(u.stripped, u.stripped, self._degree, self._degree_re, "degree")
        if hit is None:
            hit = self._find_keyed(u.stripped, u.stripped_fuzzy, self._degree_fuzzy, self._degree_fuzzy_re,
                                   "degree")
        return hit

    def _find_exact(self, u: Utterance) -> Hit | None:
        """The longest exact evidence: a phrase, a whole short answer or a regex match."""
        text = u.norm
        best: Hit | None = None
        if self._exact_re is not None and self._exact_re.search(text):
            for p in self._exact:
                if _find_free(text, p) >= 0:
                    best = Hit(p, "keyword", p)
                    break
        if self._short:
            for form in sorted(u.short_forms, key=len, reverse=True):
                if form in self._short:
                    if best is None or len(form) > best.size:
                        best = Hit(form, "short", form)
                    break
        if not self._regex or not (self._any_regex is None or self._any_regex.search(text)
                                   or self._any_digits is not None and self._any_digits.search(u.arabic)):
            return best
        for rx, digits in self._regex:
            m = rx.search(text) or (rx.search(u.arabic) if digits else None)
            if m and (best is None or len(m.group(0).replace(" ", "")) > best.size):
                best = Hit(rx.pattern, "regex", m.group(0))
        return best

    @staticmethod
    def _find_keyed(text: str, key: str, items: tuple[tuple[str, str], ...],
                    quick: re.Pattern[str] | None, how: str) -> Hit | None:
        if quick is None or not quick.search(key):
            return None
        for k, phrase in items:
            i = _find_free_keyed(text, key, k)
            if i >= 0:
                return Hit(phrase, how, text[i:i + len(k)])
        return None


def _free(text: str, i: int, end: int) -> bool:
    """A match at ``text[i:end]`` counts: not negated, not half of an A-not-A question — "是不是骗子"
    holds no denial "不是", and "要不要钱" asks about "要钱" rather than refusing it — and not the
    first half of a double negative ("我不是不需要" holds no denial "不是")."""
    if is_a_not_a(text, i) or is_double_negative_head(text, i, end):
        return False
    return not is_negated(text[:i]) or is_a_not_a(text, i - 1)


def _find_free_keyed(text: str, key: str, k: str) -> int:
    i = key.find(k)
    while i >= 0:
        if _free(text, i, i + len(k)):
            return i
        i = key.find(k, i + 1)
    return -1
