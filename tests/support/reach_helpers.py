"""Shared helpers for the reach tests (caller-id pools, priority, SMS): a running task (the
campaign tests' own helpers) and customer rows carrying a script variable."""

from __future__ import annotations

from runtime.campaigns.mapping import CustomerRow
from tests.campaigns.campaign_helpers import SCRIPT, approved, running_task

__all__ = ["SCRIPT", "approved", "running_task", "rows"]


def rows(phones: list[str]) -> list[CustomerRow]:
    return [CustomerRow(i + 2, p, None, customer_id=f"c{i}", name=f"n{i}", variables={"amount": i})
            for i, p in enumerate(phones)]
