"""Shared fixtures and the rule that a test needing a missing peer is a visible skip, never a silent pass."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


_NEEDS = {
    "postgres": (lambda: _port_open("127.0.0.1", 5432), "PostgreSQL is not running on 127.0.0.1:5432"),
    "mariadb": (lambda: _port_open("127.0.0.1", 3306), "MariaDB is not running on 127.0.0.1:3306"),
    "sipp": (lambda: shutil.which("sipp") is not None, "sipp is not installed (Debian package sip-tester)"),
    "baresip": (lambda: shutil.which("baresip") is not None, "baresip is not installed"),
    "browser": (lambda: Path("/usr/bin/chromium").exists(), "Debian chromium is not installed"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cache: dict[str, bool] = {}
    for item in items:
        for name, (check, reason) in _NEEDS.items():
            if item.get_closest_marker(name) is None:
                continue
            if name not in cache:
                cache[name] = check()
            if not cache[name]:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def library_dir() -> Path:
    return ROOT / "scripts_library"
