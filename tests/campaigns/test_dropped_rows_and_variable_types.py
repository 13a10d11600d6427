"""Every dropped row is reported with its line and reason, and variable values are checked against
the types the script declares (a value the script cannot speak is dropped)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from runtime.campaigns.compliance import ScreenContext, check_row_variables, screen, variable_types
from runtime.campaigns.mapping import CustomerRow
from tests.support.cli import invoke

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


NOON_CN = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def _task(url: str, tmp: Path) -> int:
    seed = tmp / "seed.csv"
    seed.write_text("phone,fee\n13900000001,1\n", encoding="utf-8")
    out = invoke(["campaign", "--db", url, "create", "--name", "t", "--business", "data", "--script", "data-pack-upgrade",
                "--file", str(seed), "--var", "extra_fee=fee", "--windows", "", "--json"]).output
    return int(json.loads(out)["id"])


def test_variable_types_follow_the_script_declaration():
    doc = json.loads((LIB / "mobile_semi_suspension.json").read_text())
    assert variable_types(doc) == {"arrears": "amount"}  # the string 'name' is never wrong
    types = {"arrears": "amount", "due": "date", "days": "number", "tel": "phone"}
    assert check_row_variables({"arrears": "36.5", "due": "2026-03-01", "days": 4, "tel": "13800000010"}, types) is None
    assert check_row_variables({"arrears": ""}, types) is None  # required-ness is the call's check
    assert check_row_variables({"arrears": "notanumber"}, types) == "variable 'arrears' (amount): 'notanumber' is not a number"
    assert check_row_variables({"days": "nan"}, types) == "variable 'days' (number): 'nan' is not a number"
    assert "'2026-13-01'" in (check_row_variables({"due": "2026-13-01"}, types) or "")
    assert "not a phone number" in (check_row_variables({"tel": "abc"}, types) or "")


def test_screen_drops_rows_with_bad_variables_by_line():
    rows = [CustomerRow(2, "13800000010", variables={"arrears": "12.5"}),
            CustomerRow(3, "13800000020", variables={"arrears": "not-a-number"}),
            CustomerRow(4, "13800000030", variables={"arrears": 7})]
    ctx = ScreenContext(now_utc=NOON_CN, variable_types={"arrears": "amount"})
    got = [(v.row.row_no, v.state, v.reason) for v in screen(rows, ctx)]
    assert got == [(2, "queued", None), (3, "dropped", "bad_variable"), (4, "queued", None)]
    (bad,) = [v for v in screen(rows, ctx) if v.state == "dropped"]
    assert bad.message == "row 3: variable 'arrears' (amount): 'not-a-number' is not a number"
    # without declared types (an unknown script) nothing is checked
    assert all(v.state == "queued" for v in screen(rows, ScreenContext(now_utc=NOON_CN)))


def test_add_numbers_reports_every_dropped_row_with_line_and_reason(intake_env):
    url, tmp, _ = intake_env
    tid = _task(url, tmp)
    lst = tmp / "list_gbk.csv"
    lst.write_text("phone,fee,名字\n13800000010,3,张三\n,3,空\nabc,3,x\n13800000010,3,重复\n12345,3,y\n13800000050,4\n"
                   "13800000060,5,好\n", encoding="gbk")
    res = invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"])
    out = json.loads(res.stdout)
    assert out["queued"] == 2
    got = [(d["line"], d["reason"]) for d in out["dropped_rows"]]
    assert got == [(3, "empty"), (4, "bad_format"), (5, "duplicate_in_list"), (6, "invalid_number"), (7, "bad_row")]
    assert all(d["message"] and not d["message"].startswith(("row", "line")) for d in out["dropped_rows"])
    assert "13800000010" in out["dropped_rows"][2]["message"]
    res = invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst)])
    assert "line 4: bad_format:" in res.stderr and "line 7: bad_row:" in res.stderr


def test_add_numbers_terminal_shows_the_first_50_drops_json_all(intake_env):
    url, tmp, _ = intake_env
    tid = _task(url, tmp)
    lst = tmp / "many.csv"
    lst.write_text("phone,fee\n" + "nophone,1\n" * 60 + "13800000010,1\n", encoding="utf-8")
    term = invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst)]).stderr
    assert term.count(": bad_format:") == 50 and "and 10 more dropped rows" in term
    assert "line 51: bad_format" in term and "line 52: bad_format" not in term
    js = json.loads(invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert len(js["dropped_rows"]) == 61  # the second time the good number is a duplicate of a queued job too
    assert js["dropped_rows"][-1]["line"] == 62


def test_add_numbers_drops_a_value_the_script_cannot_speak(intake_env):
    """The task's approved script declares extra_fee as an amount: 'notanumber' is dropped at intake."""
    url, tmp, _ = intake_env
    tid = _task(url, tmp)
    lst = tmp / "fees.csv"
    lst.write_text("phone,fee\n13800000071,12.5\n13800000072,notanumber\n", encoding="utf-8")
    out = json.loads(invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert out["queued"] == 1
    (drop,) = out["dropped_rows"]
    assert (drop["line"], drop["reason"]) == (3, "bad_variable")
    assert "extra_fee" in drop["message"] and "notanumber" in drop["message"]
