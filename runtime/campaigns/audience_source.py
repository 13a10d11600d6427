"""A saved audience as a task's number source (``CallTask.audience_id``).

Members come from :func:`runtime.audience.store.audience_numbers` (callable members, best
score first) and go through the same screen as any other source. Rows are numbered from 1
in that order, so a drop message names the member's rank. A member's consent (the customer
data's ``consent`` column, with ``consent_date``/``consent_source`` as evidence) is the row's
consent basis, exactly as a list's mapped consent column: a task with a business type drops
members without the basis it needs (``no_consent``).
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.sources import SourceError

__all__ = ["audience_rows"]


def _name(variables: dict[str, object]) -> str | None:
    value = variables.get("name")
    return None if value in (None, "") else str(value)


def _row(n: int, cid: int, phone: str, secondary: str, variables: dict[str, object]) -> CustomerRow:
    consent = variables.pop("consent", None)
    date, source = variables.pop("consent_date", None), variables.pop("consent_source", None)
    if date is not None or source is not None:  # kept with the job, as a mapped list keeps them
        variables["_consent_date"] = None if date is None else str(date)
        variables["_consent_source"] = None if source is None else str(source)
    return CustomerRow(row_no=n, phone=phone, phone2=secondary or None, customer_id=str(cid), name=_name(variables),
                       variables=variables, consent=consent)


def audience_rows(engine: Engine, audience_id: int) -> list[CustomerRow]:
    """The audience's current members as customer rows; SourceError when it was deleted."""
    from runtime.audience.models import Audience
    from runtime.audience.store import audience_numbers

    with Session(engine) as s:
        if s.get(Audience, audience_id) is None:
            raise SourceError(f"audience {audience_id} no longer exists")
        return [_row(i, cid, phone, secondary, variables)
                for i, (cid, phone, secondary, variables) in enumerate(audience_numbers(s, audience_id), start=1)]
