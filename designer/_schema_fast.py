"""A fast yes/no structural check (Rust ``jsonschema-rs``) in front of the detailed Python one.

The Python ``jsonschema`` validator needs about half a second for a 1,000-node script; most
documents are valid, so the Rust validator answers "valid" in about a millisecond and the
Python one only runs to explain what is wrong. Without ``jsonschema-rs`` everything still
works, just slower.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from designer.schema import SchemaError, schema, schema_errors

__all__ = ["structural_errors"]


@cache
def _fast_validator() -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the dependency is declared; this keeps odd installs working
        return None
    return jsonschema_rs.validator_for(schema())


def structural_errors(doc: Any) -> list[SchemaError]:
    fast = _fast_validator()
    if fast is not None and fast.is_valid(doc):
        return []
    return schema_errors(doc)
