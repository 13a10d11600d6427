"""Audit defects of call tasks: impossible cron schedules, a mapping that lacks a required script
variable, calls cancelled before dialling counted as calls, bad secondary numbers not reported,
the dedupe message for queued numbers, the secondary leg's compliance screen, CSV quotes that
swallow rows, and the accepted URL schemes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from campaign_helpers import rows, running_task
from click.testing import CliRunner
from sqlalchemy import select, update

from huashu.cli import cli
from runtime.campaigns import blacklist
from runtime.campaigns import tables as T
from runtime.campaigns.claims import CallReport, claim, finish_attempt, start_attempt
from runtime.campaigns.clock import utcnow
from runtime.campaigns.cronspec import CronError, check_cron, next_fire
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.queue import count_calls
from runtime.campaigns.scheduler import fire_due
from runtime.campaigns.tasks import (
    TaskError,
    TaskSpec,
    TaskStateError,
    create_task,
    get_task,
    set_status,
    update_task,
)
from runtime.campaigns.uploads import RowError, read_csv_text

SID = "data-pack-upgrade"


def _run(args: list[str], code: int = 0):
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res


@pytest.fixture
def env(cli_db, tmp_path):
    url, engine = cli_db
    lst = tmp_path / "list.csv"
    lst.write_text("phone,fee\n13800000010,20\n13800000021,35\n", encoding="utf-8")
    yield url, tmp_path, engine, lst


def _create(url: str, *extra: str, code: int = 0):
    return _run(["campaign", "--db", url, "create", "--name", "t", "--business", "data", "--script", SID, *extra], code)


# --- 1: a cron that never fires ---------------------------------------------------------------


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


def test_cli_refuses_an_impossible_cron_and_start_of_a_stored_one_says_why(env):
    url, _, engine, lst = env
    out = _create(url, "--file", str(lst), "--var", "extra_fee=fee", "--cron", "0 9 31 2 *", code=2).output
    assert "--cron" in out and "never fires" in out and "day of month" in out
    tid = json.loads(_create(url, "--file", str(lst), "--var", "extra_fee=fee", "--cron", "0 9 * * *", "--json").output)["id"]
    with engine.begin() as c:  # stored before the check existed
        c.execute(update(T.tasks).where(T.tasks.c.id == tid).values(cron="0 9 31 2 *"))
    out = _run(["campaign", "--db", url, "start", str(tid)], 1).output
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


# --- 2: a required script variable the mapping does not supply ------------------------------


def test_cli_refuses_a_task_whose_mapping_lacks_a_required_variable(env):
    url, tmp, engine, lst = env
    out = _create(url, "--file", str(lst), code=1).output
    assert "extra_fee" in out and "--var" in out
    with engine.connect() as c:  # refused, not stored, and the upload removed
        assert c.execute(select(T.tasks.c.id)).first() is None
        assert c.execute(select(T.sources.c.id)).first() is None
    assert "created task" in _create(url, "--file", str(lst), "--var", "extra_fee=fee").output


def test_core_refuses_at_creation_update_and_start_naming_the_variables(env):
    url, tmp, engine, lst = env
    tid = json.loads(_create(url, "--file", str(lst), "--var", "extra_fee=fee", "--json").output)["id"]
    with pytest.raises(TaskError, match="requires variable.*extra_fee"):
        update_task(engine, tid, {"mapping": {"phone": "phone"}})
    with engine.begin() as c:  # a mapping stored before the check: start refuses it
        c.execute(update(T.tasks).where(T.tasks.c.id == tid).values(mapping=json.dumps({"phone": "phone"})))
    out = _run(["campaign", "--db", url, "start", str(tid)], 1).output
    assert f"cannot start task {tid}" in out and "extra_fee" in out
    with pytest.raises(TaskStateError, match="extra_fee"):  # the web operator page calls this
        from runtime.campaigns.scripts import store_resolver

        set_status(engine, tid, "start", store_resolver(engine))


def test_start_checks_the_resolved_script_when_the_store_does_not_have_it(sqlite_engine, tmp_path):
    from runtime.campaigns.sources import SourceSpec, save_source

    f = tmp_path / "l.csv"
    f.write_text("phone,fee\n13800000010,1\n", encoding="utf-8")
    source_id = save_source(sqlite_engine, "l", SourceSpec(kind="csv", path=str(f)))
    doc = {"format": "huashu.script/1", "id": "own", "name": "own", "language": "zh-CN", "start": "a",
           "variables": {"fee": {"type": "amount", "required": True}},
           "nodes": [{"id": "a", "type": "end", "outcome": "done", "prompt": {"text": "${fee} ${who}"}}]}
    t = create_task(sqlite_engine, TaskSpec(name="x", business="b", script_id="own", source_id=source_id,
                                            mapping={"phone": "phone", "variables": {"fee": "fee"}}))
    with pytest.raises(TaskStateError, match=r"requires variable\(s\) who"):  # used in a prompt, undeclared
        set_status(sqlite_engine, t.id, "start", lambda sid, v: doc)


def test_cli_add_numbers_refuses_a_mapping_without_the_variable(env):
    url, tmp, _, lst = env
    tid = json.loads(_create(url, "--numbers-later", "--json").output)["id"]
    out = _run(["campaign", "--db", url, "add-numbers", str(tid), str(lst)], 1).output
    assert "extra_fee" in out


def _dial(engine, tid: int, report: CallReport) -> None:
    (job,) = claim(engine, "n", tid, 1)
    att = start_attempt(engine, job, "n")
    assert att is not None
    finish_attempt(engine, att, job, report, get_task(engine, tid), "n")


def test_a_call_cancelled_before_dialling_counts_neither_for_dedupe_nor_caps(engine):
    t1 = running_task(engine, business="data")
    add_numbers(engine, t1, rows(["13800000010"]))
    _dial(engine, t1, CallReport("cancelled", cause="bad_variables: script 's1' needs variable(s) fee"))
    with engine.connect() as c:
        assert count_calls(c, utcnow()) == {}
    t2 = running_task(engine, business="data", name="t2")
    _, stats = add_numbers(engine, t2, rows(["13800000010"]))
    assert stats.queued == 1 and stats.reasons == {}
    # a call that was placed does count
    _dial(engine, t2, CallReport("no_answer"))
    t3 = running_task(engine, business="data", name="t3")
    _, stats = add_numbers(engine, t3, rows(["13800000010"]))
    assert stats.reasons == {"recent_business": 1}


# --- 4: a bad secondary number is reported -----------------------------------------------------


def test_add_numbers_reports_a_bad_secondary_number_and_keeps_the_primary(env):
    url, tmp, engine, _ = env
    tid = json.loads(_create(url, "--numbers-later", "--var", "extra_fee=fee", "--map", "secondary_phone=p2",
                             "--windows", "", "--json").output)["id"]
    lst = tmp / "two.csv"
    lst.write_text("phone,p2,fee\n13800000010,abc,1\n13800000021,13900000021,2\n13800000032,,3\n", encoding="utf-8")
    out = json.loads(_run(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert out["queued"] == 3 and out["flags"] == {"bad_secondary": 1}
    assert [(f["line"], f["reason"]) for f in out["flagged_rows"]] == [(2, "bad_secondary")]
    assert "'abc'" in out["flagged_rows"][0]["message"] and "primary number is kept" in out["flagged_rows"][0]["message"]
    lst.write_text("phone,p2,fee\n13800000043,abc,1\n", encoding="utf-8")
    res = _run(["campaign", "--db", url, "add-numbers", str(tid), str(lst)])
    assert "flagged bad_secondary: 1" in res.stdout and "line 2: bad_secondary: secondary number ignored" in res.stderr


# --- 5: the dedupe message says queued or called -------------------------------------------


def test_dedupe_message_says_queued_for_a_number_not_called_yet(engine):
    t1 = running_task(engine, business="data")
    add_numbers(engine, t1, rows(["13800000010", "13800000021"]))
    _dial(engine, t1, CallReport("busy"))  # the first one is called, the second still queued
    t2 = running_task(engine, business="data", name="t2")
    run, _ = add_numbers(engine, t2, rows(["13800000010", "13800000021"]))
    with engine.connect() as c:
        got = c.execute(select(T.jobs.c.phone, T.jobs.c.drop_reason, T.jobs.c.drop_message)
                        .where(T.jobs.c.run_id == run).order_by(T.jobs.c.row_no)).all()
    assert [g[1] for g in got] == ["recent_business", "recent_business"]
    assert "was called for this business in the last 30 days" in got[0][2]
    assert "already queued for this business (not called yet)" in got[1][2] and "called for" not in got[1][2]


# --- 6: the secondary number passes the same screen ----------------------------------------


def _secondary_after_failed_primary(engine, tid: int) -> tuple[str, str | None, str | None]:
    add_numbers(engine, tid, rows(["13800000010"], {"13800000010": "13900000021"}))
    _dial(engine, tid, CallReport("no_answer"))
    with engine.connect() as c:
        r = c.execute(select(T.jobs.c.state, T.jobs.c.leg, T.jobs.c.note).where(T.jobs.c.task_id == tid)).one()
    return r.state, r.leg, r.note


def test_secondary_number_called_for_the_business_is_not_called_again(engine):
    t0 = running_task(engine, business="data", name="earlier")
    add_numbers(engine, t0, rows(["13900000021"]))
    _dial(engine, t0, CallReport("no_answer"))  # the secondary number was called for this business
    tid = running_task(engine, business="data", call_secondary=True)
    state, leg, note = _secondary_after_failed_primary(engine, tid)
    assert (state, leg) == ("done", "primary")
    assert "secondary number not called" in note and "(recent_business)" in note and "was called" in note


def test_secondary_number_queued_for_the_business_is_not_queued_twice(engine):
    t0 = running_task(engine, business="data", name="earlier")
    add_numbers(engine, t0, rows(["13900000021"]))  # queued, not called yet
    tid = running_task(engine, business="data", call_secondary=True)
    state, _, note = _secondary_after_failed_primary(engine, tid)
    assert state == "done" and "already queued" in note and "(recent_business)" in note


def test_secondary_screen_order_blacklist_before_dedupe_and_other_business_is_free(engine):
    t0 = running_task(engine, business="data", name="earlier")
    add_numbers(engine, t0, rows(["13900000021"]))
    _dial(engine, t0, CallReport("no_answer"))
    blacklist.add(engine, "13900000021")
    tid = running_task(engine, business="data", call_secondary=True)
    state, _, note = _secondary_after_failed_primary(engine, tid)
    assert state == "done" and "(blacklisted)" in note
    other = running_task(engine, business="loans", call_secondary=True, name="other")
    blacklist.remove(engine, "13900000021")
    state, leg, _ = _secondary_after_failed_primary(engine, other)
    assert (state, leg) == ("queued", "secondary")


# --- 7: an unterminated quote ---------------------------------------------------------------


def test_unterminated_quote_is_named_by_its_line_and_the_rows_after_it_are_kept():
    text = "phone,name\n13800000010,a\n13800000021,b\n13800000032,\"c\n13800000043,d\n13800000054,e\n13800000065,f\n"
    errors: list[RowError] = []
    got = [(r.row_no, r.values["phone"]) for r in read_csv_text(text, errors)]
    assert got == [(2, "13800000010"), (3, "13800000021"), (5, "13800000043"), (6, "13800000054"), (7, "13800000065")]
    assert [e.row_no for e in errors] == [4]
    assert "unterminated quote" in errors[0].message and "line 7" in errors[0].message


def test_a_quote_closing_lines_later_does_not_swallow_them():
    text = "phone,name\n13800000010,\"a\n13800000021,b\n13800000032,\"c\n13800000043,d\n"
    errors: list[RowError] = []
    got = [r.row_no for r in read_csv_text(text, errors)]
    assert got == [3, 5] and [e.row_no for e in errors] == [2, 4]
    # real multi-line cells and a one-line quirk still read as before
    errors = []
    got2 = [(r.row_no, r.values["name"]) for r in read_csv_text('phone,name\n1,"two\nlines"\n2,"Zhang" San\n', errors)]
    assert got2 == [(2, "two\nlines"), (4, "Zhang San")] and errors == []


def test_add_numbers_reports_the_unterminated_quote_line(env):
    url, tmp, _, _ = env
    tid = json.loads(_create(url, "--numbers-later", "--var", "extra_fee=fee", "--windows", "", "--json").output)["id"]
    lst = tmp / "q.csv"
    lst.write_text("phone,fee\n13800000010,1\n13800000021,\"2\n13800000032,3\n13800000043,4\n", encoding="utf-8")
    out = json.loads(_run(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert out["queued"] == 3 and [(d["line"], d["reason"]) for d in out["dropped_rows"]] == [(3, "bad_row")]
    assert "unterminated quote" in out["dropped_rows"][0]["message"]


# --- 8: accepted URL schemes ----------------------------------------------------------------


def test_unsupported_url_scheme_lists_http_and_https_too(env):
    from runtime.campaigns.sources import SourceError, SourceSpec

    with pytest.raises(SourceError, match=r"'ftp'; accepted: http:// or https://.*mysql://"):
        SourceSpec.from_url("ftp://example.com/list.csv")
    with pytest.raises(SourceError, match="http:// or https:// URL"):
        SourceSpec(kind="http", http_url="ftp://example.com/list.csv")
    url, _, _, _ = env
    out = _run(["source", "--db", url, "add", "x", "--url", "ftp://example.com/list.csv"], 2).output
    assert "https://" in out and "mysql://" in out


def test_update_of_a_one_off_task_stored_with_a_cron_drops_it_instead_of_refusing(sqlite_engine):
    t = create_task(sqlite_engine, TaskSpec(name="x", business="b"))
    with sqlite_engine.begin() as c:  # the API stored it unchecked before
        c.execute(update(T.tasks).where(T.tasks.c.id == t.id).values(cron="garbage"))
    assert update_task(sqlite_engine, t.id, {"max_concurrent": 3}).cron is None
    with pytest.raises(TaskError, match="cron: a one-off task"):
        update_task(sqlite_engine, t.id, {"cron": "0 9 * * *"})
