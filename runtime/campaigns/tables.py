"""Core ``Table`` handles of the campaign models, for the bulk and conditional SQL the queue needs."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from runtime.campaigns.models import (
    BlacklistEntry,
    CallAttempt,
    CallTask,
    ComplianceSettings,
    DataSource,
    DialJob,
    TaskRun,
    Trigger,
)

__all__ = ["attempts", "blacklist", "compliance", "jobs", "runs", "sources", "tasks", "triggers"]

attempts = cast(Table, CallAttempt.__table__)  # type: ignore[attr-defined]
blacklist = cast(Table, BlacklistEntry.__table__)  # type: ignore[attr-defined]
compliance = cast(Table, ComplianceSettings.__table__)  # type: ignore[attr-defined]
jobs = cast(Table, DialJob.__table__)  # type: ignore[attr-defined]
runs = cast(Table, TaskRun.__table__)  # type: ignore[attr-defined]
sources = cast(Table, DataSource.__table__)  # type: ignore[attr-defined]
tasks = cast(Table, CallTask.__table__)  # type: ignore[attr-defined]
triggers = cast(Table, Trigger.__table__)  # type: ignore[attr-defined]
