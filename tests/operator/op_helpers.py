"""Seed data for the operator tests: users, an approved script, tasks and real simulated calls.

The seed is built once per session into a SQLite file (the simulated campaign takes a second
or two) and copied per test, so every test mutates its own database.
"""

from __future__ import annotations

import shutil
import struct
import wave
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import update

from huashu.core.db import make_engine
from runtime.campaigns import tables as T
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.tasks import TaskSpec, create_task
from tests.support.dbfiles import fresh_sqlite
from tests.support.scripts import import_approved, simulated_task
from tests.support.web_client import PASSWORD, ROLES, csrf_of, sign_in
from web.auth.users import create_user

__all__ = ["PASSWORD", "ROLES", "Seed", "build_seed", "csrf_of", "install", "post", "sign_in", "write_wav"]


@dataclass(frozen=True)
class Seed:
    db_file: Path
    script_id: str
    sim_task: int  # completed, with calls
    draft_task: int  # approved script, never started
    bad_task: int  # script version that does not exist
    old_task: int  # created long ago (for the created filter)
    calls: int


def build_seed(folder: Path, numbers: int = 24) -> Seed:
    folder.mkdir(parents=True, exist_ok=True)
    db_file = folder / "seed.db"
    engine = make_engine(fresh_sqlite(db_file))
    for role in ROLES:
        create_user(engine, role, PASSWORD, role)
    sid = import_approved(engine)
    rows = [CustomerRow(i + 2, f"139{i:08d}", None, customer_id=f"c{i}", name=f"客户{i}", variables={"extra_fee": 30})
            for i in range(numbers)]
    sim = simulated_task(engine, sid, rows, node_id="op-seed", name="流量包升级 11月", agent_group="A组")
    draft = create_task(engine, TaskSpec(name="Bill reminder", business="bill", script_id=sid, script_version=1, windows=""))
    bad = create_task(engine, TaskSpec(name="Broken", business="bill", script_id="missing-script", script_version=3))
    old = create_task(engine, TaskSpec(name="Old campaign", business="old", script_id=sid, script_version=1))
    with engine.begin() as conn:
        conn.execute(update(T.tasks).where(T.tasks.c.id == old.id).values(created_at=datetime(2024, 3, 1, 8, tzinfo=UTC)))
        calls = conn.execute(T.attempts.select()).all()
    engine.dispose()
    assert draft.id and bad.id and old.id
    return Seed(db_file, sid, sim, draft.id, bad.id, old.id, len(calls))


def install(seed: Seed, data_dir: Path) -> str:
    """Copy the seed database into ``data_dir`` (where Settings looks for it); returns its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(seed.db_file, data_dir / "huashu.db")
    return f"sqlite:///{(data_dir / 'huashu.db').resolve()}"


def write_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A real stereo 16-bit WAV (a ramp, so every byte range differs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = int(seconds * rate)
    frames = b"".join(struct.pack("<hh", (i * 37) % 30000 - 15000, (i * 11) % 20000 - 10000) for i in range(n))
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return path.read_bytes()


def post(client: TestClient[Any], url: str, data: dict[str, str] | None = None, htmx: bool = False,
         accept: str = "text/html", **kw: Any) -> Any:
    headers = {"x-csrftoken": csrf_of(client), "accept": accept}
    if htmx:
        headers["hx-request"] = "true"
    return client.post(url, data=data or {}, headers=headers, follow_redirects=False, **kw)
