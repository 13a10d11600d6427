"""The pure parts: byte ranges, the blacklist CSV reader, cap validation, spreadsheet-safe cells, paging."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web.operator.blacklist_csv import CsvError, read_numbers
from web.operator.caps import CapsError, parse_caps
from web.operator.exports import safe_cell
from web.operator.filters import FilterError, Page, parse_day
from web.operator.ranges import ByteRange, Unsatisfiable, parse_range


@pytest.mark.parametrize(("header", "expected"), [
    (None, None), ("", None), ("bytes=0-99", ByteRange(0, 99)), ("bytes=100-", ByteRange(100, 999)),
    ("bytes=-100", ByteRange(900, 999)), ("bytes=-5000", ByteRange(0, 999)), ("bytes=990-5000", ByteRange(990, 999)),
    ("bytes=5-1", None), ("bytes=0-1,4-5", None), ("items=0-1", None), ("bytes=a-b", None), ("bytes=-", None),
    (" BYTES = 1-2 ", ByteRange(1, 2)),
])
def test_parse_range(header: str | None, expected: ByteRange | None) -> None:
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=2000-3000", "bytes=-0"])
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, 1000)


@given(st.integers(1, 10_000), st.integers(0, 20_000), st.integers(0, 20_000))
def test_any_satisfiable_range_stays_inside_the_file(size: int, a: int, b: int) -> None:
    try:
        span = parse_range(f"bytes={a}-{b}", size)
    except Unsatisfiable:
        assert a >= size
        return
    if span is None:
        assert b < a
    else:
        assert 0 <= span.start <= span.end < size and span.length == min(b, size - 1) - a + 1


def test_csv_reader_with_and_without_header() -> None:
    pairs, errors = read_numbers("手机号,name\n139 0000 0001,a\n,b\n13900000002,c\n".encode())
    assert pairs == [(2, "139 0000 0001"), (4, "13900000002")] and [str(e) for e in errors] == ["line 3: no value in the '手机号' column"]
    pairs, errors = read_numbers(b"13900000001\n\n13900000002\n")
    assert pairs == [(1, "13900000001"), (3, "13900000002")] and errors == []
    pairs, _ = read_numbers("phone\n13900000003\n".encode("gb18030"))
    assert pairs == [(2, "13900000003")]
    with pytest.raises(CsvError, match="empty"):
        read_numbers(b"\n\n")


def test_caps_validation_names_the_field() -> None:
    ok = {"cap_day": "1", "cap_week": "2", "cap_month": "3", "dedupe_days": "0", "number_format": "any"}
    assert parse_caps(ok)["cap_month"] == 3
    with pytest.raises(CapsError, match="dedupe_days: -1 is outside"):
        parse_caps({**ok, "dedupe_days": "-1"})
    with pytest.raises(CapsError, match="number_format"):
        parse_caps({**ok, "number_format": "weird"})


def test_safe_cell_neutralises_formulas_phone_numbers_included() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("@x") == "'@x" and safe_cell("-x") == "'-x"
    # no +digit exemption (issue 15 finding 7): "+1+cmd|..." starts like a phone number
    assert safe_cell("+8613900000001") == "'+8613900000001" and safe_cell("张三") == "张三" and safe_cell(3) == 3


def test_page_and_day_parsing() -> None:
    p = Page(9, 20, 45)
    assert (p.pages, p.current, p.offset, p.has_next, p.has_prev) == (3, 3, 40, False, True)
    assert Page(1, 20, 0).pages == 1
    assert parse_day("2026-01-31", "x") is not None and parse_day("", "x") is None
    with pytest.raises(FilterError, match="created: '31/01/2026' is not a date"):
        parse_day("31/01/2026", "created")
