"""Masking personal data for readers who don't need it: 138****5678, 张**, A**** S****.

Pure and cheap (exports mask a million rows). The caller decides who sees what (a role's
``personal.view`` permission, an API token's ``personal:read`` scope)."""

from __future__ import annotations

from typing import Any

__all__ = ["mask_name", "mask_phone", "mask_text_numbers"]


def mask_phone(phone: Any) -> Any:
    """The four digits before the last four hidden: 13812345678 -> 138****5678, +8613812345678 ->
    +86138****5678; a short number keeps only its last two digits."""
    if phone is None or phone == "":
        return phone
    s = str(phone)
    if len(s) >= 9:
        return s[:-8] + "****" + s[-4:]
    return "*" * max(len(s) - 2, 0) + s[-2:]


def mask_name(name: Any) -> Any:
    """The first character of each word kept: 张三丰 -> 张**, Alice Smith -> A**** S****."""
    if name is None or name == "":
        return name
    return " ".join(w[:1] + "*" * (len(w) - 1) for w in str(name).split(" "))


def mask_text_numbers(text: str) -> str:
    """Phone-like digit runs (7+ digits) inside free text masked the same way (transcripts, notes)."""
    import re

    return re.sub(r"\+?\d{7,}", lambda m: str(mask_phone(m.group(0))), text)
