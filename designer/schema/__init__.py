"""The JSON Schema (draft 2020-12) of ``huashu.script/1`` and structural checking against it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

__all__ = ["SchemaError", "schema", "schema_errors", "schema_text"]


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One structural error: where (a JSON path such as ``$.nodes[3].branches[0].goto``) and what."""

    path: str
    message: str


def schema_text() -> str:
    return resources.files(__package__).joinpath("huashu.script-1.json").read_text(encoding="utf-8")


@cache
def schema() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(schema_text())
    return doc


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


def _json_path(parts: Any) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


# Patterns said in words: a reader should not have to decode a regular expression.
_PATTERN_WORDS = {
    "identifier": "is not an id: use letters (Chinese too), digits and _ . : - only "
                  "(no spaces, quotes, < > & /, @ or $)",
    "name": "is not a name: use ASCII letters, digits and _, not starting with a digit",
}


def _pattern_words(pattern: str) -> str | None:
    defs = schema()["$defs"]
    if pattern == defs["identifier"]["pattern"]:
        return _PATTERN_WORDS["identifier"]
    if pattern == defs["intent_name"]["pattern"]:
        return _PATTERN_WORDS["name"]
    return None


def _best_message(err: Any) -> str:
    if err.validator == "pattern" and isinstance(err.instance, str):
        words = _pattern_words(str(err.validator_value))
        if words:
            return f"{err.instance!r} {words}"
    # oneOf/anyOf/if-then errors say little; the deepest context usually says what is wrong.
    if err.validator in ("anyOf", "oneOf") and err.context:
        deepest = max(err.context, key=lambda e: len(e.absolute_path))
        return str(deepest.message)
    if err.validator == "not" and err.validator_value and "anyOf" in err.validator_value:
        fields = [next(iter(x.get("required", [""]))) for x in err.validator_value["anyOf"]]
        node_type = err.instance.get("type") if isinstance(err.instance, dict) else None
        present = [f for f in fields if isinstance(err.instance, dict) and f in err.instance]
        return f"a {node_type!r} node may not have {', '.join(present) or ', '.join(fields)}"
    if err.validator == "additionalProperties":
        return str(err.message)
    return str(err.message)


def schema_errors(doc: Any) -> list[SchemaError]:
    """All structural errors of ``doc``, sorted by path, each with a JSON path."""
    raw = list(_validator().iter_errors(doc))
    paths = [_json_path(err.absolute_path) for err in raw]
    errors = []
    for err, path in zip(raw, paths, strict=True):
        # a branch with a bad field fails its allOf, and unevaluatedProperties then calls every
        # field "unexpected": noise when the real complaint sits inside the same object
        if err.validator == "unevaluatedProperties" and any(q.startswith((path + ".", path + "[")) for q in paths):
            continue
        errors.append(SchemaError(path=path, message=_best_message(err)))
    errors.sort(key=lambda e: e.path)
    # jsonschema may report the same spot twice through allOf; keep one of each.
    seen: set[tuple[str, str]] = set()
    unique = []
    for e in errors:
        if (e.path, e.message) not in seen:
            seen.add((e.path, e.message))
            unique.append(e)
    return unique
