"""QA fixes in data intake: blacklist import encodings (#7), every dropped row reported and
variable values checked against the script's types (#8), SQL source checks and timeouts (#10)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from huashu.cli import cli
from runtime.campaigns.blacklist import entries, import_lines
from runtime.campaigns.compliance import ScreenContext, check_row_variables, screen, variable_types
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.sources import SourceError, SourceSpec, check_connection, preview
from runtime.campaigns.uploads import RowError, decode_text, read_upload

LIB = Path(__file__).resolve().parents[2] / "scripts_library"
NOON_CN = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


@pytest.fixture
def env(cli_db, tmp_path):
    url, engine = cli_db
    yield url, tmp_path, engine


def _run(args, code=0):
    res = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res


# --- #7: blacklist import -------------------------------------------------------------

def test_decode_text_reads_bom_utf8_and_gbk_and_skips_only_an_undecodable_line():
    errors: list[RowError] = []
    assert decode_text("\ufeffphone,名字\n1\n".encode(), errors) == "phone,名字\n1\n"
    assert decode_text("phone,名字\n".encode("gbk"), errors) == "phone,名字\n"
    assert errors == []
    mixed = "phone,名字\n13800000010,张三\n".encode("gbk") + b"13800000020,\xff\xff\n" + "13800000030,李四\n".encode("gbk")
    text = decode_text(mixed, errors)
    assert [e.row_no for e in errors] == [3]
    assert "GBK" in errors[0].message
    assert text.splitlines() == ["phone,名字", "13800000010,张三", "", "13800000030,李四"]


def test_upload_with_a_bad_byte_keeps_the_other_rows(tmp_path):
    p = tmp_path / "l.csv"
    p.write_bytes("phone,name\n13800000010,张三\n".encode() + b"13800000020,\xe5\xff\n" + "13800000030,李四\n".encode())
    errors: list[RowError] = []
    rows = list(read_upload(p, errors))
    assert [r.row_no for r in rows] == [2, 4]
    assert [e.row_no for e in errors] == [3]


def test_import_lines_with_header_and_plain_list():
    pairs, bad = import_lines("手机,phone\n张三,13800000010\n李四,\n王五,13800000030\n".encode("gbk"))
    assert pairs == [(2, "13800000010"), (4, "13800000030")]
    assert bad == ["line 3: no number in column 'phone'"]
    pairs, bad = import_lines(b"13800000010\n\n13800000020\n")
    assert pairs == [(1, "13800000010"), (3, "13800000020")] and bad == []


def test_blacklist_import_gbk_file_reports_bad_lines_and_keeps_good_ones(env):
    url, tmp, engine = env
    f = tmp / "list_gbk.csv"
    f.write_bytes("姓名,phone\n张三,13800000010\n李四,notaphone\n".encode("gbk") + b"x,\xff\xfe\n"
                  + "王五,13800000030\n".encode("gbk"))
    res = _run(["blacklist", "--db", url, "import", str(f), "--json"], code=1)
    out = json.loads(res.stdout)
    assert out["added"] == 2
    assert [e.split(":")[0] for e in out["errors"]] == ["line 3", "line 4"]
    assert {e["phone"] for e in entries(engine)} == {"+8613800000010", "+8613800000030"}
    res = _run(["blacklist", "--db", url, "import", str(tmp / "missing.csv")], code=2)
    assert "cannot read" in res.output


# --- #8: dropped rows and variable types ---------------------------------------------

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


def _task(url: str, tmp: Path) -> int:
    seed = tmp / "seed.csv"
    seed.write_text("phone,fee\n13900000001,1\n", encoding="utf-8")
    out = _run(["campaign", "--db", url, "create", "--name", "t", "--business", "data", "--script", "data-pack-upgrade",
                "--file", str(seed), "--var", "extra_fee=fee", "--windows", "", "--json"]).output
    return int(json.loads(out)["id"])


def test_add_numbers_reports_every_dropped_row_with_line_and_reason(env):
    url, tmp, _ = env
    tid = _task(url, tmp)
    lst = tmp / "list_gbk.csv"
    lst.write_text("phone,fee,名字\n13800000010,3,张三\n,3,空\nabc,3,x\n13800000010,3,重复\n12345,3,y\n13800000050,4\n"
                   "13800000060,5,好\n", encoding="gbk")
    res = _run(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"])
    out = json.loads(res.stdout)
    assert out["queued"] == 2
    got = [(d["line"], d["reason"]) for d in out["dropped_rows"]]
    assert got == [(3, "empty"), (4, "bad_format"), (5, "duplicate_in_list"), (6, "invalid_number"), (7, "bad_row")]
    assert all(d["message"] and not d["message"].startswith(("row", "line")) for d in out["dropped_rows"])
    assert "13800000010" in out["dropped_rows"][2]["message"]
    res = _run(["campaign", "--db", url, "add-numbers", str(tid), str(lst)])
    assert "line 4: bad_format:" in res.stderr and "line 7: bad_row:" in res.stderr


def test_add_numbers_terminal_shows_the_first_50_drops_json_all(env):
    url, tmp, _ = env
    tid = _task(url, tmp)
    lst = tmp / "many.csv"
    lst.write_text("phone,fee\n" + "nophone,1\n" * 60 + "13800000010,1\n", encoding="utf-8")
    term = _run(["campaign", "--db", url, "add-numbers", str(tid), str(lst)]).stderr
    assert term.count(": bad_format:") == 50 and "and 10 more dropped rows" in term
    assert "line 51: bad_format" in term and "line 52: bad_format" not in term
    js = json.loads(_run(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert len(js["dropped_rows"]) == 61  # the second time the good number is a duplicate of a queued job too
    assert js["dropped_rows"][-1]["line"] == 62


# --- #10: SQL sources ----------------------------------------------------------------

@pytest.mark.parametrize("kwargs, needs", [
    ({"kind": "mysql"}, "a host and a database"),
    ({"kind": "postgresql", "host": "127.0.0.1"}, "a database"),
    ({"kind": "oracle", "database": "ORCL"}, "a host"),
])
def test_sql_source_needs_host_and_database(kwargs, needs):
    with pytest.raises(SourceError, match=needs):
        SourceSpec(**kwargs)
    with pytest.raises(SourceError, match="has no database"):
        SourceSpec.from_url("mysql://root@127.0.0.1")
    assert SourceSpec.from_url("oracle://u:p@h/?service_name=ORCL").kind == "oracle"


def test_source_add_without_host_is_refused_and_not_saved(env):
    url, _, _ = env
    res = _run(["source", "--db", url, "add", "x", "--kind", "mysql"], code=2)
    assert "a mysql source needs a host and a database" in res.output
    assert json.loads(_run(["source", "--db", url, "list", "--json"]).output) == []


def test_refused_connection_is_worded_as_a_connection_error():
    with pytest.raises(SourceError, match=r"^cannot connect to postgresql at 127\.0\.0\.1:1: .*refused"):
        check_connection(SourceSpec(kind="postgresql", host="127.0.0.1", port=1, user="x", database="y"), timeout=2)


@pytest.mark.mariadb
def test_mariadb_access_denied_and_query_errors_differ():
    with pytest.raises(SourceError, match=r"^cannot connect to mysql at 127\.0\.0\.1:3306: Access denied for user 'nosuch'"):
        check_connection(SourceSpec(kind="mysql", host="127.0.0.1", user="nosuch", password="x", database="test"))
    spec = SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test")
    with pytest.raises(SourceError, match=r"^mysql query failed: Unknown column 'nosuchcol'"):
        preview(spec, "SELECT nosuchcol AS phone FROM dual")


@pytest.mark.mariadb
def test_mariadb_preview_times_out():
    spec = SourceSpec(kind="mysql", host="127.0.0.1", user="root", database="test")
    t0 = time.monotonic()
    with pytest.raises(SourceError, match=r"^mysql query timed out after 1 s"):
        preview(spec, "SELECT COUNT(*) AS phone FROM seq_1_to_100000 a, seq_1_to_100000 b", timeout=1)
    assert time.monotonic() - t0 < 2.5
    (row,), _ = preview(spec, "SELECT 1 AS phone", timeout=1)
    assert row.values == {"phone": 1}


@pytest.mark.postgres
def test_postgres_preview_times_out_via_the_cli(env):
    url, _, _ = env
    t0 = time.monotonic()
    res = _run(["source", "--db", url, "preview", "--url", "postgresql://postgres@127.0.0.1:5432/test",
                "--query", "SELECT count(*) AS phone FROM generate_series(1, 100000) a, generate_series(1, 100000) b",
                "--timeout", "1"], code=1)
    assert "postgresql query timed out after 1 s" in res.output
    assert time.monotonic() - t0 < 2.5


def test_add_numbers_drops_a_value_the_script_cannot_speak(env):
    """The task's approved script declares extra_fee as an amount: 'notanumber' is dropped at intake."""
    url, tmp, _ = env
    tid = _task(url, tmp)
    lst = tmp / "fees.csv"
    lst.write_text("phone,fee\n13800000071,12.5\n13800000072,notanumber\n", encoding="utf-8")
    out = json.loads(_run(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert out["queued"] == 1
    (drop,) = out["dropped_rows"]
    assert (drop["line"], drop["reason"]) == (3, "bad_variable")
    assert "extra_fee" in drop["message"] and "notanumber" in drop["message"]
