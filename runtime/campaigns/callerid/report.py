"""Answer rate by caller-id locality (the rule that chose the shown number), with Wilson 95% intervals.

Read from the attempts the dialer stamped (``caller_rule``): the figure the demo's report and the
task page show to say whether local numbers are worth it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine

from runtime.campaigns import tables as T
from runtime.campaigns.callerid.health import wilson_bounds
from runtime.campaigns.callerid.picker import RULES

__all__ = ["answer_by_rule"]


def answer_by_rule(engine: Engine, task_id: int) -> list[dict[str, Any]]:
    a = T.attempts
    answered = func.sum(case((a.c.outcome == "connected", 1), else_=0))
    with engine.connect() as conn:
        got = {r.caller_rule: (int(r.n), int(r.ans or 0)) for r in conn.execute(
            select(a.c.caller_rule, func.count().label("n"), answered.label("ans"))
            .where(a.c.task_id == task_id, a.c.caller_rule.is_not(None), a.c.state == "ended")
            .group_by(a.c.caller_rule))}
    out = []
    for rule in RULES:
        if rule not in got:
            continue
        n, ans = got[rule]
        lo, hi = wilson_bounds(ans, n, 1.96)
        out.append({"rule": rule, "attempts": n, "answered": ans, "answer_rate": ans / n if n else 0.0,
                    "ci95": [lo, hi]})
    return out
