"""Pure rules: the SQL guard, the compliance screen order, windows, redial policy, pacing, cron."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runtime.campaigns.compliance import Caps, ScreenContext, screen
from runtime.campaigns.cronspec import CronError, check_cron, next_fire
from runtime.campaigns.mapping import ColumnMapping, CustomerRow, MappingError, SourceRow
from runtime.campaigns.pacing import TokenBucket, spread_rate
from runtime.campaigns.policy import RedialPolicy, next_step, parse_outcomes
from runtime.campaigns.sqlguard import UnsafeQuery, check_select
from runtime.campaigns.windows import WindowError, parse_windows

NOON_CN = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 Asia/Shanghai


@pytest.mark.parametrize("kind", ["postgresql", "mysql", "oracle"])
@pytest.mark.parametrize(
    ("sql", "needle"),
    [
        ("insert into t values (1)", "INSERT"),
        ("update t set a = 1", "UPDATE"),
        ("delete from t", "DELETE"),
        ("drop table t", "DROP"),
        ("create table x as select 1 as a", "CREATE"),
        ("select 1; drop table t", "exactly one statement"),
        ("select * from t for update", "locking"),
        ("select * into x from t", "INTO"),
        ("select * from t into outfile '/tmp/x'", "OUTFILE"),
        ("", "empty"),
    ],
)
def test_sql_guard_rejects_writes(kind, sql, needle):
    with pytest.raises(UnsafeQuery, match=needle):
        check_select(sql, kind)


def test_sql_guard_accepts_reads_and_literals():
    assert check_select("select 'drop table t' as a from t where b = :b;") == "SELECT 'drop table t' AS a FROM t WHERE b = :b"
    check_select("with x as (select 1 as a) select a from x union select 2", "mysql")
    with pytest.raises(UnsafeQuery, match="DELETE"):
        check_select("with d as (delete from t returning *) select * from d")


def _rows(*phones, phone2=None):
    return [CustomerRow(i + 2, p, phone2) for i, p in enumerate(phones)]


def test_screen_applies_checks_in_order_and_records_every_reason():
    ctx = ScreenContext(
        now_utc=NOON_CN,
        global_blacklist={"+8613800000001", "+8613800000003"},
        task_blacklist={"+8613800000002", "+8613800000003"},
        recent_business={"+8613800000004", "+8613800000005"},
        counts={"+8613800000005": (9, 9, 9), "+8613800000006": (2, 2, 2), "+8613800000007": (0, 5, 5), "+8613800000008": (0, 0, 10)},
        caps=Caps(2, 5, 10),
        windows=parse_windows("09:00-18:00"),
    )
    phones = ["bad", "13800000001", "13800000002", "13800000003", "13800000004", "13800000005",
              "13800000006", "13800000007", "13800000008", "13800000009", "13800000009"]
    out = list(screen(_rows(*phones), ctx))
    assert [v.reason for v in out] == [
        "bad_format", "blacklisted", "blacklisted_task", "blacklisted", "recent_business", "recent_business",
        "cap_day", "cap_week", "cap_month", None, "duplicate_in_list",
    ]
    assert out[-2].state == "queued" and out[-2].not_before is None
    assert "row 12" in (out[-1].message or "") and "row 11" in (out[-1].message or "")
    assert all(v.message for v in out if v.state == "dropped")


def test_outside_window_defers_to_next_opening_in_customer_zone():
    ctx = ScreenContext(now_utc=datetime(2026, 3, 2, 14, 0, tzinfo=UTC), windows=parse_windows("09:00-12:00,14:00-20:00"))  # 22:00 CN
    (v,) = screen(_rows("13800000009"), ctx)
    assert v.state == "queued" and v.not_before == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 CN next day
    (us,) = screen(_rows("+12015550123"), ScreenContext(now_utc=datetime(2026, 3, 2, 14, 0, tzinfo=UTC), windows=parse_windows("09:00-20:00")))
    assert us.not_before is None  # 09:00 in New Jersey
    assert "deferred" in (v.note or "")


def test_secondary_number_is_validated_and_invalid_one_noted():
    ctx = ScreenContext(now_utc=NOON_CN)
    a, b = screen([CustomerRow(2, "13800000009", "13900000009"), CustomerRow(3, "13800000019", "xx")], ctx)
    assert a.phone2 == "+8613900000009"
    assert b.phone2 is None and "secondary number ignored" in (b.note or "")


def test_windows_parse_errors_and_overlaps():
    with pytest.raises(WindowError, match="25:00"):
        parse_windows("09:00-25:00")
    with pytest.raises(WindowError, match="overlap"):
        parse_windows("09:00-12:00,11:00-13:00")
    with pytest.raises(WindowError, match="ends before"):
        parse_windows("12:00-09:00")
    w = parse_windows("20:00-24:00")
    assert w.is_open(datetime(2026, 1, 1, 15, 30, tzinfo=UTC), "Asia/Shanghai")  # 23:30 CN
    assert w.seconds_left(datetime(2026, 1, 1, 15, 30, tzinfo=UTC), "Asia/Shanghai") == pytest.approx(1800)


def test_redial_then_secondary_then_done():
    p = RedialPolicy(count=1, interval_s=60, outcomes=parse_outcomes("no_answer"), call_secondary=True)
    now = NOON_CN
    assert next_step(p, "primary", 1, "no_answer", "+8613900000001", now).action == "redial"
    assert next_step(p, "primary", 1, "no_answer", None, now).not_before == now + timedelta(seconds=60)
    s = next_step(p, "primary", 2, "no_answer", "+8613900000001", now)
    assert (s.action, s.phone, s.leg) == ("secondary", "+8613900000001", "secondary")
    assert next_step(p, "primary", 1, "busy", "+8613900000001", now).action == "secondary"
    assert next_step(p, "primary", 1, "rejected", "+8613900000001", now).action == "done"
    assert next_step(p, "secondary", 2, "no_answer", "+8613900000001", now).action == "done"
    assert next_step(p, "primary", 1, "connected", "+8613900000001", now).action == "done"
    with pytest.raises(ValueError, match="hung"):
        parse_outcomes("no_answer,hung")


def test_token_bucket_limits_rate_with_virtual_time():
    b = TokenBucket(rate=5)
    granted = 0
    t = 0.0
    while t < 10.0:
        granted += b.take(100, t)
        t += 0.01
    assert 48 <= granted <= 52
    assert spread_rate(10, 100, 1000) == pytest.approx(0.1)
    assert spread_rate(10, 100_000, 1000) == 10


def test_cron_validation_and_time_zone():
    assert next_fire("0 9 * * *", "Asia/Shanghai", datetime(2026, 1, 1, 2, 0, tzinfo=UTC)) == datetime(2026, 1, 2, 1, 0, tzinfo=UTC)
    assert next_fire("0 9 * * *", "America/New_York", datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)  # 08:00 EDT -> 09:00 EDT
    with pytest.raises(CronError, match="hour field: 24"):
        check_cron("0 24 * * *")
    with pytest.raises(CronError, match="5"):
        check_cron("0 9 * *")
    with pytest.raises(CronError, match="time zone"):
        check_cron("0 9 * * *", "Mars/Base")


def test_mapping_names_missing_columns():
    m = ColumnMapping.from_dict({"phone": "mobile", "name": "nm", "variables": {"amount": "bal"}})
    rows = [SourceRow(2, {"mobile": "13800000009", "nm": "张三", "bal": 12.5})]
    (r,) = m.apply(rows)
    assert (r.phone, r.name, dict(r.variables)) == ("13800000009", "张三", {"amount": 12.5})
    with pytest.raises(MappingError, match="'bal'"):
        list(m.apply([SourceRow(2, {"mobile": "1", "nm": "x"})]))
    with pytest.raises(MappingError, match="unknown"):
        ColumnMapping.from_dict({"phon": "x"})


def test_task_validation_messages_name_the_field(sqlite_engine):
    from runtime.campaigns.tasks import TaskError, TaskSpec, create_task

    def bad(match, **kw):
        spec = TaskSpec(name=kw.pop("name", "t"), business=kw.pop("business", "b"), **kw)
        with pytest.raises(TaskError, match=match):
            create_task(sqlite_engine, spec)

    bad("^cron: a cron schedule needs", schedule_kind="cron")
    bad("^redial_outcomes: unknown outcome", redial_outcomes="no_answer,maybe")
    bad("^business", business=" ")
    bad("^max_concurrent", max_concurrent=0)
    bad("^source: no data source with id 7", source_id=7)
    bad("^misfire", misfire="always")
