"""Report export: CSV (one file per table, zipped names side by side) or one XLSX workbook (a sheet per table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runtime.spreadsheet import csv_row, csv_writer, xlsx_row

__all__ = ["report_tables", "export_report", "write_csv_table"]


def report_tables(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The report flattened into named tables of flat rows."""
    tables: dict[str, list[dict[str, Any]]] = {
        "summary": [report["summary"]],
        "funnel": report["funnel"],
        "outcomes": report["outcomes"],
        "nodes": report["nodes"],
        "slots": report["slots"],
        "outcome_table": report["outcome_table"],
    }
    dist = []
    for col, groups in report["distributions"].items():
        for group, g in groups.items():
            dist += [{"measure": col, "group": group, **b} for b in g["bins"]]
    tables["distributions"] = dist
    if report.get("control"):
        c = report["control"]
        tables["control"] = [
            {"comparison": f"{c['a']['name']} vs {c['b']['name']}", **c["recharge_rate"]},
            {"comparison": f"{c['a']['name']} vs {c['b']['name']}", **c["mean_recharge"]},
        ]
    return tables


def write_csv_table(fh: Any, rows: list[dict[str, Any]]) -> None:
    """One table as CSV with a header row, every cell safe from formula evaluation."""
    cols = list(rows[0])
    w = csv_writer(fh)
    w.writerow(csv_row(cols))
    w.writerows(csv_row(r.get(c) for c in cols) for r in rows)


def export_report(report: dict[str, Any], path: Path) -> list[Path]:
    """Write ``path`` (.xlsx: one workbook) or ``path`` stem + ``-<table>.csv`` files; returns what was written.

    The folder must exist (``OSError`` otherwise): creating it would turn a mistyped path into
    new directories nobody asked for."""
    tables = report_tables(report)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)  # text cells string-typed: never a formula (runtime.spreadsheet)
        for name, rows in tables.items():
            ws = wb.create_sheet(name[:31])
            if rows:
                cols = list(rows[0])
                ws.append(xlsx_row(ws, cols))
                for r in rows:
                    ws.append(xlsx_row(ws, [r.get(c) for c in cols]))
        wb.save(path)
        return [path]
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path}: export to .csv or .xlsx")
    written = []
    for name, rows in tables.items():
        p = path.with_name(f"{path.stem}-{name}.csv")
        with p.open("w", newline="", encoding="utf-8") as fh:
            if rows:
                write_csv_table(fh, rows)
        written.append(p)
    return written
