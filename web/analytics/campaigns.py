"""What the analytics pages say about a campaign that came from a call task: its name and when
its calls were made, in the clock of the call list.

An analytics campaign id is the id of the call task its calls came from
(``runtime.analytics.from_campaigns``). The store's ``started_at`` may be another clock: the demo
writes each call's *virtual* time of day (``huashu.demo.results``) so its half-hour chart reads
as a working day. The name and the first/last call shown at the top of a report are the task's,
from the same rows as the call list, so the two pages agree. Campaigns loaded from elsewhere
(a simulation, a file) have no task: "Campaign {id}" and the store's own times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from web.i18n import Translator

__all__ = ["CampaignFacts"]

_FORMAT = "%Y-%m-%d %H:%M:%S"  # as the call list writes a start time (UTC)


def _id(campaign_id: Any) -> int | None:
    try:
        return int(campaign_id)
    except (TypeError, ValueError):
        return None


@dataclass
class CampaignFacts:
    """Read once per page, on first use: task names and the span of their calls.
    Templates call it as ``cname(id)`` and ``cname.period(id, first, last)``."""

    engine: Engine
    t: Translator
    _names: dict[int, str] | None = field(default=None, init=False)
    _spans: dict[int, tuple[datetime, datetime]] | None = field(default=None, init=False)

    def __call__(self, campaign_id: Any) -> str:
        """The task's name, else "Campaign {id}" in the page's language."""
        if self._names is None:
            with self.engine.connect() as conn:
                self._names = {int(i): str(n) for i, n in conn.execute(select(T.tasks.c.id, T.tasks.c.name)) if n}
        key = _id(campaign_id)
        return str(campaign_id) if key is None else self._names.get(key) or self.t("an.campaign_n", id=key)

    def period(self, campaign_id: Any, first: Any, last: Any) -> tuple[str, str]:
        """First and last call of the task as the call list shows them; the store's (``first``,
        ``last``) for a campaign without a task."""
        if self._spans is None:
            a = T.attempts
            q = (select(a.c.task_id, func.min(a.c.started_at), func.max(a.c.started_at))
                 .where(a.c.outcome.is_not(None)).group_by(a.c.task_id))
            with self.engine.connect() as conn:
                self._spans = {int(i): (lo, hi) for i, lo, hi in conn.execute(q) if lo is not None}
        key = _id(campaign_id)
        span = self._spans.get(key) if key is not None else None
        if span is None:
            return (str(first) if first else "—", str(last) if last else "—")
        return span[0].strftime(_FORMAT), span[1].strftime(_FORMAT)
