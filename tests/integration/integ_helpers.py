"""Shared helpers for the integration tests: audiences, tasks, a virtual clock, a recording runner."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from runtime.audience.control import set_policy
from runtime.audience.frame import write_frame
from runtime.audience.store import save_audience
from runtime.campaigns import tables as T
from runtime.campaigns.claims import CallReport
from runtime.campaigns.dialer import DialRequest
from tests.support.scripts import running_task

__all__ = ["RecordingRunner", "VirtualClock", "control_policy", "customers", "jobs", "make_audience", "phone",
           "running_task", "write_customers"]


def phone(i: int) -> str:
    return f"1380013{i:04d}"


def customers(ids: list[int], **cols: list[Any]) -> dict[str, np.ndarray]:
    frame: dict[str, np.ndarray] = {
        "customer_id": np.asarray(ids, dtype=np.int64),
        "phone": np.asarray([phone(i) for i in ids], dtype=object),
    }
    for k, v in cols.items():
        frame[k] = np.asarray(v, dtype=object if isinstance(v[0], str) else None)
    return frame


def make_audience(engine: Engine, name: str, frame: dict[str, np.ndarray], **kw: Any) -> int:
    with Session(engine) as s:
        aud = save_audience(s, name, frame, np.arange(len(frame["customer_id"])), None, kw.pop("kind", "rule"), **kw)
        s.commit()
        assert aud.id is not None
        return aud.id


def control_policy(engine: Engine, fraction: float, salt: str = "integ-salt") -> None:
    with Session(engine) as s:
        set_policy(s, fraction, salt)
        s.commit()


def jobs(engine: Engine, task_id: int) -> list[dict[str, Any]]:
    j = T.jobs
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(select(j).where(j.c.task_id == task_id).order_by(j.c.id))]


def write_customers(path: Path, frame: dict[str, np.ndarray]) -> Path:
    return write_frame(frame, path)


@dataclass
class VirtualClock:
    """Aware-UTC "now" for every campaign module, and a matching monotonic clock for the dialer."""

    now: datetime

    def utc(self) -> datetime:
        return self.now

    def mono(self) -> float:
        return (self.now - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds()

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for name, mod in list(sys.modules.items()):
            if name.startswith("runtime.campaigns.") and getattr(mod, "utcnow", None) is not None:
                monkeypatch.setattr(mod, "utcnow", self.utc)


@dataclass
class RecordingRunner:
    """Answers every call at once and notes the virtual time it was placed."""

    clock: VirtualClock
    calls: list[tuple[str, datetime]] = field(default_factory=list)

    async def __call__(self, req: DialRequest) -> CallReport:
        self.calls.append((req.phone, self.clock.now))
        return CallReport(outcome="connected", cause="test", talk_ms=1000)
