"""Fixtures for the designer tests: a small valid script each test breaks in one place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data"
BROKEN = Path(__file__).resolve().parent / "broken"
_BASE = json.loads((DATA / "designer_base.json").read_text(encoding="utf-8"))


@pytest.fixture
def base() -> dict[str, Any]:
    return copy.deepcopy(_BASE)


@pytest.fixture
def broken_dir() -> Path:
    return BROKEN
