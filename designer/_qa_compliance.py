"""Compliance: forbidden marketing claims, naming the caller, and honouring opt-out."""

from __future__ import annotations

import re
from collections.abc import Iterable

from designer._qa_context import QAContext, handler_matches
from designer._qa_coverage import OPT_OUT_PHRASES
from designer.model import Branch, Node

__all__ = ["check_compliance", "BUILTIN_FORBIDDEN", "OPT_OUT_TAGS"]

# Absolute promises and superlatives that advertising rules forbid (zh and en).
BUILTIN_FORBIDDEN: tuple[str, ...] = (
    "保证", "绝对", "百分之百", "稳赚", "包赚", "零风险", "无风险", "最便宜", "最低价", "全网最低",
    "第一", "史上最", "万能", "国家级",
    "guaranteed", "guarantee", "risk-free", "risk free", "no risk", "100%", "cheapest",
    "lowest price ever", "number one", "best price",
)
# Ordinary words that contain a forbidden one: 第一个月 / 第一次 are ordinals, not "number one";
# 保证金 is a deposit, not a guarantee. They are masked before the scan.
_HARMLESS = re.compile(r"第一(?=[个次步天月年期条项位种档批周])|保证金")
_ZH_ID = re.compile(r"我是|这里是|我们是|客服|工作人员|专员|来电")
_EN_ID = re.compile(r"\bthis is\b|\bcalling from\b|\bmy name is\b|\bon behalf of\b|\b(i'm|i am)\b.{0,40}\bfrom\b",
                    re.IGNORECASE)
_ZH_AI = re.compile(r"智能|机器人|人工智能|AI|自动语音|语音助手|虚拟助手|录音播报", re.IGNORECASE)
_EN_AI = re.compile(r"\bautomated\b|\bartificial\b|\bvirtual (assistant|agent)\b|\bAI\b|\brobot|\brecorded (message|voice)\b|"
                    r"\bdigital assistant\b", re.IGNORECASE)
OPT_OUT_TAGS = frozenset({"opt_out", "optout", "do_not_call", "dnc", "blacklist", "unsubscribe", "退订", "拒绝来电"})
_OPT_OUT_OUTCOME = re.compile(r"opt.?out|unsub|blacklist|do.?not.?call|dnc|退订|拒绝来电|黑名单", re.IGNORECASE)


def _word_pattern(word: str) -> re.Pattern[str]:
    w = re.escape(word)
    if word.isascii() and word[:1].isalnum():
        w = rf"(?<![A-Za-z]){w}"
    if word.isascii() and word[-1:].isalnum():
        w = rf"{w}(?![A-Za-z])"
    return re.compile(w, re.IGNORECASE)


def _check_forbidden(ctx: QAContext, words: Iterable[str]) -> None:
    patterns = [(w, _word_pattern(w)) for w in dict.fromkeys(words)]
    for n in ctx.script.nodes:
        text = n.prompt.text
        if not text:
            continue
        scan = _HARMLESS.sub("□", text)
        hits = [w for w, p in patterns if p.search(scan)]
        if hits:
            ctx.add("forbidden_word", "error", "compliance", n.id, words=tuple(hits))


def _opening_nodes(ctx: QAContext) -> list[Node]:
    s = ctx.script
    if s.start not in s.by_id:
        return []
    out: list[Node] = []
    seen: set[str] = set()
    stack = [s.start]
    while stack:
        v = stack.pop()
        if v in seen or v not in s.by_id:
            continue
        seen.add(v)
        n = s.by_id[v]
        if n.speaks and n.prompt.text.strip():
            out.append(n)
        elif not n.listens:
            stack.extend(t for _b, t in n.targets())
    return out


def _check_identification(ctx: QAContext) -> None:
    pattern = _ZH_ID if ctx.script.is_chinese else _EN_ID
    for n in _opening_nodes(ctx):
        if not pattern.search(n.prompt.text):
            ctx.add("no_caller_identification", "error", "compliance", n.id)


def _check_ai_disclosure(ctx: QAContext) -> None:
    """A region policy (TCPA after the FCC's 2024 ruling, MIIT) asks the opening to say the voice
    is automated; only checked when the caller passes that requirement in."""
    if not ctx.disclosure.get("automated_voice"):
        return
    pattern = _ZH_AI if ctx.script.is_chinese else _EN_AI
    for n in _opening_nodes(ctx):
        if not pattern.search(n.prompt.text):
            ctx.add("no_automated_voice_disclosure", "error", "compliance", n.id)


def _opt_out_branches(ctx: QAContext) -> list[tuple[str | None, Branch]]:
    s = ctx.script
    found: list[tuple[str | None, Branch]] = [
        (None, b) for b in s.global_handlers if handler_matches(b, "opt_out", OPT_OUT_PHRASES)
    ]
    for n in s.nodes:
        found += [(n.id, b) for b in n.branches if handler_matches(b, "opt_out", OPT_OUT_PHRASES)]
    return found


def _check_opt_out(ctx: QAContext) -> None:
    s = ctx.script
    for node_id, b in _opt_out_branches(ctx):
        where = "branch" if node_id else "handler"  # message variant
        path, asks_again = ctx.silent_path(b.goto)
        ends = [s.by_id[x] for x in path if s.by_id[x].type == "end"]
        if asks_again or not ends:
            ctx.add(f"opt_out_not_ending.{where}", "error", "compliance", node_id, b.id)
            continue
        tags = set(b.tags) | {t for x in path for t in s.by_id[x].tags}
        marked = bool(tags & OPT_OUT_TAGS) or all(e.outcome and _OPT_OUT_OUTCOME.search(e.outcome) for e in ends)
        if not marked:
            ctx.add(f"opt_out_not_marked.{where}", "error", "compliance", node_id, b.id)


def check_compliance(ctx: QAContext) -> None:
    words = (*BUILTIN_FORBIDDEN, *ctx.script.settings.forbidden_words, *ctx.forbidden_words)
    _check_forbidden(ctx, words)
    if ctx.disclosure.get("identify_caller", True):
        _check_identification(ctx)
    _check_ai_disclosure(ctx)
    _check_opt_out(ctx)
