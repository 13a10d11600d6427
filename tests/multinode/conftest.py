"""Multi-node tests reuse the campaign tests' helpers (node launcher, fake runner, task helpers)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CAMPAIGN_TESTS = Path(__file__).resolve().parents[1] / "campaigns"
if str(CAMPAIGN_TESTS) not in sys.path:
    sys.path.insert(0, str(CAMPAIGN_TESTS))

@pytest.fixture
def mn_pg_url() -> Iterator[str]:
    """A throwaway database ``huashu_mn_<random>`` of its own (the nodes run in other processes), dropped afterwards."""
    from tests.pgdb import throwaway_database

    with throwaway_database("huashu_mn") as url:
        yield url
