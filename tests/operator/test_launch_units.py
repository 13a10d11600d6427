"""The launch wizard's plain-data logic: column guessing, mapping checks, form validation, the
cron preview in words, and the TaskSpec it hands the core."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from runtime.campaigns.tasks import TaskSpec
from web.launch.wizard import (
    Draft,
    changed_fields,
    check_mapping,
    cron_problem,
    guess_mapping,
    next_runs,
    parse_numbers_form,
    parse_settings_form,
    to_spec,
)

GOOD = {"schedule": "now", "timezone": "Asia/Shanghai", "windows": "09:00-12:00,13:30-20:00", "max_concurrent": "5",
        "calls_per_second": "1.5", "priority": "3", "redial_count": "2", "redial_interval_min": "10",
        "redial_outcomes": ["no_answer", "busy"], "call_secondary": "on", "caller_id": "+8657188880000",
        "voice": "zh-CN-XiaoxiaoNeural", "agent_group": "A组", "misfire": "skip", "business_type": "service",
        "region_policy": "cn", "answer_mode": "on", "answer_on_machine": "message", "answer_message": "稍后再联系您",
        "best_time": "1", "dedupe_days": "7"}


def test_guess_mapping_knows_chinese_headers_and_the_name_variable() -> None:
    m = guess_mapping(["客户编号", "手机号", "姓名", "备用电话", "arrears"], ["name", "arrears", "plan"])
    assert m["phone"] == "手机号" and m["name"] == "姓名" and m["secondary_phone"] == "备用电话"
    assert m["customer_id"] == "客户编号"
    assert m["variables"] == {"name": "姓名", "arrears": "arrears"}  # plan has no column: left for the operator


def test_guess_mapping_never_maps_one_column_to_two_fields() -> None:
    m = guess_mapping(["Phone Number", "id"], [])
    assert m == {"phone": "Phone Number", "customer_id": "id"}


def test_check_mapping_names_each_problem_by_field() -> None:
    problems = check_mapping({"name": "nom", "variables": {"fee": "fee"}}, ["phone", "fee"], {"fee", "arrears"})
    assert problems["map_phone"][0] == "launch.err.phone_unmapped"
    assert problems["map_name"] == ("launch.err.no_column", {"column": "nom"})
    assert problems["var_arrears"] == ("launch.err.var_unmapped", {"var": "arrears"})
    assert "var_fee" not in problems
    assert check_mapping({"phone": "phone", "variables": {"fee": "fee"}}, ["phone", "fee"], {"fee"}) == {}


def test_numbers_form_requires_name_business_script_and_a_list() -> None:
    d = Draft(wid="w")
    problems = parse_numbers_form(d, {"name": " ", "business": "", "numbers": "upload"})
    assert set(problems) == {"name", "business", "script", "file"}
    d = Draft(wid="w", upload_path="/tmp/x.csv")
    assert parse_numbers_form(d, {"name": "n", "business": "b", "script": "s@3", "numbers": "upload",
                                  "map_phone": "tel", "var_fee": "fee"}) == {}
    assert (d.script_id, d.script_version) == ("s", 3)
    assert d.mapping == {"phone": "tel", "variables": {"fee": "fee"}}


def test_numbers_form_source_and_audience() -> None:
    d = Draft(wid="w")
    p = parse_numbers_form(d, {"name": "n", "business": "b", "script": "s@1", "numbers": "source", "source_id": "x",
                               "query": "select 1", "query_params": "city=杭州, bad"})
    assert p["source_id"][0] == "launch.err.required" and p["query_params"][0] == "launch.err.pairs"
    assert d.query_params == {"city": "杭州"}
    d = Draft(wid="w")
    assert parse_numbers_form(d, {"name": "n", "business": "b", "script": "s@1", "numbers": "audience",
                                  "audience_id": "4"}) == {}
    assert d.audience_id == 4 and to_spec(d, None).audience_id == 4
    d.numbers = "evil"
    parse_numbers_form(d, {"numbers": "<script>"})
    assert d.numbers == "upload"  # an unknown kind is not kept


def test_settings_form_good_values_reach_the_spec() -> None:
    d = Draft(wid="w", name="n", business="b", script_id="s", script_version=2, upload_path="/x.csv",
              mapping={"phone": "tel"})
    assert parse_settings_form(d, GOOD) == {}
    spec = to_spec(d, 17)
    assert spec == TaskSpec(
        name="n", business="b", source_id=17, mapping={"phone": "tel"}, schedule_kind="once", cron=None,
        timezone="Asia/Shanghai", once_at=None, script_id="s", script_version=2, voice="zh-CN-XiaoxiaoNeural",
        caller_id="+8657188880000", priority=3, redial_count=2, redial_interval_s=600,
        redial_outcomes="no_answer,busy", call_secondary=True, windows="09:00-12:00,13:30-20:00", max_concurrent=5,
        calls_per_second=1.5, agent_group="A组", dedupe_days=7, misfire="skip", best_time=True, answer_mode="on",
        answer_on_machine="message", answer_message="稍后再联系您", business_type="service", region_policy="cn",
    )


def test_settings_form_once_and_cron() -> None:
    d = Draft(wid="w")
    assert parse_settings_form(d, {**GOOD, "schedule": "once", "once_at": "2027-01-05T09:30",
                                   "timezone": "Europe/London"}) == {}
    spec = to_spec(d, None)
    assert spec.schedule_kind == "once" and spec.once_at is not None
    assert spec.once_at.astimezone(UTC) == datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
    assert parse_settings_form(d, {**GOOD, "schedule": "once", "once_at": ""})["once_at"][0] == "launch.err.once_at"
    assert parse_settings_form(d, {**GOOD, "schedule": "cron", "cron": "0 9 * * 1-5"}) == {}
    assert to_spec(d, None).cron == "0 9 * * 1-5" and to_spec(d, None).schedule_kind == "cron"


@pytest.mark.parametrize(("cron", "key"), [
    ("0 9 31 2 *", "launch.err.cron_never"),
    ("0 9 * *", "launch.err.cron_fields"),
    ("61 9 * * *", "launch.err.cron_invalid"),
    ("0 9 * * mon-xyz", "launch.err.cron_invalid"),
    ("", "launch.err.required"),
])
def test_impossible_cron_is_refused_by_field(cron: str, key: str) -> None:
    problems = parse_settings_form(Draft(wid="w"), {**GOOD, "schedule": "cron", "cron": cron})
    assert problems["cron"][0] == key
    assert cron_problem(cron, "Asia/Shanghai") == problems["cron"]


@pytest.mark.parametrize(("field", "value"), [
    ("windows", "9-5"), ("max_concurrent", "0"), ("max_concurrent", "abc"), ("calls_per_second", "0"),
    ("calls_per_second", "fast"), ("priority", "10"), ("redial_count", "21"), ("caller_id", "CALL-ME"),
    ("voice", '"><script>alert(1)</script>'), ("timezone", "Mars/Olympus"), ("region_policy", "../etc"),
    ("answer_message", ""),
])
def test_bad_settings_are_named(field: str, value: str) -> None:
    problems = parse_settings_form(Draft(wid="w"), {**GOOD, field: value})
    assert field in problems, problems


def test_redial_needs_an_outcome_and_unknown_outcomes_are_not_kept() -> None:
    d = Draft(wid="w")
    problems = parse_settings_form(d, {**GOOD, "redial_outcomes": ["bogus"]})
    assert problems["redial_outcomes"][0] == "launch.err.redial_outcomes"
    assert parse_settings_form(d, {**GOOD, "redial_count": "0", "redial_outcomes": "busy"}) == {}
    assert d.redial_outcomes == "busy"


def test_next_runs_in_words_in_both_languages() -> None:
    after = datetime(2026, 12, 7, 16, 0, tzinfo=UTC)  # Tuesday 00:00 in Shanghai
    zh = next_runs("0 9 * * 1-5", "Asia/Shanghai", "zh", after)
    assert zh == ["2026年12月8日 周二 09:00", "2026年12月9日 周三 09:00", "2026年12月10日 周四 09:00",
                  "2026年12月11日 周五 09:00", "2026年12月14日 周一 09:00"]
    en = next_runs("30 8 1 * *", "Europe/London", "en", after)
    assert en[0] == "Friday 1 January 2027, 08:30" and len(en) == 5


def test_draft_survives_the_session_and_ignores_unknown_keys() -> None:
    d = Draft(wid="w", name="x", query_params={"a": "1"}, mapping={"phone": "p", "variables": {"v": "c"}})
    assert Draft.from_dict({**d.to_dict(), "injected": 1}) == d
    assert d.variables == {"v": "c"}


def test_changed_fields_are_only_what_a_task_may_change() -> None:
    task: Any = SimpleNamespace(**{**to_spec(Draft(wid="w", name="t", business="b", script_id="s"), 3).__dict__})
    d = Draft(wid="w", name="t", business="other", script_id="another", max_concurrent=9)
    changes = changed_fields(d, task)
    assert changes == {"max_concurrent": 9}  # business and script stay those the task was made with


def test_a_wizard_file_is_its_owners_only_and_swept_when_old(tmp_path: Any) -> None:
    import os

    from web.launch import state

    d = Draft(wid=state.new_wid(), name="n")
    state.save(tmp_path, "operator", d)
    assert state.load(tmp_path, "operator", d.wid) == d
    assert state.load(tmp_path, "admin", d.wid) is None  # another user's wizard is not found
    assert state.load(tmp_path, "operator", "../../etc/passwd") is None
    listing = state.store_upload(tmp_path, d.wid, "名单.CSV", b"phone\n1\n")
    assert listing.name == f"{d.wid}.csv" and (listing.stat().st_mode & 0o777) == 0o600
    with pytest.raises(ValueError):
        state.store_upload(tmp_path, d.wid, "evil.sh", b"#!")
    d.upload_path = str(listing)
    state.save(tmp_path, "operator", d)
    state.drop(tmp_path, "admin", d.wid)  # not theirs: nothing happens
    assert listing.exists()
    old = time.time() - state.MAX_AGE_S - 60
    for p in state.wizard_dir(tmp_path).iterdir():
        os.utime(p, (old, old))
    assert state.sweep(tmp_path) == 2 and not listing.exists()
    assert state.load(tmp_path, "operator", d.wid) is None


def test_an_xlsx_list_reads_like_a_csv(tmp_path: Any) -> None:
    import openpyxl

    from web.launch.numbers import read_rows

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["手机号", "姓名", "欠费"])
    ws.append([13900000001, "张三", 36.5])
    ws.append(["13900000002", "李四", 12])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    got = read_rows(None, "upload", upload=str(path))  # type: ignore[arg-type]  # a file needs no database
    assert got.problem is None and got.columns == ["手机号", "姓名", "欠费"] and len(got.rows) == 2
    assert guess_mapping(got.columns, ["arrears"]) == {"phone": "手机号", "name": "姓名"}
    (tmp_path / "empty.csv").write_text("phone,name\n", encoding="utf-8")
    assert read_rows(None, "upload", upload=str(tmp_path / "empty.csv")).problem == (  # type: ignore[arg-type]
        "launch.err.no_rows", {"bad": 0})
