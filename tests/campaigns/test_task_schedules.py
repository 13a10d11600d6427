"""A task's cron schedule: a date that never comes is refused (at creation, and at the start of
one stored before the check), a cron goes with a recurring schedule only, and a trigger with no
next time fires its last time without crashing the node."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.cronspec import CronError, check_cron, next_fire
from runtime.campaigns.scheduler import fire_due
from runtime.campaigns.tasks import (
    TaskError,
    TaskSpec,
    create_task,
    get_task,
    update_task,
)
from tests.support.cli import campaign_create, invoke
from tests.support.scripts import running_task


def test_check_cron_refuses_a_date_that_never_comes_naming_the_fields():
    with pytest.raises(CronError, match=r"never fires: the day of month field \(31\) never falls in the month field \(2\)"):
        check_cron("0 9 31 2 *", "Asia/Shanghai")
    with pytest.raises(CronError, match="day of month field"):
        check_cron("0 9 30,31 2 *")
    assert check_cron("0 9 29 2 *") == "0 9 29 2 *"  # leap days come (every 4 years; 8 across 2100)
    assert check_cron("0 9 31 2 1") == "0 9 31 2 1"  # a weekday too: cron fires on either


def test_next_fire_raises_only_cron_error():
    after = datetime(2026, 1, 1, tzinfo=UTC)
    for expr, tz in (("0 9 31 2 *", "UTC"), ("not a cron", "UTC"), ("0 9 * * *", "Mars/Base")):
        with pytest.raises(CronError):
            next_fire(expr, tz, after)


def test_cli_refuses_an_impossible_cron_and_start_of_a_stored_one_says_why(task_env):
    url, _, engine, lst = task_env
    out = campaign_create(url, "--file", str(lst), "--var", "extra_fee=fee", "--cron", "0 9 31 2 *", code=2).output
    assert "--cron" in out and "never fires" in out and "day of month" in out
    tid = json.loads(campaign_create(url, "--file", str(lst), "--var", "extra_fee=fee", "--cron", "0 9 * * *", "--json").output)["id"]
    with engine.begin() as c:  # stored before the check existed
        c.execute(update(T.tasks).where(T.tasks.c.id == tid).values(cron="0 9 31 2 *"))
    out = invoke(["campaign", "--db", url, "start", str(tid)], 1).output
    assert f"cannot start task {tid}" in out and "never fires" in out
    assert get_task(engine, tid).status == "draft"


def test_core_refuses_cron_with_a_one_off_schedule_and_update_to_once_drops_it(sqlite_engine):
    with pytest.raises(TaskError, match="cron: a one-off task"):
        create_task(sqlite_engine, TaskSpec(name="x", business="b", schedule_kind="once", cron="garbage"))
    with pytest.raises(TaskError, match="never fires"):
        create_task(sqlite_engine, TaskSpec(name="x", business="b", schedule_kind="cron", cron="0 9 31 2 *"))
    t = create_task(sqlite_engine, TaskSpec(name="x", business="b", schedule_kind="cron", cron="0 9 * * *"))
    assert update_task(sqlite_engine, t.id, {"schedule_kind": "once"}).cron is None


def test_a_trigger_with_no_next_time_fires_its_last_time_without_crashing_the_node(sqlite_engine):
    tid = running_task(sqlite_engine, schedule_kind="cron", cron="0 9 * * *", timezone="UTC")
    due = utcnow() - timedelta(seconds=1)
    with sqlite_engine.begin() as c:
        c.execute(update(T.tasks).where(T.tasks.c.id == tid).values(cron="0 9 31 2 *"))
        c.execute(update(T.triggers).where(T.triggers.c.task_id == tid).values(cron="0 9 31 2 *", next_fire_at=due))
    fires = fire_due(sqlite_engine)
    assert len(fires) == 1 and fires[0].run_id is not None
    with sqlite_engine.connect() as c:
        assert c.execute(select(T.triggers.c.next_fire_at)).scalar_one() is None


def test_update_of_a_one_off_task_stored_with_a_cron_drops_it_instead_of_refusing(sqlite_engine):
    t = create_task(sqlite_engine, TaskSpec(name="x", business="b"))
    with sqlite_engine.begin() as c:  # the API stored it unchecked before
        c.execute(update(T.tasks).where(T.tasks.c.id == t.id).values(cron="garbage"))
    assert update_task(sqlite_engine, t.id, {"max_concurrent": 3}).cron is None
    with pytest.raises(TaskError, match="cron: a one-off task"):
        update_task(sqlite_engine, t.id, {"cron": "0 9 * * *"})
