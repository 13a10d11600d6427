"""``${name}`` in prompts, checked before the call and rendered per variable type and language.

A required variable without a value is an error before dialling (a prompt that says
"请问您是吗" is worse than no call). Values are checked against their declared type too:
an ``amount`` of "abc" is refused before the call, not mumbled during it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from designer.model import Script
from huashu.core.errors import UserError
from runtime.dialog import spoken

__all__ = ["VariableError", "MissingVariableError", "InvalidVariableError", "PLACEHOLDER", "placeholders",
           "check_variables", "render_value", "render_text", "with_defaults"]

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# "欠费${arrears}元": the prompt already says the unit, so the amount is read as a bare number.
_UNIT_AFTER = re.compile(r"\s*(?:元|块|圆|人民币|rmb|yuan|dollars?|usd|euros?)", re.IGNORECASE)
_PLACEHOLDER_DOLLARS = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}(\s*dollars?\b)?", re.IGNORECASE)
BARE = "#bare"  # key suffix of an amount's plain-number reading in the rendered map


class VariableError(UserError):
    """The call's variables cannot render this script's prompts."""


class MissingVariableError(VariableError):
    def __init__(self, names: Iterable[str], script_id: str) -> None:
        self.names = tuple(sorted(names))
        listed = ", ".join(self.names)
        super().__init__(f"script {script_id!r} needs variable(s) {listed} but the call has no value for them")


class InvalidVariableError(VariableError):
    pass


def placeholders(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


def render_value(value: Any, vtype: str, chinese: bool) -> str:
    """The spoken form of one value; cached, as campaigns render the same amounts again and again."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _render_cached(value, vtype, chinese)
    return _render(value, vtype, chinese)


@lru_cache(maxsize=8192)
def _render_cached(value: str | int | float, vtype: str, chinese: bool) -> str:
    return _render(value, vtype, chinese)


def _render(value: Any, vtype: str, chinese: bool) -> str:
    if value is None:
        return ""
    if vtype == "number":
        return spoken.number_zh(value) if chinese else spoken.number_en(value)
    if vtype == "amount":
        return spoken.amount_zh(value) if chinese else spoken.amount_en(value)
    if vtype == BARE:  # an amount whose unit the prompt says itself
        return spoken.amount_number_zh(value) if chinese else spoken.number_en(value)
    if vtype == "date":
        return spoken.date_zh(value) if chinese else spoken.date_en(value)
    if vtype == "phone":
        return spoken.phone_zh(value) if chinese else spoken.phone_en(value)
    return str(value)


def with_defaults(script: Script, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The call's variables with the ``default`` of each optional variable filling a missing (or
    blank) value. A required variable must come with the call (campaigns check their column
    mapping for it), so its default, if any, is not used."""
    out = dict(variables)
    for name, decl in script.variables.items():
        if decl.default is not None and not decl.required and _blank(out.get(name)):
            out[name] = decl.default
    return out


def check_variables(script: Script, variables: Mapping[str, Any], used: Iterable[str]) -> dict[str, str]:
    """Render every variable once, or raise: missing required/used ones, or values of the wrong type.

    Returns name -> spoken text. Give it :func:`with_defaults` of the call's values, so an
    optional variable's ``default`` stands in for a missing value; a declared, optional variable
    without value or default renders as "" (QA warns about that: ``optional_variable_in_prompt``).
    """
    used = set(used)
    missing = {n for n, v in script.variables.items() if v.required and _blank(variables.get(n))}
    missing |= {n for n in used if n not in script.variables and _blank(variables.get(n))}
    if missing:
        raise MissingVariableError(missing, script.id)
    out: dict[str, str] = {}
    for name in used | set(script.variables):
        decl = script.variables.get(name)
        vtype = decl.type if decl is not None else "string"
        try:
            out[name] = render_value(variables.get(name), vtype, script.is_chinese)
            if vtype == "amount":
                out[name + BARE] = render_value(variables.get(name), BARE, script.is_chinese)
        except ValueError as e:
            raise InvalidVariableError(f"variable {name!r} ({vtype}): {e}") from None
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def render_text(text: str, rendered: Mapping[str, str]) -> str:
    if "${" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        name, dollars = m.group(1), m.group(2)
        bare = rendered.get(name + BARE)
        full = rendered.get(name, "")
        if bare is not None and dollars and ("dollar" in full or "cent" in full):
            # "${amount} dollars": "forty-five dollars and ninety cents", not "forty-five point nine
            # dollars"; "five cents", not "zero point zero five dollars"
            return full
        if bare is not None and (dollars or _UNIT_AFTER.match(text, m.end())):
            return bare + (dollars or "")
        return full + (dollars or "")

    return _PLACEHOLDER_DOLLARS.sub(one, text)
