"""Scripts for tests: the library's documents, approved versions in a database, a running task.

One definition each: the campaign, reach, integration, answer, operator, compliance, security
and API tests all need "an approved script in this database" (and the operator, compliance and
security pages "a task with real simulated calls") and used to write it out again.
"""

from __future__ import annotations

import asyncio
import copy
import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from designer import store
from designer.model import Script
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.tasks import TaskSpec, create_task, set_status

__all__ = ["LIB", "TINY_SCRIPT", "approved", "import_approved", "library_doc", "library_script", "rows",
           "running_task", "simulated_task"]

LIB = Path(__file__).resolve().parents[2] / "scripts_library"

# The smallest script a task can run: one end node. ``approved`` resolves every version to it, so
# a task can start without a script store.
TINY_SCRIPT: dict[str, Any] = {"format": "huashu.script/1", "id": "s1", "name": "demo", "language": "zh-CN",
                               "start": "a", "nodes": [{"id": "a", "type": "end", "outcome": "done"}]}


def library_doc(name: str = "data_pack_upgrade") -> dict[str, Any]:
    """A fresh copy of ``scripts_library/<name>.json`` (callers may change it)."""
    return json.loads((LIB / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def library_script(name: str = "data_pack_upgrade") -> Script:
    return Script.from_dict(library_doc(name))


def import_approved(engine: Engine, doc: dict[str, Any] | str = "data_pack_upgrade", *, designer: str = "designer",
                    reviewer: str = "reviewer", approve: bool = True) -> str:
    """Import ``doc`` (a document, or a library script's name) as ``designer``, and unless
    ``approve`` is false submit it and approve it as ``reviewer``; returns the script id."""
    document = library_doc(doc) if isinstance(doc, str) else copy.deepcopy(doc)
    with Session(engine) as s:
        v = store.import_document(s, document, actor=designer)
        if approve:
            store.submit(s, v.script_id, v.number, actor=designer)
            store.approve(s, v.script_id, v.number, actor=reviewer)
        s.commit()
        return v.script_id


def approved(script_id: str, version: int | None) -> dict[str, Any]:
    """A script resolver for ``set_status``: every version is :data:`TINY_SCRIPT`."""
    return TINY_SCRIPT


def running_task(engine: Engine, **kw: Any) -> int:
    """A started task on :data:`TINY_SCRIPT`; ``kw`` are :class:`TaskSpec` fields."""
    spec = TaskSpec(name=kw.pop("name", "t"), business=kw.pop("business", "card"), script_id="s1", script_version=1,
                    windows=kw.pop("windows", ""), **kw)
    task = create_task(engine, spec)
    assert task.id is not None
    set_status(engine, task.id, "start", approved)
    return task.id


def rows(phones: list[str], phone2: dict[str, str] | None = None) -> list[CustomerRow]:
    """One customer row per phone (spreadsheet rows from 2), with a script variable ``amount``."""
    phone2 = phone2 or {}
    return [CustomerRow(i + 2, p, phone2.get(p), customer_id=f"c{i}", name=f"n{i}", variables={"amount": i})
            for i, p in enumerate(phones)]


def simulated_task(engine: Engine, script_id: str, customers: list[CustomerRow], *, node_id: str, name: str = "t",
                   business: str = "data", **spec: Any) -> int:
    """A task on version 1 of the approved ``script_id`` (20 lines, 500 calls a second; ``spec``:
    more :class:`TaskSpec` fields), started, with ``customers`` as its numbers, every one dialled
    to its end on the simulator (seed 5, fast) by one node ``node_id``; returns the task id.

    The node runs in a thread of its own: a caller may be inside an event loop (Playwright's)."""
    from runtime.campaigns.loading import add_numbers
    from runtime.campaigns.node import RuntimeNode
    from runtime.campaigns.scripts import store_resolver
    from runtime.campaigns.sim_runner import SimulatorRunner

    resolver = store_resolver(engine)
    task = create_task(engine, TaskSpec(name=name, business=business, script_id=script_id, script_version=1,
                                        windows="", max_concurrent=20, calls_per_second=500, **spec))
    assert task.id is not None
    set_status(engine, task.id, "start", resolver)
    add_numbers(engine, task.id, customers)
    node = RuntimeNode(engine, SimulatorRunner(resolver, seed=5, fast=True), lambda t, e: [], node_id=node_id,
                       lease_s=10)
    failed: list[BaseException] = []

    def work() -> None:
        try:
            asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))
        except BaseException as exc:  # handed to the caller's thread
            failed.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the simulated campaign did not end in 120 s"
    if failed:
        raise failed[0]
    return task.id
