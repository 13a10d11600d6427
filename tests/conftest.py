"""Shared fixtures and the rule that a test needing a missing peer is a visible skip, never a silent pass."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent

# Nothing a test runs (CLI subprocesses included) writes into the checkout's ./var: one
# throwaway data directory per test session unless a test sets its own.
os.environ["HUASHU_DATA_DIR"] = tempfile.mkdtemp(prefix="huashu-test-var-")


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
    "freeswitch": (
        lambda: __import__("tests.freeswitch.switch", fromlist=["fs_available"]).fs_available(),
        "FreeSWITCH is not installed at $HUASHU_FS_PREFIX (default /opt/fs): `make test` unpacks "
        "../shared/freeswitch/fs-runtime.tar.gz there when it is beside the checkout",
    ),
    "kannel": (lambda: all(Path(p).exists() for p in ("/usr/sbin/bearerbox", "/usr/sbin/smsbox", "/usr/lib/kannel/test/fakesmsc")),
               "Kannel is not installed (Debian kannel and kannel-extras)"),
}


def pytest_collection_finish(session: pytest.Session) -> None:
    """The garbage collector spent about a fifth of the web tests' CPU rescanning what collection
    left alive (modules, test items) and collecting after every 700 allocations: what exists now
    lives for the whole run (``gc.freeze``), and a collection waits for more allocations. Cycles
    are still collected; memory per worker grew by about 10% on the web, operator and security tests."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


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


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """Every in-process password hash is cheap argon2 (see ``tests.support.hashing``), from the
    session's fixtures on (the operator pages' seeded users, say): each app the tests build hashes
    a password per user and each sign-in verifies one, ~0.1 s of CPU apiece at production cost."""
    from tests.support.hashing import cheap_hashing

    with pytest.MonkeyPatch.context() as mp:
        cheap_hashing(mp)
        yield


@pytest.fixture(autouse=True)
def _argon2_cost(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test marked ``argon2_cost`` hashes at the production cost."""
    if request.node.get_closest_marker("argon2_cost") is not None:
        from tests.support.hashing import production_hashing

        production_hashing(monkeypatch)


@pytest.fixture
def library_dir() -> Path:
    return ROOT / "scripts_library"


# --- databases: a fresh SQLite file per test, or one emptied throwaway PostgreSQL database per run ---


@pytest.fixture(scope="session")
def _pg_session_url() -> Iterator[str]:
    """One throwaway database for the whole run (creating one per test costs seconds)."""
    from tests.pgdb import throwaway_database

    with throwaway_database("hs_test") as url:
        yield url


@pytest.fixture
def pg_url(_pg_session_url: str) -> str:
    """The session database, emptied: every test starts from no rows and ids from 1."""
    from tests.pgdb import truncate_all

    truncate_all(_pg_session_url)
    return _pg_session_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the current schema: a fresh SQLite file, or the emptied PostgreSQL one."""
    if request.param == "sqlite":
        from tests.support.dbfiles import fresh_sqlite

        yield fresh_sqlite(tmp_path / "huashu.db")
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    from huashu.core.db import make_engine

    eng = make_engine(db_url)  # db_url is at the current schema already
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite file at the current schema (for the tests that run on SQLite only)."""
    from huashu.core.db import make_engine
    from tests.support.dbfiles import fresh_sqlite

    eng = make_engine(fresh_sqlite(tmp_path / "huashu.db"))
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on the emptied PostgreSQL database of the run."""
    from huashu.core.db import make_engine

    eng = make_engine(pg_url)
    yield eng
    eng.dispose()


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``run(*args)`` -> click Result of ``huashu <args>`` in-process, on a private data dir with the
    offline espeak voice; an exception propagates (``catch_exceptions=False``) unless a test asks."""
    from click.testing import CliRunner

    from huashu.cli import cli
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HUASHU_SPEECH__TTS_PROVIDER", "espeak")
    monkeypatch.setenv("HUASHU_SPEECH__TTS_FALLBACKS", "[]")
    get_settings.cache_clear()
    yield lambda *args, **kw: CliRunner().invoke(cli, list(args), **{"catch_exceptions": False, **kw})
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Debian chromium for a module's browser tests (each test opens its own context).
    Per module, not per run: a test that starts Playwright itself cannot while another runs."""
    playwright = pytest.importorskip("playwright.sync_api")
    from web.testing import BROWSER_ARGS

    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        yield b
        b.close()
