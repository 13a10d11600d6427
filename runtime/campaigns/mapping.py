"""Column mapping: which source columns are the phone, the secondary phone, the customer id,
the name and the script variables. Pure: a source row (a dict) in, a :class:`CustomerRow` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ColumnMapping", "CustomerRow", "MappingError", "SourceRow"]


class MappingError(ValueError):
    """The mapping names a column the source does not have, or is malformed."""


@dataclass(slots=True)
class SourceRow:
    """One row of a data source with its line (CSV), row (XLSX) or index (SQL/HTTP) number."""

    row_no: int
    values: Mapping[str, Any]


@dataclass(slots=True)
class CustomerRow:
    """One customer of a list, as mapped from its source. Not frozen: a frozen dataclass costs
    five times as much to build, and a big list builds a million (nothing changes them later)."""

    row_no: int
    phone: Any
    phone2: Any = None
    customer_id: str | None = None
    name: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)


def _s(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    phone: str = "phone"
    secondary_phone: str | None = None
    customer_id: str | None = None
    name: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)  # script variable -> column

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ColumnMapping:
        d = dict(d or {})
        unknown = set(d) - {"phone", "secondary_phone", "customer_id", "name", "variables"}
        if unknown:
            raise MappingError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
        vars_ = d.get("variables") or {}
        if isinstance(vars_, list):
            vars_ = {str(v): str(v) for v in vars_}
        if not isinstance(vars_, dict):
            raise MappingError("mapping 'variables' must be an object {variable: column} or a list of columns")
        phone = d.get("phone") or "phone"
        return cls(
            phone=str(phone),
            secondary_phone=d.get("secondary_phone"),
            customer_id=d.get("customer_id"),
            name=d.get("name"),
            variables={str(k): str(v) for k, v in vars_.items()},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "phone": self.phone,
            "secondary_phone": self.secondary_phone,
            "customer_id": self.customer_id,
            "name": self.name,
            "variables": dict(self.variables),
        }

    def columns(self) -> list[str]:
        cols = [self.phone, self.secondary_phone, self.customer_id, self.name, *self.variables.values()]
        return [c for c in cols if c]

    def check_columns(self, available: Iterable[str]) -> None:
        have = set(available)
        missing = [c for c in self.columns() if c not in have]
        if missing:
            raise MappingError(
                f"mapped column(s) {', '.join(repr(m) for m in missing)} not in the source; "
                f"it has: {', '.join(sorted(have)) or '(no columns)'}"
            )

    def apply(self, rows: Iterable[SourceRow]) -> Iterator[CustomerRow]:
        checked = False
        for r in rows:
            if not checked:
                self.check_columns(r.values.keys())
                checked = True
            v = r.values
            yield CustomerRow(
                row_no=r.row_no,
                phone=v.get(self.phone),
                phone2=v.get(self.secondary_phone) if self.secondary_phone else None,
                customer_id=_s(v.get(self.customer_id)) if self.customer_id else None,
                name=_s(v.get(self.name)) if self.name else None,
                variables={k: v.get(c) for k, c in self.variables.items()},
            )
