"""What adding numbers reports: a bad secondary number (the primary is kept), an unterminated CSV
quote named by its line (the rows after it are kept), and the accepted URL schemes."""

from __future__ import annotations

import json

import pytest

from runtime.campaigns.uploads import RowError, read_csv_text
from tests.support.cli import campaign_create, invoke


def test_add_numbers_reports_a_bad_secondary_number_and_keeps_the_primary(task_env):
    url, tmp, engine, _ = task_env
    tid = json.loads(campaign_create(url, "--numbers-later", "--var", "extra_fee=fee", "--map", "secondary_phone=p2",
                             "--windows", "", "--json").output)["id"]
    lst = tmp / "two.csv"
    lst.write_text("phone,p2,fee\n13800000010,abc,1\n13800000021,13900000021,2\n13800000032,,3\n", encoding="utf-8")
    out = json.loads(invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert out["queued"] == 3 and out["flags"] == {"bad_secondary": 1}
    assert [(f["line"], f["reason"]) for f in out["flagged_rows"]] == [(2, "bad_secondary")]
    assert "'abc'" in out["flagged_rows"][0]["message"] and "primary number is kept" in out["flagged_rows"][0]["message"]
    lst.write_text("phone,p2,fee\n13800000043,abc,1\n", encoding="utf-8")
    res = invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst)])
    assert "flagged bad_secondary: 1" in res.stdout and "line 2: bad_secondary: secondary number ignored" in res.stderr


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


def test_add_numbers_reports_the_unterminated_quote_line(task_env):
    url, tmp, _, _ = task_env
    tid = json.loads(campaign_create(url, "--numbers-later", "--var", "extra_fee=fee", "--windows", "", "--json").output)["id"]
    lst = tmp / "q.csv"
    lst.write_text("phone,fee\n13800000010,1\n13800000021,\"2\n13800000032,3\n13800000043,4\n", encoding="utf-8")
    out = json.loads(invoke(["campaign", "--db", url, "add-numbers", str(tid), str(lst), "--json"]).stdout)
    assert out["queued"] == 3 and [(d["line"], d["reason"]) for d in out["dropped_rows"]] == [(3, "bad_row")]
    assert "unterminated quote" in out["dropped_rows"][0]["message"]


def test_unsupported_url_scheme_lists_http_and_https_too(task_env):
    from runtime.campaigns.sources import SourceError, SourceSpec

    with pytest.raises(SourceError, match=r"'ftp'; accepted: http:// or https://.*mysql://"):
        SourceSpec.from_url("ftp://example.com/list.csv")
    with pytest.raises(SourceError, match="http:// or https:// URL"):
        SourceSpec(kind="http", http_url="ftp://example.com/list.csv")
    url, _, _, _ = task_env
    out = invoke(["source", "--db", url, "add", "x", "--url", "ftp://example.com/list.csv"], 2).output
    assert "https://" in out and "mysql://" in out
