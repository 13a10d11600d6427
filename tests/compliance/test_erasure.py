"""Erasure of one number: rows, variables, transcripts, recordings and uploaded list files go;
every table and the recordings folder are searched afterwards; only a keyed hash stays, and it
keeps the number out of later lists (``erased``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from huashu.core.config import Settings
from huashu.core.db import init_db, make_engine
from runtime.audit.log import AuditFilter, list_entries
from runtime.audit.verify import verify
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.tasks import TaskSpec, create_task
from runtime.privacy.erase import EraseError, erase_number, find_traces
from runtime.privacy.keyed import number_hash

pytestmark = pytest.mark.offline
NUMBER = "13812345678"
FORMS = ["+8613812345678", "8613812345678", "13812345678"]


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", secret_key="erase-secret-" + "x" * 32)


def _seed(engine: Engine, st: Settings) -> None:
    task = create_task(engine, TaskSpec(name="t", business="b", windows=""))
    rows = [CustomerRow(2, NUMBER, None, "c1", "张三", {"note": "call 13812345678"}),
            CustomerRow(3, "13900000001", NUMBER, "c2", "李四", {}),
            CustomerRow(4, "13900000002", None, "c3", "王五", {})]
    add_numbers(engine, task.id, rows)
    rec_dir = st.data_dir / "call-recordings"
    rec_dir.mkdir(parents=True, exist_ok=True)
    (rec_dir / "call-1.wav").write_bytes(b"RIFF....")
    (rec_dir / "call-2.wav").write_bytes(b"RIFF....")
    with engine.begin() as c:
        jobs = c.execute(select(T.jobs.c.id, T.jobs.c.phone).order_by(T.jobs.c.id)).all()
        for i, (jid, phone) in enumerate(jobs[:3], 1):
            c.execute(T.attempts.insert().values(
                task_id=task.id, job_id=jid, phone=phone, leg="primary", state="ended", outcome="connected",
                node_id="n", started_at=__import__("datetime").datetime.now(__import__("datetime").UTC), recording=f"call-recordings/call-{i}.wav" if i < 3 else None,
                record=json.dumps({"transcript": [{"customer": f"my number is {phone}"}]})))
        record_opt_out(c, "+8613812345678", "sms", "TD")
    uploads = st.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "list.csv").write_text("phone,name\n13812345678,张三\n13900000002,王五\n", "utf-8")


@pytest.fixture
def setup(db_url: str, tmp_path: Path) -> tuple[Engine, Settings]:
    st = _settings(tmp_path)
    st.data_dir.mkdir(parents=True)
    engine = make_engine(db_url)
    init_db(engine)
    _seed(engine, st)
    return engine, st


def test_erasure_leaves_nothing_behind(setup: tuple[Engine, Settings]) -> None:
    engine, st = setup
    assert find_traces(engine, FORMS, st)  # the seed holds it in several places
    rep = erase_number(engine, NUMBER, settings=st)
    assert rep.remaining == [] and rep.as_dict()["complete"]
    assert rep.deleted["dial_jobs"] == 2 and rep.deleted["call_attempts"] == 2 and rep.deleted["opt_outs"] == 1
    assert sorted(rep.files) == ["call-1.wav", "call-2.wav", "list.csv"]
    assert find_traces(engine, FORMS, st) == []
    with engine.connect() as c:  # a full dump of every table holds no form of the number
        from sqlmodel import SQLModel
        dump = " ".join(str(v) for t in SQLModel.metadata.sorted_tables for row in c.execute(select(t)) for v in row)
        other = c.execute(select(T.jobs.c.name)).scalars().all()
    assert not any(f in dump for f in FORMS) and other == ["王五"]
    assert not list((st.data_dir / "call-recordings").glob("call-1*"))
    assert (st.data_dir / "call-recordings" / "call-3.wav").exists() is False  # never existed; others untouched
    assert "13812345678" not in (st.data_dir / "uploads" / "list.csv").read_text("utf-8")
    assert "13900000002" in (st.data_dir / "uploads" / "list.csv").read_text("utf-8")
    with engine.connect() as c:
        kept = c.execute(text("SELECT number_hash FROM privacy_suppression")).scalars().all()
    assert kept == [number_hash("+8613812345678", st)]
    assert list_entries(engine, AuditFilter(action="privacy.erase")) and verify(engine).ok


def test_an_erased_number_is_never_loaded_again(setup: tuple[Engine, Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    engine, st = setup
    erase_number(engine, NUMBER, settings=st)
    import runtime.campaigns.queue as q

    monkeypatch.setattr(q, "number_key", lambda: __import__("runtime.privacy.keyed", fromlist=["x"]).number_key(st))
    task = create_task(engine, TaskSpec(name="again", business="other", windows=""))
    run_id, stats = add_numbers(engine, task.id, [CustomerRow(2, NUMBER), CustomerRow(3, "13900000009")])
    assert stats.reasons == {"erased": 1}


def test_bad_input_is_a_clear_error(setup: tuple[Engine, Settings]) -> None:
    engine, st = setup
    with pytest.raises(EraseError):
        erase_number(engine, "not a number", settings=st)


def test_cli_erase_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huashu.cli import cli

    st = _settings(tmp_path)
    st.data_dir.mkdir(parents=True)
    monkeypatch.setenv("HUASHU_DATA_DIR", str(st.data_dir))
    monkeypatch.setenv("HUASHU_SECRET_KEY", st.secret_key or "")
    from huashu.core.config import get_settings

    get_settings.cache_clear()
    engine = make_engine(st.db_url)
    init_db(engine)
    _seed(engine, st)
    r = CliRunner().invoke(cli, ["privacy", "erase", NUMBER, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["complete"] and out["deleted"]["dial_jobs"] == 2 and "13812345678" not in r.output
    r = CliRunner().invoke(cli, ["privacy", "erase", "garbage"])
    assert r.exit_code == 1 and "garbage" in r.output
    get_settings.cache_clear()


def test_erasure_scrubs_a_number_typed_into_a_tasks_query_parameters(setup: tuple[Engine, Settings]) -> None:
    engine, st = setup
    task = create_task(engine, TaskSpec(name="by-query", business="b", windows="",
                                        query_params={"phone": NUMBER, "region": "east"}))
    rep = erase_number(engine, NUMBER, settings=st)
    assert rep.deleted["task_query_params"] == 1 and rep.remaining == []
    with engine.connect() as c:
        raw = c.execute(select(T.tasks.c.query_params).where(T.tasks.c.id == task.id)).scalar_one()
    assert json.loads(raw) == {"phone": "[erased]", "region": "east"}


def test_erasure_deletes_recordings_the_store_wrote(setup: tuple[Engine, Settings]) -> None:
    """Rows store a recording's location relative to the store (YYYY/MM/DD/attempt-N.wav): the
    erasure deletes it through the store by attempt id, not by joining the row to a folder."""
    from datetime import UTC, datetime

    from runtime.recordings import attempt_call_id, open_recording_reader

    engine, st = setup
    store = open_recording_reader(st)
    with engine.begin() as c:
        attempt = c.execute(select(T.attempts.c.id).where(T.attempts.c.phone == "+8613812345678")).scalars().first()
    sink = store.open(attempt_call_id(attempt), started=datetime.now(UTC))
    sink.write(bytes(320), bytes(320))
    info = sink.close()
    with engine.begin() as c:
        c.execute(T.attempts.update().where(T.attempts.c.id == attempt).values(recording=store.location_of(info.path)))
    rep = erase_number(engine, NUMBER, settings=st)
    assert f"{attempt_call_id(attempt)}.wav" in rep.files and not info.path.exists()
    assert rep.remaining == []
