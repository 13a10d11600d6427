"""Rule audiences regenerated on their cron by the runtime node, once across nodes; tasks see the new members."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from integ_helpers import (
    RecordingRunner,
    VirtualClock,
    control_policy,
    customers,
    jobs,
    running_task,
    write_customers,
)
from sqlalchemy import select, update
from sqlmodel import Session

from runtime.audience.models import Audience
from runtime.audience.schedule import is_due, refresh_due, regenerate
from runtime.audience.store import audience_numbers
from runtime.campaigns import tables as T
from runtime.campaigns.node import RuntimeNode

RULE = {"all": [{"field": "status", "op": "==", "value": "suspended"}]}
T0 = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)


def _rule_audience(engine, path, statuses: list[str], cron: str = "0 6 * * *") -> int:
    write_customers(path, customers(list(range(1, len(statuses) + 1)), status=statuses))
    with Session(engine) as s:
        aud = Audience(name="suspended", kind="rule", rule=RULE, source=str(path), refresh_cron=cron, refreshed_at=T0)
        s.add(aud)
        s.flush()
        regenerate(s, aud, T0)
        s.execute(update(Audience).where(Audience.id == aud.id).values(refreshed_at=T0))  # type: ignore[arg-type]
        s.commit()
        assert aud.id is not None
        return aud.id


def _members(engine, aud_id: int) -> set[int]:
    with Session(engine) as s:
        return {c for c, *_ in audience_numbers(s, aud_id)}


def test_is_due_reads_naive_sqlite_times_as_utc():
    assert is_due("0 6 * * *", datetime(2026, 7, 1, 5, 0), datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    assert not is_due("0 6 * * *", datetime(2026, 7, 1, 6, 0), datetime(2026, 7, 1, 7, 0, tzinfo=UTC))
    assert not is_due(None, T0, datetime(2030, 1, 1, tzinfo=UTC))


def test_due_audience_refreshed_once_then_not_again(engine, tmp_path):
    control_policy(engine, 0.0)
    path = tmp_path / "customers.parquet"
    aud = _rule_audience(engine, path, ["suspended", "active", "active"])
    assert _members(engine, aud) == {1}
    write_customers(path, customers([1, 2, 3], status=["suspended", "suspended", "active"]))
    assert refresh_due(engine, datetime(2026, 7, 1, 5, 59, tzinfo=UTC)) == []  # not yet due
    (r,) = refresh_due(engine, datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    assert (r.audience_id, r.size, r.error) == (aud, 2, None)
    assert _members(engine, aud) == {1, 2}
    assert refresh_due(engine, datetime(2026, 7, 1, 6, 30, tzinfo=UTC)) == []  # done for today


def test_a_failed_refresh_keeps_the_members_and_waits_for_the_next_time(engine, tmp_path):
    control_policy(engine, 0.0)
    path = tmp_path / "customers.parquet"
    aud = _rule_audience(engine, path, ["suspended", "active"])
    path.unlink()
    (r,) = refresh_due(engine, datetime(2026, 7, 1, 6, 0, tzinfo=UTC))
    assert r.error is not None and _members(engine, aud) == {1}
    assert refresh_due(engine, datetime(2026, 7, 1, 6, 1, tzinfo=UTC)) == []  # not retried every round


@pytest.mark.postgres
def test_concurrent_nodes_refresh_exactly_once_on_postgres(pg_url, tmp_path):
    from huashu.core.db import make_engine

    engine = make_engine(pg_url)
    control_policy(engine, 0.0)
    _rule_audience(engine, tmp_path / "c.parquet", ["suspended"] * 50 + ["active"] * 50)
    now = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    results: list[list[object]] = []
    barrier = threading.Barrier(4)

    def node() -> None:
        barrier.wait()
        results.append(list(refresh_due(engine, now)))

    threads = [threading.Thread(target=node) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(r) for r in results) == 1
    engine.dispose()


def test_runtime_node_refreshes_and_the_bound_task_sees_new_members(engine, tmp_path, monkeypatch):
    control_policy(engine, 0.0)
    path = tmp_path / "customers.parquet"
    aud = _rule_audience(engine, path, ["suspended", "active", "active"])
    clock = VirtualClock(datetime(2026, 7, 1, 5, 0, tzinfo=UTC))
    clock.install(monkeypatch)
    tid = running_task(engine, audience_id=aud, schedule_kind="cron", cron="30 6 * * *", timezone="UTC")
    nodes = [RuntimeNode(engine, RecordingRunner(clock), lambda t, e: [], node_id=n, clock=clock.mono) for n in ("a", "b")]

    clock.now = datetime(2026, 6, 30, 6, 30, tzinfo=UTC)  # yesterday's run, before the refresh
    with engine.begin() as c:
        c.execute(update(T.triggers).where(T.triggers.c.task_id == tid).values(next_fire_at=clock.now))
    for n in nodes:
        n.schedule()
    assert {j["customer_id"] for j in jobs(engine, tid)} == {"1"}

    write_customers(path, customers([1, 2, 3], status=["suspended", "suspended", "suspended"]))
    clock.now = datetime(2026, 7, 1, 6, 31, tzinfo=UTC)  # the refresh (06:00) and the task (06:30) are both due
    for n in nodes:
        n.schedule()
    with engine.connect() as c:
        refreshed = c.execute(select(Audience.refreshed_at).where(Audience.id == aud)).scalar_one()  # type: ignore[call-overload]
        runs = c.execute(select(T.runs.c.id, T.runs.c.total).where(T.runs.c.task_id == tid).order_by(T.runs.c.id)).all()
    assert refreshed.replace(tzinfo=UTC) == clock.now
    assert [r.total for r in runs] == [1, 3]  # one run per fire, across two nodes
    second = [j for j in jobs(engine, tid) if j["run_id"] == runs[1].id]
    by_customer = {j["customer_id"]: (j["state"], j["drop_reason"]) for j in second}
    assert by_customer == {"1": ("dropped", "recent_business"), "2": ("queued", None), "3": ("queued", None)}
