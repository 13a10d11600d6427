"""Issue 15 finding 6 and issue 17 point 2: a recording is served by attempt id from the recordings
store only, and its location is stored relative to the store.

The probe set a row's ``recording`` to ``secret.key`` and got the Fernet key; ``huashu.db``
served the database (and broke its locks). In the demo (relative data dir ``var``) every
recording answered 404: the row held ``var/call-recordings/...`` and the web joined it to the
data directory again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from runtime.campaigns import tables as T
from runtime.recordings import RecordingConfigError, open_recording_reader, recordings_dir
from tests.support import secserver_app as fx
from tests.support.secserver_app import PASSWORD, make_app, make_settings, sign_in
from tests.support.secserver_calls import seed_call, seed_task

cheap_hashing, sec_settings, sec_app, client_for = fx.cheap_hashing, fx.sec_settings, fx.sec_app, fx.client_for

ROOT = Path(__file__).resolve().parents[2]
_WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(200)


def _set_row(app: Litestar, attempt_id: int, value: str | None) -> None:
    with app.state.engine.begin() as c:
        c.execute(update(T.attempts).where(T.attempts.c.id == attempt_id).values(recording=value))


def test_a_tampered_row_never_serves_a_file(sec_app: Litestar, client_for: Any, tmp_path: Path) -> None:
    settings = sec_app.state.settings
    data = Path(settings.data_dir)
    (data / "secret.key").write_text("the-fernet-key\n")
    outside = tmp_path / "outside.wav"
    outside.write_bytes(_WAV)
    aid = seed_call(sec_app.state.engine, seed_task(sec_app.state.engine))
    # a file the store itself holds under another call's name must not be served for this one
    other = recordings_dir(settings) / "2026" / "07" / "01" / "attempt-999.wav"
    other.parent.mkdir(parents=True)
    other.write_bytes(_WAV)
    c = client_for("operator")
    for value in ("secret.key", "huashu.db", "../x", "../../etc/passwd", str(data / "secret.key"),
                  str(data / "huashu.db"), str(outside), "/etc/passwd", "call-recordings/../secret.key",
                  "2026/07/01/attempt-999.wav", "2026/07/01/../../../../secret.key"):
        _set_row(sec_app, aid, value)
        r = c.get(f"/operator/calls/{aid}/recording")
        assert r.status_code == 404, (value, r.status_code)
        assert b"the-fernet-key" not in r.content and b"SQLite" not in r.content


def test_served_by_attempt_id_whatever_the_row_says(sec_app: Litestar, client_for: Any) -> None:
    """The file is found by its call id in the store; a stale location still finds it."""
    aid = seed_call(sec_app.state.engine, seed_task(sec_app.state.engine))
    f = recordings_dir(sec_app.state.settings) / "2026" / "07" / "02" / f"attempt-{aid}.wav"
    f.parent.mkdir(parents=True)
    f.write_bytes(_WAV)
    c = client_for("operator")
    for value in (f"2026/07/02/attempt-{aid}.wav", f"2026/07/01/attempt-{aid}.wav", f"var/call-recordings/x/attempt-{aid}.wav"):
        _set_row(sec_app, aid, value)
        r = c.get(f"/operator/calls/{aid}/recording")
        assert r.status_code == 200 and r.content == _WAV, value
    _set_row(sec_app, aid, None)
    assert c.get(f"/operator/calls/{aid}/recording").status_code == 404  # no recording made


def test_the_recordings_folder_may_not_hold_the_database_or_the_key(tmp_path: Path) -> None:
    for folder in (tmp_path / "var", tmp_path):
        s = make_settings(tmp_path / "var")
        s.recordings.dir = folder
        with pytest.raises(RecordingConfigError, match="contains the data directory"):
            open_recording_reader(s)


# ---- the demo, run the way `make run` does: relative data dir `var` -------------------------


def _demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUASHU_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.slow
def test_the_demo_recordings_play_from_the_call_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "checkout"
    cwd.mkdir()
    shutil.copy(ROOT / "pyproject.toml", cwd)  # a copy of the repo root as working directory, data in ./var
    r = subprocess.run([sys.executable, "-m", "huashu", "demo", "--headless", "--customers", "50",
                        "--record-sample", "1.0", "--json"], cwd=cwd, env=_demo_env(), capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (cwd / "var" / "huashu.db").is_file()  # the default relative data dir, in the working directory

    for web_cwd, data_dir in ((cwd, Path("var")), (tmp_path, cwd / "var")):  # as `make run`; elsewhere
        monkeypatch.chdir(web_cwd)
        monkeypatch.delenv("HUASHU_DATA_DIR", raising=False)
        app = make_app(make_settings(data_dir), users=())
        from web.auth.users import create_user, find_user

        if find_user(app.state.engine, "sec-operator") is None:
            create_user(app.state.engine, "sec-operator", PASSWORD, "operator")
        with app.state.engine.connect() as conn:
            stored = conn.execute(select(T.attempts.c.id, T.attempts.c.recording)
                                  .where(T.attempts.c.recording.is_not(None))).all()
        assert stored, "the demo recorded no call"
        assert all(re.fullmatch(r"\d{4}/\d{2}/\d{2}/attempt-\d+\.wav", s) for _, s in stored), stored[:3]
        with app.state.engine.connect() as conn:  # the engine record names no server path either
            record = conn.execute(select(T.attempts.c.record).where(T.attempts.c.id == stored[0][0])).scalar_one()
        assert str(cwd) not in record and "var/call-recordings" not in record
        c: TestClient[Any] = TestClient(app)
        assert sign_in(c, "sec-operator").status_code in (302, 303)
        aid = stored[0][0]
        page = c.get(f"/operator/calls/{aid}", headers={"accept": "text/html"})
        assert page.status_code == 200
        m = re.search(r'<audio[^>]*id="player"[^>]*src="([^"]+)"', page.text)
        assert m, "the call page has no player"
        audio = c.get(m.group(1))
        assert audio.status_code == 200, audio.text
        assert audio.headers["content-type"].startswith("audio/wav") and audio.content[:4] == b"RIFF"
        size = len(audio.content)
        part = c.get(m.group(1), headers={"range": "bytes=44-1043"})  # what a seek asks for
        assert part.status_code == 206 and part.content == audio.content[44:1044]
        assert part.headers["content-range"] == f"bytes 44-1043/{size}"
        app.state.engine.dispose()
