"""Multi-node tests reuse the campaign tests' helpers (node launcher, fake runner, task helpers)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

CAMPAIGN_TESTS = Path(__file__).resolve().parents[1] / "campaigns"
if str(CAMPAIGN_TESTS) not in sys.path:
    sys.path.insert(0, str(CAMPAIGN_TESTS))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def mn_pg_url() -> Iterator[str]:
    """A throwaway database ``huashu_mn_<random>``, dropped afterwards."""
    from runtime.db import make_engine

    name = f"huashu_mn_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
