"""Issue 15 finding 7: no exported cell is evaluated by a spreadsheet.

The probe's ``+1+cmd|' /C calc'!A0`` and ``-1+HYPERLINK(...)`` passed the old ``+digit``
exemption; openpyxl also stored a value starting with ``=`` as a formula in XLSX. Every export
is checked: the operator's call list (CSV, XLSX), the task results of ``huashu campaign
export`` (CSV, XLSX) and the analytics report (CSV per table, XLSX workbook).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from openpyxl import load_workbook

from runtime.spreadsheet import FORMULA_STARTS, csv_cell, looks_like_formula
from tests.support import secserver_app as fx
from tests.support.secserver_calls import seed_call, seed_task

cheap_hashing, sec_settings, sec_app, client_for = fx.cheap_hashing, fx.sec_settings, fx.sec_app, fx.client_for

PAYLOADS = [
    "=HYPERLINK(\"http://x\",\"y\")", "+1+cmd|' /C calc'!A0", "-1+HYPERLINK(\"http://x\")", "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1", "\r=1+1", "＝1+1", "＋1+cmd|' /C calc'!A0", "－1+1", "＠SUM(1)", "  =1+1",
]
PHONE = "+8613900000001"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_start_is_neutralised_in_csv(payload: str) -> None:
    assert looks_like_formula(payload)
    assert csv_cell(payload) == "'" + payload


def test_plain_text_and_numbers_are_left_alone() -> None:
    for v in ("张三", "c-1", "13900000001", "a=b", 3, 1.5, None, True, ""):
        assert csv_cell(v) == v
    assert {"=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"} <= FORMULA_STARTS


def _evaluable_csv_cells(text: str) -> list[str]:
    """Cells a spreadsheet would evaluate: those starting with a formula character."""
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row
            if cell and looks_like_formula(cell)]


def _evaluable_xlsx_cells(data: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(data))
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")
                                             and cell.data_type != "s"):
                    bad.append((ws.title, cell.coordinate, cell.value))
    return bad


def _seed_hostile_calls(app: Litestar) -> int:
    engine = app.state.engine
    task = seed_task(engine, name=PAYLOADS[0])
    for i, p in enumerate(PAYLOADS):
        seed_call(engine, task, phone=PHONE, name=p, customer_id=PAYLOADS[-1 - i], intent=p, cause=p)
    return task


def test_operator_call_export_csv(sec_app: Litestar, client_for: Any) -> None:
    _seed_hostile_calls(sec_app)
    # an admin sees numbers and names in full (an operator's are masked: tests/compliance)
    r = client_for("admin").get("/operator/calls/export.csv")
    assert r.status_code == 200, r.text
    text = r.content.decode("utf-8")
    assert _evaluable_csv_cells(text) == []
    assert "'+1+cmd|' /C calc'!A0" in text and "'-1+HYPERLINK" in text
    assert f"'{PHONE}" in text  # the phone number stays text (its plus kept), not a formula


def test_operator_call_export_xlsx(sec_app: Litestar, client_for: Any) -> None:
    _seed_hostile_calls(sec_app)
    r = client_for("admin").get("/operator/calls/export.xlsx")
    assert r.status_code == 200, r.text
    assert _evaluable_xlsx_cells(r.content) == []
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    values = [c for row in ws.iter_rows() for c in row]
    phones = [c for c in values if c.value == PHONE]
    assert phones and all(c.data_type == "s" for c in phones)  # a number as text, exactly as stored
    names = [c for c in values if c.value == PAYLOADS[0]]
    assert names and all(c.data_type == "s" and c.quotePrefix for c in names)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_campaign_export(sec_app: Litestar, fmt: str) -> None:
    from runtime.campaigns.export import export_calls

    task = _seed_hostile_calls(sec_app)
    data = export_calls(sec_app.state.engine, task, fmt)
    if fmt == "csv":
        assert _evaluable_csv_cells(data.decode("utf-8")) == []
    else:
        assert _evaluable_xlsx_cells(data) == []


def _report() -> dict[str, Any]:
    p = PAYLOADS
    return {"summary": {"campaign": p[0], "calls": 3}, "funnel": [{"stage": p[1], "n": 1}],
            "outcomes": [{"outcome": p[2], "n": 1}], "nodes": [{"node": p[3], "title": p[4], "hits": 2}],
            "slots": [{"slot": p[5], "n": 1}], "outcome_table": [{"label": p[6], "n": 1}],
            "distributions": {"talk_s": {p[7]: {"bins": [{"bin": p[8], "n": 1}]}}}}


def test_analytics_report_export(tmp_path: Path) -> None:
    from runtime.analytics.export import export_report

    [xlsx] = export_report(_report(), tmp_path / "r.xlsx")
    assert _evaluable_xlsx_cells(xlsx.read_bytes()) == []
    for f in export_report(_report(), tmp_path / "r.csv"):
        assert _evaluable_csv_cells(f.read_text(encoding="utf-8")) == [], f.name
