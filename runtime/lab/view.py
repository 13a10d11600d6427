"""The attack as the web pages show it: the report's JSON form with each suggestion said in the
reader's language (the editor's Check tab and the review page read the same shape)."""

from __future__ import annotations

from typing import Any

from runtime.lab.attack import AttackReport

__all__ = ["attack_view"]


def attack_view(report: AttackReport, lang: str = "en") -> dict[str, Any]:
    data = report.to_dict()
    del data["seconds"]  # the same draft must give the same answer (the panel compares, tests too)
    for node in data["nodes"]:
        for s in node["suggestions"]:
            s["text"] = s["text_zh"] if lang == "zh" else s["text_en"]
    return data
