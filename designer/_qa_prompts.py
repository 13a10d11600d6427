"""Prompt quality: length by ear, and numbers, variables and abbreviations a TTS engine reads badly."""

from __future__ import annotations

import re

from designer._qa_context import QAContext
from designer.model import Node
from designer.prompt_text import estimate_seconds, sentences, speech_units

__all__ = ["check_prompts", "MAX_PROMPT_SECONDS", "MAX_SENTENCE_ZH_CHARS", "MAX_SENTENCE_EN_WORDS"]

MAX_PROMPT_SECONDS = 15.0
MAX_SENTENCE_ZH_CHARS = 40
MAX_SENTENCE_EN_WORDS = 25
_LONG_DIGITS = re.compile(r"(?<![\d$])\d{5,}(?!\d)")
_PLACEHOLDER = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")
_PHONE_NAME = re.compile(r"phone|mobile|msisdn|tel|cell|hotline|号码|电话", re.IGNORECASE)
_ABBREV = re.compile(r"(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z])")
_ABBREV_OK = frozenset({"APP", "VIP", "WIFI", "SIM", "GB", "MB", "KB", "TB", "TV", "ID", "OK"})
_CJK = re.compile(r"[\u3400-\u9fff]")
_MONEY_NAME = re.compile(r"amount|balance|fee|price|cost|arrears|bill|charge|money|金额|余额|欠费|费用|价格|话费",
                         re.IGNORECASE)
_DATE_NAME = re.compile(r"date|deadline|expir|日期|到期", re.IGNORECASE)
_ZH_UNIT_AFTER = re.compile(r"^\s*(元|块|角|分|%|％|万|亿|人民币)")
_EN_UNIT_BEFORE = re.compile(r"[$¥€£]\s*$")
_EN_UNIT_AFTER = re.compile(r"^\s*(dollars?|yuan|euros?|pounds?|cents?|USD|CNY|RMB|%)", re.IGNORECASE)


def _check_length(ctx: QAContext, n: Node) -> float:
    s = ctx.script
    secs = estimate_seconds(n.prompt.text, s)
    if secs > MAX_PROMPT_SECONDS:
        ctx.add("prompt_too_long", "warning", "prompts", n.id, seconds=secs, limit=MAX_PROMPT_SECONDS)
    for sentence in sentences(n.prompt.text):
        units = speech_units(sentence, s.is_chinese)
        limit = MAX_SENTENCE_ZH_CHARS if s.is_chinese else MAX_SENTENCE_EN_WORDS
        if units > limit:
            key = "sentence_too_long.chars" if s.is_chinese else "sentence_too_long.words"
            ctx.add(key, "warning", "prompts", n.id, units=units, excerpt=sentence[:30], limit=limit)
            break
    return secs


def _check_reading(ctx: QAContext, n: Node) -> None:
    s = ctx.script
    text = n.prompt.text
    bare = _PLACEHOLDER.sub("", text)
    if _LONG_DIGITS.search(bare):
        ctx.add("tts_long_number", "info", "prompts", n.id)
    for m in _PLACEHOLDER.finditer(text):
        var = s.variables.get(m.group(1))
        if var is None:
            continue
        if _PHONE_NAME.search(var.name) and var.type != "phone":
            ctx.add("tts_phone_variable", "warning", "prompts", n.id, var=var.name, type=var.type)
        if var.type != "amount" and _MONEY_NAME.search(var.name):
            after, before = text[m.end():], text[: m.start()]
            has_unit = bool(_ZH_UNIT_AFTER.match(after) or _EN_UNIT_BEFORE.search(before)
                            or _EN_UNIT_AFTER.match(after))
            if not has_unit:
                ctx.add("tts_amount_unit", "info", "prompts", n.id, var=var.name, type=var.type)
        if var.type not in ("date", "phone") and _DATE_NAME.search(var.name):
            ctx.add("tts_date_variable", "info", "prompts", n.id, var=var.name, type=var.type)
    if s.is_chinese:
        odd = sorted({a for a in _ABBREV.findall(bare) if a not in _ABBREV_OK})
        if odd:
            ctx.add("tts_abbreviation", "info", "prompts", n.id, words=tuple(odd))
    elif _CJK.search(bare):
        ctx.add("mixed_language", "warning", "prompts", n.id)


def _check_optional(ctx: QAContext, n: Node, reported: set[str]) -> None:
    """``${x}`` of an optional variable without a default: a call without it leaves a gap in the
    sentence ("请问是${name}吗？" -> "请问是吗？"). Once per variable, at the first prompt."""
    text = n.prompt.text
    for m in _PLACEHOLDER.finditer(text):
        var = ctx.script.variables.get(m.group(1))
        if var is None or var.required or var.default is not None or var.name in reported:
            continue
        reported.add(var.name)
        sentence = next((x for x in sentences(text) if m.group(0) in x), text)
        gap = re.compile(r"\$\{\s*" + re.escape(var.name) + r"\s*\}")
        heard = gap.sub("", sentence).strip()
        ctx.add("optional_variable_in_prompt", "warning", "prompts", n.id, var=var.name, heard=heard[:40])


def check_prompts(ctx: QAContext) -> None:
    total = 0.0
    longest = 0.0
    optional: set[str] = set()
    for n in ctx.script.nodes:
        if not n.speaks or not n.prompt.text.strip():
            continue
        secs = _check_length(ctx, n)
        total += secs
        longest = max(longest, secs)
        _check_reading(ctx, n)
        _check_optional(ctx, n, optional)
    ctx.metrics["max_prompt_seconds"] = round(longest, 1)
    ctx.metrics["total_prompt_seconds"] = round(total, 1)
