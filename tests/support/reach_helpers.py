"""Shared helpers for the reach tests (caller-id pools, priority, SMS): a running task and customer rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.tasks import TaskSpec, create_task, set_status

SCRIPT = {"format": "huashu.script/1", "id": "s1", "name": "demo", "language": "zh-CN", "start": "a",
          "nodes": [{"id": "a", "type": "end", "outcome": "done"}]}


def approved(script_id: str, version: int | None) -> dict[str, Any]:
    return SCRIPT


def running_task(engine: Engine, **kw: Any) -> int:
    spec = TaskSpec(name=kw.pop("name", "t"), business=kw.pop("business", "card"), script_id="s1", script_version=1,
                    windows=kw.pop("windows", ""), **kw)
    task = create_task(engine, spec)
    assert task.id is not None
    set_status(engine, task.id, "start", approved)
    return task.id


def rows(phones: list[str]) -> list[CustomerRow]:
    return [CustomerRow(i + 2, p, None, customer_id=f"c{i}", name=f"n{i}", variables={"amount": i})
            for i, p in enumerate(phones)]
