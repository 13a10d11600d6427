"""Files with customer data or secrets are created owner-only (files 0600, folders 0700) whatever
the umask: the SQLite database (and its WAL), the secret key, sessions, uploads and recordings.
They were created 0644 / 0755 (readable by every account on the machine)."""

from __future__ import annotations

import math
import os
import stat
import struct
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar

from huashu.core.config import Settings
from huashu.core.db import init_db, make_engine
from tests.support import secserver_app as fx
from tests.support.scripts import import_approved
from tests.support.secserver_app import csrf_of, make_settings

cheap_hashing, sec_settings, sec_app, client_for = fx.cheap_hashing, fx.sec_settings, fx.sec_app, fx.client_for


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The usual 022: what makes a default-created file world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _private(p: Path) -> None:
    want = 0o700 if p.is_dir() else 0o600
    assert _mode(p) == want, f"{p}: {oct(_mode(p))}, want {oct(want)}"


def test_data_dir_database_and_wal(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "var" / "deeper")
    s.ensure_dirs()
    _private(tmp_path / "var")
    _private(s.data_dir)
    engine = make_engine(s.db_url)
    init_db(engine)
    with engine.begin() as c:  # a write: SQLite creates -wal and -shm
        c.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
        c.exec_driver_sql("INSERT INTO probe VALUES (1)")
        db = s.data_dir / "huashu.db"
        _private(db)
        for extra in ("huashu.db-wal", "huashu.db-shm"):
            if (s.data_dir / extra).exists():
                _private(s.data_dir / extra)
    engine.dispose()


def test_the_secret_keys(tmp_path: Path) -> None:
    from runtime.campaigns.secrets import app_secret
    from web.secret import server_secret

    s = Settings(data_dir=tmp_path / "a")
    server_secret(s)
    _private(s.data_dir / "secret.key")
    s2 = Settings(data_dir=tmp_path / "b")
    app_secret(s2)
    _private(s2.data_dir / "secret.key")


def test_sessions(sec_app: Litestar, client_for: Any) -> None:
    client_for("admin")
    folder = Path(sec_app.state.settings.data_dir) / "sessions"
    _private(folder)
    files = list(folder.iterdir())
    assert files
    for f in files:
        _private(f)


def _wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) for i in range(int(8000 * seconds))))
    return path


def test_call_recordings(tmp_path: Path) -> None:
    from telephony.recording.store import LocalRecordingStore

    store = LocalRecordingStore(tmp_path / "rec")
    sink = store.open("attempt-1")
    sink.write(bytes(320), bytes(320))
    info = sink.close()
    _private(tmp_path / "rec")
    for p in (info.path, info.path.parent, info.path.parent.parent, info.path.parent.parent.parent):
        _private(p)
    with wave.open(str(info.path)) as w:  # still a valid WAV
        assert w.getnchannels() == 2 and w.getnframes() == 160


def test_uploaded_prompt_recordings(tmp_path: Path) -> None:
    from runtime.speech.recordings import PromptRecordingStore

    store = PromptRecordingStore(tmp_path / "var" / "recordings")
    rid = store.save(_wav(tmp_path / "hello.wav").read_bytes(), "hello.wav")
    _private(tmp_path / "var" / "recordings")
    _private(store.path(rid))


def test_uploaded_customer_file(sec_app: Litestar, client_for: Any) -> None:
    op = client_for("operator")
    csv = b"customer_id,phone,age\nc1,13900000001,30\nc2,13900000002,40\n"
    r = op.post("/analytics/audiences/upload", files={"file": ("客户.csv", csv, "text/csv")},
                data={"_csrf_token": csrf_of(op)}, follow_redirects=False)
    assert r.status_code in (200, 302, 303), r.text[:500]
    stored = [p for p in Path(sec_app.state.settings.data_dir).glob("*.parquet")]
    assert stored, r.text[:300]
    for p in stored:
        _private(p)


def _approved_script(settings: Settings) -> str:
    settings.ensure_dirs()
    engine = make_engine(settings.db_url)
    init_db(engine)
    key = import_approved(engine)
    engine.dispose()
    return key


def test_a_list_uploaded_with_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huashu.cli import cli

    data = tmp_path / "var"
    monkeypatch.setenv("HUASHU_DATA_DIR", str(data))
    lst = tmp_path / "list.csv"
    lst.write_text("phone,fee\n13800000010,1\n", encoding="utf-8")
    settings = make_settings(data)
    script = _approved_script(settings)
    res = CliRunner().invoke(cli, ["campaign", "--db", settings.db_url, "create", "--name", "m", "--business", "b",
                                   "--script", script, "--file", str(lst), "--var", "extra_fee=fee", "--windows", "",
                                   "--json"])
    assert res.exit_code == 0, res.output
    from sqlalchemy import select

    from runtime.campaigns import tables as T

    engine = make_engine(settings.db_url)
    with engine.connect() as c:
        [stored] = c.execute(select(T.sources.c.path)).scalars().all()
    engine.dispose()
    upload = Path(stored)  # where the CLI copied the list (data_dir/uploads)
    assert upload.parent.name == "uploads"
    _private(upload.parent)
    _private(upload)
