"""Region policies: calling hours in the customer's local time, public holidays (no marketing
calls), attempts per period, a business type required, and the opening's disclosure in QA."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from designer.qa import qa
from runtime.campaigns.compliance import Caps, ScreenContext, screen
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.models import CallTask
from runtime.campaigns.regions import (
    PolicyError,
    effective_caps,
    effective_windows,
    holiday_gate,
    list_policies,
    load_policy,
)
from runtime.campaigns.tasks import TaskError, TaskSpec, TaskStateError, _check_disclosure, create_task
from runtime.campaigns.windows import parse_windows

pytestmark = pytest.mark.offline
LIBRARY = Path(__file__).parents[2] / "scripts_library"


def _ctx(policy_name: str, business_type: str, now: datetime, task_windows: str = "",
         counts: dict[str, tuple[int, int, int]] | None = None) -> ScreenContext:
    policy = load_policy(policy_name)
    windows = effective_windows(parse_windows(task_windows), policy)
    return ScreenContext(now_utc=now, windows=windows, caps=effective_caps(Caps(), policy), counts=counts or {},
                         holiday_gate=holiday_gate(policy, business_type, windows))


def test_builtin_policies_load() -> None:
    assert {"cn", "us", "eu"} <= set(list_policies())
    cn = load_policy("cn")
    assert cn.holiday_country == "CN" and cn.automated_voice and cn.max_attempts == Caps(1, 3, 6)


def test_no_marketing_calls_on_a_chinese_public_holiday() -> None:
    now = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # National Day, 10:00 in Shanghai
    [v] = screen([CustomerRow(1, "13812340001")], _ctx("cn", "marketing", now))
    assert v.state == "queued" and v.not_before is not None
    assert "public holiday (National Day) in CN" in (v.note or "")
    local = v.not_before.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.date() == date(2026, 10, 4) and (local.hour, local.minute) == (9, 0)  # first working day, hours open
    [v] = screen([CustomerRow(1, "13812340001")], _ctx("cn", "service", now))
    assert v.not_before is None  # a service call is not marketing


def test_calling_hours_in_the_customers_local_time() -> None:
    now = datetime(2026, 12, 8, 11, 30, tzinfo=UTC)  # 06:30 in New York (a Tuesday), 19:30 in Shanghai
    [v] = screen([CustomerRow(1, "+12125550123")], _ctx("us", "marketing", now))
    assert v.not_before == datetime(2026, 12, 8, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert "America/New_York" in (v.note or "")
    [v] = screen([CustomerRow(1, "13812340001")], _ctx("cn", "marketing", now))
    assert v.not_before is None  # 19:30 local: inside 13:30-20:00


def test_task_windows_are_cut_to_the_policy_hours() -> None:
    w = effective_windows(parse_windows("07:00-12:00,19:00-22:00"), load_policy("cn"))
    assert str(w) == "09:00-12:00,19:00-20:00"


def test_max_attempts_per_period() -> None:
    now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    [v] = screen([CustomerRow(1, "13812340001")], _ctx("cn", "marketing", now, counts={"+8613812340001": (1, 1, 1)}))
    assert (v.state, v.reason) == ("dropped", "cap_day")
    assert "cap 1" in (v.message or "")


def test_task_checks_its_policy(engine: Engine) -> None:
    with pytest.raises(TaskError, match="no region policy named 'mars'"):
        create_task(engine, TaskSpec(name="t", business="b", region_policy="mars"))
    with pytest.raises(TaskError, match="business_type: the region policy 'cn' needs one"):
        create_task(engine, TaskSpec(name="t", business="b", region_policy="cn"))
    with pytest.raises(TaskError, match="do not overlap"):
        create_task(engine, TaskSpec(name="t", business="b", region_policy="cn", business_type="marketing",
                                     windows="21:00-22:00"))
    t = create_task(engine, TaskSpec(name="t", business="b", region_policy="cn", business_type="marketing"))
    assert t.region_policy == "cn"


def test_custom_policy_files(tmp_path: Path) -> None:
    (tmp_path / "night.json").write_text(json.dumps({"name": "night", "calling_hours": "10:00-11:00",
                                                     "holiday_country": "CN", "no_marketing_on_holidays": True}))
    (tmp_path / "bad.json").write_text(json.dumps({"name": "bad", "calling_hours": "25:00-26:00"}))
    (tmp_path / "odd.json").write_text(json.dumps({"name": "odd", "evil": 1}))
    assert "night" in list_policies(tmp_path)
    assert str(load_policy("night", tmp_path).calling_hours) == "10:00-11:00"
    with pytest.raises(PolicyError, match="calling_hours"):
        load_policy("bad", tmp_path)
    with pytest.raises(PolicyError, match="unknown key"):
        load_policy("odd", tmp_path)


def _doc(opening: str) -> dict:
    doc = json.loads((LIBRARY / "broadband_renewal.json").read_text("utf-8"))
    start = next(n for n in doc["nodes"] if n["id"] == doc["start"])
    start["prompt"]["text"] = opening
    return doc


def test_qa_reports_a_missing_automated_voice_disclosure_when_the_policy_asks() -> None:
    plain = _doc("您好，我是联通公司的客服，您的宽带快到期了。")
    told = _doc("您好，我是联通公司的智能语音助手，您的宽带快到期了。")
    codes = lambda d, disc: {f.code for f in qa(d, disclosure=disc).findings if f.category == "compliance"}  # noqa: E731
    assert "no_automated_voice_disclosure" not in codes(plain, None)
    assert "no_automated_voice_disclosure" in codes(plain, load_policy("cn").disclosure_requirements())
    assert "no_automated_voice_disclosure" not in codes(told, load_policy("cn").disclosure_requirements())
    zh = [f for f in qa(plain, disclosure={"automated_voice": True}, lang="zh").findings
          if f.code == "no_automated_voice_disclosure"]
    assert "智能语音" in zh[0].message


def test_a_task_under_a_policy_does_not_start_without_the_disclosure() -> None:
    task = CallTask(id=7, name="t", business="b", region_policy="cn", business_type="marketing")
    with pytest.raises(TaskStateError, match="automated"):
        _check_disclosure(task, _doc("您好，我是联通公司的客服，您的宽带快到期了。"))
    _check_disclosure(task, _doc("您好，我是联通公司的智能语音助手，您的宽带快到期了。"))


def test_cli_script_qa_with_a_policy(tmp_path: Path) -> None:
    from huashu.cli import cli

    f = tmp_path / "s.json"
    f.write_text(json.dumps(_doc("您好，我是联通公司的客服，您的宽带快到期了。"), ensure_ascii=False), "utf-8")
    r = CliRunner().invoke(cli, ["script", "qa", str(f), "--json", "--no-attack", "--policy", "cn"])
    assert "no_automated_voice_disclosure" in r.output
    r = CliRunner().invoke(cli, ["script", "qa", str(f), "--json", "--no-attack", "--policy", "mars"])
    assert r.exit_code == 2 and "no region policy" in r.output


def test_a_policy_context_goes_to_the_screen_worker_pickled() -> None:
    """A big list is screened in a worker process: the holiday rule must travel with the context."""
    import pickle

    ctx = _ctx("cn", "marketing", datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    back = pickle.loads(pickle.dumps(ctx))
    [v] = screen([CustomerRow(1, "13812340001")], back)
    assert "National Day" in (v.note or "")


def test_eu_policy_uses_each_customers_own_country() -> None:
    """The eu policy spans countries: a customer's public holidays are those of the country of their
    number's time zone (14 July in Paris, 3 October in Berlin), not one country's for all."""
    from runtime.campaigns.regions import country_of_timezone, task_policy

    eu = task_policy("eu")
    assert eu is not None and eu.holiday_country == "local"
    assert country_of_timezone("Europe/Paris") == "FR" and country_of_timezone("Europe/Berlin") == "DE"
    assert eu.holiday(date(2026, 7, 14), "Europe/Paris") is not None
    assert eu.holiday(date(2026, 7, 14), "Europe/Berlin") is None
    assert eu.holiday(date(2026, 10, 3), "Europe/Berlin") is not None
    assert eu.holiday(date(2026, 10, 3), "Europe/Paris") is None
    now = datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
    assert "FR" in (eu.blocks_marketing("marketing", now, "Europe/Paris") or "")
    assert eu.blocks_marketing("marketing", now, "Europe/Berlin") is None
