"""Hostile data for the XSS tests: every field a user can set in a script, a task and a call
carries markup, a ``javascript:`` URL or a template expression.

Two scripts: ``hostile`` is schema-valid (free text everywhere a script allows it), goes
through the normal import, review and a simulated campaign, so every page shows it;
``legacy`` has markup in identifiers (intent names, node ids) that the schema now refuses,
written straight into the table, as a draft stored before the schema check would be.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from designer import store
from tests.support.scripts import LIB, simulated_task

__all__ = ["PAYLOADS", "INJECTED_SELECTOR", "LEGACY_INTENT", "hostile_doc", "legacy_doc", "seed_hostile", "LIB"]

# Each one, if it ever becomes markup, leaves an element INJECTED_SELECTOR finds or opens a dialog.
PAYLOADS = [
    "\"><img src=x onerror=alert(1) class=pwn>",
    "<script class=pwn>alert(2)</script>",
    "'><svg class=pwn onload=alert(3)>",
    "javascript:alert(4)",
    "{{7*7}}",
    "</textarea><b class=pwn>x</b>",
]
# the exploit, without whitespace (so it passes the old identifier pattern)
LEGACY_INTENT = "x\"><img/src=\"x\"/onerror=alert(9)>"
INJECTED_SELECTOR = ".pwn, img[src=x], svg[onload], [onerror], a[href^='javascript:']"


def _p(i: int, prefix: str = "") -> str:
    return prefix + PAYLOADS[i % len(PAYLOADS)]


def hostile_doc() -> dict[str, Any]:
    """The library's data-pack script with payloads in every free-text field (still valid)."""
    doc: dict[str, Any] = json.loads((LIB / "data_pack_upgrade.json").read_text(encoding="utf-8"))
    doc["id"] = "hostile"
    doc["name"] = "Hostile " + PAYLOADS[0] + PAYLOADS[4]
    doc["description"] = PAYLOADS[1]
    doc["business"] = PAYLOADS[2]
    doc["settings"]["voice"] = PAYLOADS[3]
    var = doc["variables"]["extra_fee"]
    var["description"] = PAYLOADS[5]
    doc["variables"]["nick"] = {"type": "string", "example": PAYLOADS[0], "default": PAYLOADS[1]}
    for i, n in enumerate(doc["nodes"]):
        n["title"] = _p(i, f"T{i}")
        if "prompt" in n:
            n["prompt"]["text"] = n["prompt"].get("text", "") + _p(i + 1)
        n["tags"] = [_p(i + 2)]
        for j, b in enumerate(n.get("branches", [])):
            b["label"] = _p(i + j, "L")
            if "tags" in b:
                b["tags"] = [*b["tags"], _p(j + 3)]
            if "keywords" in b["when"]:
                b["when"]["keywords"] = [*b["when"]["keywords"], _p(j)]
    doc.setdefault("intents", {})["consider_later"] = {"keywords": ["再说", PAYLOADS[0]], "examples": [PAYLOADS[1]]}
    for i, r in enumerate(doc.get("intent_rules", [])):
        r["label"] = _p(i)[:64]
        r["description"] = _p(i + 1)
    doc["metadata"] = {"author": PAYLOADS[0]}
    return doc


def legacy_doc() -> dict[str, Any]:
    """Markup in identifiers: the exploit of issue 15 (an intent name closes the attribute)."""
    doc = copy.deepcopy(hostile_doc())
    doc["id"] = "legacy"
    evil = LEGACY_INTENT
    doc["intents"][evil] = {"keywords": ["boom"]}
    first = doc["nodes"][0]
    first["branches"].append({"id": "b\"><b/class=pwn>", "when": {"intent": evil}, "goto": first["id"]})
    return doc


def _store_raw(engine: Engine, doc: dict[str, Any]) -> None:
    """Straight into the tables, past every check (data from before the checks existed)."""
    with Session(engine) as s:
        s.add(store.ScriptRecord(id=doc["id"], name=doc["name"], business="", created_by="designer"))
        s.flush()
        s.add(store.ScriptVersion(script_id=doc["id"], number=1, document=doc, created_by="designer"))
        s.commit()


def seed_hostile(engine: Engine, data_dir: Path | None = None) -> dict[str, Any]:
    """Both scripts, a review history with hostile comments, a second draft (for the diff),
    a campaign with a hostile name, agent group and customer names, run on the simulator."""
    from runtime.campaigns.mapping import CustomerRow

    doc = hostile_doc()
    with Session(engine) as s:
        v = store.import_document(s, doc, actor="designer", comment=PAYLOADS[0])
        store.submit(s, v.script_id, v.number, actor="designer", comment=PAYLOADS[1])
        store.approve(s, v.script_id, v.number, actor="reviewer", comment=PAYLOADS[2])
        v2 = store.new_draft_from(s, v.script_id, v.number, actor="designer")
        changed = copy.deepcopy(doc)
        changed["nodes"][0]["title"] = "changed " + PAYLOADS[5]
        changed["nodes"][0]["prompt"]["text"] = "changed " + PAYLOADS[0]
        store.save_draft(s, v.script_id, v2.number, changed, actor="designer", revision=v2.revision)
        store.submit(s, v.script_id, v2.number, actor="designer", comment=PAYLOADS[3])
        s.commit()
    _store_raw(engine, legacy_doc())
    rows = [CustomerRow(i + 2, f"139{i:08d}", None, customer_id=_p(i), name=_p(i + 1),
                        variables={"extra_fee": 30, "nick": _p(i)}) for i in range(6)]
    task = simulated_task(engine, "hostile", rows, node_id="xss", name="Task " + PAYLOADS[0],
                          agent_group=PAYLOADS[2])
    _hostile_analytics(engine, data_dir)
    return {"script": "hostile", "legacy": "legacy", "task": task, "draft_number": 2}


def _hostile_analytics(engine: Engine, data_dir: Path | None) -> None:
    """An audience whose name, source and refresh schedule carry markup (what the rule form lets
    an operator type); with ``data_dir``, a small demo campaign in its analytics store, so the
    report page (charts drawn by /static/analytics/report.js) has something to show."""
    from runtime.audience.models import Audience

    with Session(engine) as s:
        s.add(Audience(name="Audience " + PAYLOADS[0], kind="rule", source=PAYLOADS[1], refresh_cron=PAYLOADS[5],
                       rule={"combinator": "all", "conditions": [{"field": PAYLOADS[2], "op": "==", "value": PAYLOADS[3]}]}))
        s.commit()
    if data_dir is not None:
        from runtime.analytics.demo import build_demo

        build_demo(data_dir, customers=2000, store=data_dir / "analytics.duckdb")  # customers.parquet for the rule form
