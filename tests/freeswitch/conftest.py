"""Fixtures for the tests on a real FreeSWITCH (marker ``freeswitch``; see tests/freeswitch/switch.py).

One switch per test module (starting one costs ~2 s of CPU on this 2-core machine); each test
points the "huashu" gateway at its own sipp customer on a fresh port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.freeswitch.switch import Switch, fs_available


@pytest.fixture(scope="module")
def switch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Switch]:
    if not fs_available():  # the marker skips first; this guards a direct run of the fixture
        pytest.skip("FreeSWITCH is not installed")
    sw = Switch(tmp_path_factory.mktemp("fs"))
    sw.start()
    try:
        yield sw
    finally:
        sw.stop()


@pytest.fixture
def fresh_switch(tmp_path: Path) -> Iterator[Switch]:
    """A switch of the test's own (for tests that restart or reconfigure it)."""
    sw = Switch(tmp_path / "fs")
    try:
        yield sw
    finally:
        sw.stop()
