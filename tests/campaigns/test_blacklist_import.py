"""Blacklist import: BOM UTF-8 and GBK files are read, an undecodable line is skipped and
reported, the other lines are kept; a header line or a plain list of numbers."""

from __future__ import annotations

import json

from runtime.campaigns.blacklist import entries, import_lines
from runtime.campaigns.uploads import RowError, decode_text, read_upload
from tests.support.cli import invoke


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
    assert [str(e) for e in bad] == ["line 3: no number in column 'phone'"]
    pairs, bad = import_lines(b"13800000010\n\n13800000020\n")
    assert pairs == [(1, "13800000010"), (3, "13800000020")] and bad == []


def test_blacklist_import_gbk_file_reports_bad_lines_and_keeps_good_ones(intake_env):
    url, tmp, engine = intake_env
    f = tmp / "list_gbk.csv"
    f.write_bytes("姓名,phone\n张三,13800000010\n李四,notaphone\n".encode("gbk") + b"x,\xff\xfe\n"
                  + "王五,13800000030\n".encode("gbk"))
    res = invoke(["blacklist", "--db", url, "import", str(f), "--json"], code=1)
    out = json.loads(res.stdout)
    assert out["added"] == 2
    assert [e.split(":")[0] for e in out["errors"]] == ["line 3", "line 4"]
    assert {e["phone"] for e in entries(engine)} == {"+8613800000010", "+8613800000030"}
    res = invoke(["blacklist", "--db", url, "import", str(tmp / "missing.csv")], code=2)
    assert "cannot read" in res.output
