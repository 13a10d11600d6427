"""Resting by a one-sided Wilson test against the pool: a clearly worse number rests for the
pool's rest time and comes back after it (or when the operator un-rests it); a few calls never
decide; the dialer never picks a rested number meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from runtime.campaigns.callerid.health import rest_verdict, wilson_bounds
from runtime.campaigns.callerid.models import CallerDay
from runtime.campaigns.callerid.store import (
    day_of,
    explain_pick,
    import_numbers,
    judge_pool,
    pool_numbers,
    take_slot,
    unrest,
)

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
DAYS = CallerDay.__table__  # type: ignore[attr-defined]


@pytest.mark.offline
def test_wilson_bounds_match_the_textbook_values() -> None:
    lo, hi = wilson_bounds(5, 50, 1.96)
    assert round(lo, 4) == 0.0435 and round(hi, 4) == 0.2136  # Wilson 95% for 5/50
    assert wilson_bounds(0, 0) == (0.0, 1.0)
    lo, hi = wilson_bounds(0, 30)
    assert lo == 0.0 and 0 < hi < 0.2


@pytest.mark.offline
def test_verdict_needs_evidence_not_a_threshold() -> None:
    # pool answers 40%; the number 3/40 = 7.5%: rested
    assert rest_verdict(40, 3, 0, 4000, 1600, 100).rest
    # 10/40 = 25% is lower, but not significantly at 99% one-sided
    assert not rest_verdict(40, 10, 0, 4000, 1600, 100).rest
    # too few calls to judge at all
    assert not rest_verdict(10, 0, 0, 4000, 1600, 100).rest
    # answered but hung up early far more than the pool: rested for that
    v = rest_verdict(100, 40, 30, 4000, 1600, 100)
    assert v.rest and "early hang-ups" in v.reason


def _counts(engine, pool: str, per_number: dict[str, tuple[int, int]]) -> None:
    rows = {r["number"]: r["id"] for r in pool_numbers(engine, pool, NOW)}
    day = day_of(NOW, "Asia/Shanghai")
    for number, (attempts, answered) in per_number.items():
        assert take_slot(engine, rows[number], 10_000, day)
        with engine.begin() as c:
            c.execute(update(DAYS).where(DAYS.c.number_id == rows[number], DAYS.c.day == day)
                      .values(attempts=attempts, answered=answered))


def test_a_clearly_worse_number_rests_then_recovers(engine) -> None:
    good = ["13912340001", "13912340002", "13912340003"]
    bad = "13912340004"
    import_numbers(engine, "cz", [(i + 1, n, None) for i, n in enumerate([*good, bad])])
    _counts(engine, "cz", {f"+86{n}": (200, 90) for n in good} | {f"+86{bad}": (60, 5)})
    rested = judge_pool(engine, "cz", NOW)
    assert [r["number"] for r in rested] == [f"+86{bad}"] and "below the pool" in rested[0]["reason"]
    flagged = {r["number"]: r for r in pool_numbers(engine, "cz", NOW)}
    assert flagged[f"+86{bad}"]["rested"] and not flagged[f"+86{good[0]}"]["rested"]
    assert judge_pool(engine, "cz", NOW) == []  # already resting: not judged twice
    # while it rests no call shows it
    picks = {explain_pick(engine, "cz", "13912349999", now=NOW).caller_id for _ in range(3)}
    assert f"+86{bad}" not in picks
    # after the pool's rest time (24 h) it is usable again
    later = NOW + timedelta(hours=25)
    assert not {r["number"]: r for r in pool_numbers(engine, "cz", later)}[f"+86{bad}"]["rested"]
    # and an operator may end the rest early
    judge_pool(engine, "cz", NOW)
    assert unrest(engine, "cz", f"+86{bad}")
    assert not {r["number"]: r for r in pool_numbers(engine, "cz", NOW)}[f"+86{bad}"]["rested"]
