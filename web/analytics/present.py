"""How the analytics pages say numbers and codes: percentages, percentage points, p-values,
verdicts, and the translated names of outcome codes, intent categories, funnel steps and rule
operators. Pure functions over the report dictionaries and a ``Translator``; no I/O.

Every label lives in the app's message catalogue (``web/i18n/{en,zh}.json``, keys ``an.*``);
a code the catalogue does not know (a new outcome written by another area) is shown as it is.
"""

from __future__ import annotations

import math
import re
from typing import Any

from web.i18n import Translator, catalogue

__all__ = [
    "MINUS",
    "code_label",
    "pct",
    "pp",
    "pp_interval",
    "p_text",
    "signed",
    "interval",
    "funnel_label",
    "Formatter",
    "OUTCOME_CODES",
    "CATEGORY_CODES",
    "CLASS_CODES",
]

MINUS = "\u2212"  # a real minus sign: "−0.2 pp", not a hyphen

# The vocabularies of runtime.analytics.records (outcome column, intent categories) and the
# outcome-table classes of runtime.analytics.report; a test checks both catalogues name them.
OUTCOME_CODES = ("connected", "no_answer", "busy", "rejected", "invalid_number", "unreachable", "network_error",
                 "cancelled", "interrupted",
                 "announcement", "announcement_invalid", "announcement_suspended", "announcement_powered_off", "announcement_busy",
                 "announcement_unreachable", "voicemail", "screening", "ivr", "fax")
CATEGORY_CODES = ("success", "human_follow_up", "no_intent", "failure")
CLASS_CODES = ("not_connected", "connected", "no_intent", "general_or_better", "intent")

_FUNNEL = {
    "customers called": "an.funnel.called",
    "connected": "an.funnel.connected",
    "general intent or better": "an.funnel.general",
    "intent": "an.funnel.intent",
}
_TALKED = re.compile(r"talked > ([\d.]+) s")


def code_label(t: Translator, prefix: str, code: Any) -> str:
    """The catalogue's name for ``code`` under ``prefix`` (``an.outcome``), or the code itself."""
    key = f"{prefix}.{code}"
    if key in catalogue(t.lang) or key in catalogue("en"):
        return t(key)
    return str(code)


def funnel_label(t: Translator, step: str) -> str:
    m = _TALKED.fullmatch(step)
    if m:
        return t("an.funnel.talked", s=m.group(1))
    return t(_FUNNEL[step]) if step in _FUNNEL else step


def _num(v: float, digits: int) -> str:
    text = f"{abs(v):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return f"{0:.{digits}f}"
    return (MINUS if v < 0 else "") + text


def pct(v: float | None, digits: int = 1) -> str:
    """0.2281 -> "22.8%"; None -> "—"."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{_num(100 * v, digits)}%"


def signed(v: float, digits: int = 2, unit: str = "") -> str:
    """+0.73 / −1.40 with a real minus sign and an optional unit."""
    text = _num(v, digits)
    if not text.startswith(MINUS) and v > 0 and float(text.replace(",", "")) != 0:
        text = "+" + text
    return f"{text} {unit}".rstrip()


def pp(v: float, digits: int = 1) -> str:
    """A difference of two shares in percentage points: 0.01373 -> "+1.4 pp"."""
    return signed(100 * v, digits, "pp")


def pp_interval(lo: float, hi: float, digits: int = 1) -> str:
    """(-0.001693, 0.02914) -> "−0.2 pp … 2.9 pp"."""
    return f"{_num(100 * lo, digits)} pp … {_num(100 * hi, digits)} pp"


def interval(lo: float, hi: float, digits: int = 2) -> str:
    return f"{_num(lo, digits)} … {_num(hi, digits)}"


def p_text(p: float) -> str:
    """"p < 0.001" rather than "p = 0"; three decimals otherwise."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


class Formatter:
    """Bound to one page's translator; the templates call it as ``f.pct(x)``, ``f.outcome(code)`` ..."""

    pct = staticmethod(pct)
    pp = staticmethod(pp)
    pp_interval = staticmethod(pp_interval)
    interval = staticmethod(interval)
    p_text = staticmethod(p_text)
    signed = staticmethod(signed)

    def __init__(self, t: Translator) -> None:
        self.t = t

    def outcome(self, code: str) -> str:
        return code_label(self.t, "an.outcome", code)

    def category(self, code: str) -> str:
        return code_label(self.t, "an.category", code)

    def cls(self, code: str) -> str:
        return code_label(self.t, "an.class", code)

    def op(self, code: str) -> str:
        return code_label(self.t, "an.op", code)

    def funnel(self, step: str) -> str:
        return funnel_label(self.t, step)

    def kind(self, code: str) -> str:
        return code_label(self.t, "an.kind", code)

    def test(self, name: str) -> str:
        return code_label(self.t, "an.test", name.replace(" ", "_").replace("-", "_"))

    def metric(self, key: str) -> str:
        return code_label(self.t, "an.metric", key)

    def n(self, v: Any) -> str:
        """A count with thousands separators."""
        return f"{int(v):,}"

    def value(self, m: dict[str, Any], which: str) -> str:
        """A compared value: a share as a percentage, a mean recharge as money."""
        v = float(m[which])
        return pct(v) if _is_share(m) else f"{v:,.2f}"

    def difference(self, m: dict[str, Any]) -> str:
        return pp(m["difference"]) if _is_share(m) else signed(m["difference"])

    def ci(self, m: dict[str, Any]) -> str:
        return pp_interval(m["ci_low"], m["ci_high"]) if _is_share(m) else interval(m["ci_low"], m["ci_high"])

    def verdict(self, m: dict[str, Any], confidence: float, a_name: str, b_name: str) -> str:
        """Plain words: significant at the level or not, and which side is higher."""
        level = f"{100 * confidence:g}"
        if not m.get("significant"):
            return self.t("an.verdict.no", level=level)
        higher = a_name if m["difference"] > 0 else b_name
        return self.t("an.verdict.yes", level=level, higher=higher)


def _is_share(m: dict[str, Any]) -> bool:
    return str(m.get("metric", "")).endswith("_rate")
