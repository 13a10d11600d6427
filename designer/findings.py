"""The finding vocabulary shared by validation and QA: what is wrong, where, and in words a business user reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Finding", "ValidationReport"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation result. ``path`` is a JSON path into the document (``$.nodes[3].branches[0]``)."""

    code: str
    node: str | None
    branch: str | None
    path: str
    message: str
    # What the message was made from (``designer.messages``), so it can be said again in another
    # language; not part of the JSON form, which keeps its five keys.
    key: str = field(default="", compare=False, repr=False)
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "node": self.node, "branch": self.branch, "path": self.path,
                "message": self.message}


@dataclass(frozen=True, slots=True)
class ValidationReport:
    valid: bool
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "errors": [f.to_dict() for f in self.errors],
            "warnings": [f.to_dict() for f in self.warnings],
        }

    def codes(self) -> set[str]:
        return {f.code for f in self.errors} | {f.code for f in self.warnings}
