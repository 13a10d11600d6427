"""The matcher's "why" (why a customer's answer took a branch, or none) in the page's language.

The dialog engine and the matchers explain each turn in a short English trace — ``global handler
gh_opt_out: intent 'opt_out': keyword '别打了'``, ``silence 1/2``, ``no branch matched`` — kept
as is in call records, logs and the API. A page says it in its own language: each known shape
is read back into its parts and said with the catalogue's ``why.*`` sentences; a shape this
module does not know is shown as it is (a new trace is still visible, just in English).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from web.i18n import Translator

__all__ = ["say_why"]

_CHOICE = re.compile(r"^(?P<scope>global handler|branch) (?P<id>\S+): (?:intent '(?P<intent>[^']*)'|(?P<kind>\w+)): "
                     r"(?P<evidence>.*?)(?:; (?P<note>.*))?$")
_EVIDENCE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^keyword '(?P<p>.*)' \(pinyin match of '(?P<h>.*)'\)$"), "why.ev.pinyin"),
    (re.compile(r"^keyword '(?P<p>.*)' \(found in '(?P<h>.*)' without degree words\)$"), "why.ev.degree"),
    (re.compile(r"^keyword '(?P<p>.*)' \(whole answer\)$"), "why.ev.short"),
    (re.compile(r"^keyword '(?P<p>.*)'$"), "why.ev.keyword"),
    (re.compile(r"^'(?P<h>.*)' matches /(?P<p>.*)/$"), "why.ev.regex"),
)
_OTHERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^silence (?P<n>\d+)/(?P<limit>\d+)$"), "why.silence"),
    (re.compile(r"^no branch matched(?: \((?P<notes>.*)\))?$"), "why.no_match"),
    (re.compile(r"^closest phrase '(?P<p>.*)' \((?P<b>\S+)\) sounds (?P<s>[\d.]+) alike; "
                r"confidence (?P<c>[\d.]+) < (?P<a>[\d.]+)$"), "why.closest"),
    (re.compile(r"^'(?P<p>.*)' \((?P<b>\S+)\) (?P<s>[\d.]+) but another branch (?P<r>[\d.]+): too close to tell; "
                r"confidence (?P<c>[\d.]+) < (?P<a>[\d.]+)$"), "why.too_close"),
)


def say_why(t: Translator, why: str) -> str:
    """``why`` in ``t``'s language; on English pages (and for unknown shapes) it is returned unchanged."""
    if t.lang == "en" or not why:
        return why
    m = _CHOICE.match(why)
    if m is not None:
        evidence = m["evidence"]
        for pattern, key in _EVIDENCE:
            e = pattern.match(evidence)
            if e is not None:
                evidence = t(key, **e.groupdict())
                break
        head = t("why.intent", intent=m["intent"]) if m["intent"] is not None else t.code("why.kind", m["kind"])
        said = t("why.global" if m["scope"] == "global handler" else "why.branch", id=m["id"], head=head,
                 evidence=evidence)
        return f"{said}；{m['note']}" if m["note"] else said
    for pattern, key in _OTHERS:
        o = pattern.match(why)
        if o is not None:
            return t(key, **{k: v or "" for k, v in o.groupdict().items()})
    return why
