"""Column mapping: which source columns are the phone, the secondary phone, the customer id,
the name and the script variables. Pure: a source row (a dict) in, a :class:`CustomerRow` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from huashu.core.errors import UserError

__all__ = ["ColumnMapping", "CustomerRow", "MappingError", "SourceRow"]


class MappingError(UserError):
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
    #: the consent column's raw value (see :mod:`runtime.campaigns.consent`); None when unmapped
    consent: Any = None


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
    #: {"basis": column, "date": column, "source": column}: the legal basis of each number and
    #: the evidence (when and where it was given), kept with the job as ``_consent_date/_source``
    consent: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> ColumnMapping:
        d = dict(d or {})
        unknown = set(d) - {"phone", "secondary_phone", "customer_id", "name", "variables", "consent"}
        if unknown:
            raise MappingError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
        vars_ = d.get("variables") or {}
        if isinstance(vars_, list):
            vars_ = {str(v): str(v) for v in vars_}
        if not isinstance(vars_, dict):
            raise MappingError("mapping 'variables' must be an object {variable: column} or a list of columns")
        phone = d.get("phone") or "phone"
        consent = d.get("consent") or {}
        if not isinstance(consent, dict) or set(consent) - {"basis", "date", "source"}:
            raise MappingError('mapping "consent" must be an object {"basis": column, "date": column, "source": column}')
        if consent and not consent.get("basis"):
            raise MappingError('mapping "consent" needs a "basis" column')
        return cls(
            phone=str(phone),
            secondary_phone=d.get("secondary_phone"),
            customer_id=d.get("customer_id"),
            name=d.get("name"),
            variables={str(k): str(v) for k, v in vars_.items()},
            consent={str(k): str(v) for k, v in consent.items() if v},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "phone": self.phone,
            "secondary_phone": self.secondary_phone,
            "customer_id": self.customer_id,
            "name": self.name,
            "variables": dict(self.variables),
            **({"consent": dict(self.consent)} if self.consent else {}),
        }

    def columns(self) -> list[str]:
        cols = [self.phone, self.secondary_phone, self.customer_id, self.name, *self.variables.values(),
                *self.consent.values()]
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
        if self.consent:
            yield from self._apply_with_consent(rows)
            return
        for r in self._checked(rows):
            v = r.values
            yield self._customer(r, {k: v.get(c) for k, c in self.variables.items()})

    def _checked(self, rows: Iterable[SourceRow]) -> Iterator[SourceRow]:
        """``rows``, the first one's columns checked against the mapping (:meth:`check_columns`)."""
        it = iter(rows)
        for first in it:
            self.check_columns(first.values.keys())
            yield first
            break
        yield from it

    def _customer(self, r: SourceRow, variables: dict[str, Any], consent: Any = None) -> CustomerRow:
        v = r.values
        return CustomerRow(
            row_no=r.row_no,
            phone=v.get(self.phone),
            phone2=v.get(self.secondary_phone) if self.secondary_phone else None,
            customer_id=_s(v.get(self.customer_id)) if self.customer_id else None,
            name=_s(v.get(self.name)) if self.name else None,
            variables=variables,
            consent=consent,
        )

    def _apply_with_consent(self, rows: Iterable[SourceRow]) -> Iterator[CustomerRow]:
        """As :meth:`apply`, plus the basis and its evidence (a separate loop: lists without a
        consent mapping pay nothing for it)."""
        basis, date_col, source_col = self.consent["basis"], self.consent.get("date"), self.consent.get("source")
        evidence = bool(date_col or source_col)
        for r in self._checked(rows):
            v = r.values
            variables = {k: v.get(c) for k, c in self.variables.items()}
            if evidence:
                variables["_consent_date"] = _s(v.get(date_col)) if date_col else None
                variables["_consent_source"] = _s(v.get(source_col)) if source_col else None
            yield self._customer(r, variables, v.get(basis))
