"""The version workflow, run against SQLite and (when it runs) PostgreSQL: one contract, two backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from designer import store

Doc = dict[str, Any]


def _sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    SQLModel.metadata.create_all(engine, tables=_tables())
    yield engine
    engine.dispose()


def _tables() -> list[Any]:
    return [t.__table__ for t in (store.ScriptRecord, store.ScriptVersion, store.ScriptEvent)]  # type: ignore[union-attr]


def _postgres() -> Iterator[Engine]:
    from tests.pgdb import throwaway_database

    with throwaway_database("huashu_test") as url:
        engine = create_engine(url)
        try:
            SQLModel.metadata.create_all(engine, tables=_tables())
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _sqlite(tmp_path)
    else:
        yield from _postgres()


def test_full_workflow_and_history(engine: Engine, base: Doc) -> None:
    with Session(engine) as s:
        v = store.import_document(s, base, actor="ann")
        assert (v.number, v.status, v.revision) == (1, "draft", 1)
        assert not store.launchable(v)
        base["name"] = "改过的名字"
        v = store.save_draft(s, base["id"], 1, base, actor="ann", revision=1)
        assert v.revision == 2 and v.document["name"] == "改过的名字"
        store.submit(s, base["id"], 1, actor="ann", comment="请审核")
        v = store.approve(s, base["id"], 1, actor="bob", comment="ok")
        assert store.launchable(v)
        assert v.qa_score == 100 and v.reviewed_by == "bob" and v.submitted_by == "ann"
        store.retire(s, base["id"], 1, actor="bob")
        s.commit()
    with Session(engine) as s:
        events = store.history(s, base["id"])
        assert [(e.action, e.actor, e.to_status) for e in events] == [
            ("import", "ann", "draft"), ("save", "ann", "draft"), ("submit", "ann", "in_review"),
            ("approve", "bob", "approved"), ("retire", "bob", "retired")]
        assert events[2].comment == "请审核"
        assert all(e.at is not None for e in events)
        assert store.export_document(s, base["id"], 1)["name"] == "改过的名字"


def test_stale_draft_is_refused(engine: Engine, base: Doc) -> None:
    with Session(engine) as s:
        store.import_document(s, base, actor="ann")
        s.commit()
    # Two editors load revision 1; the second save must not silently overwrite the first.
    with Session(engine) as s1, Session(engine) as s2:
        store.save_draft(s1, base["id"], 1, {**base, "name": "甲"}, actor="ann", revision=1)
        s1.commit()
        with pytest.raises(store.StaleDraftError, match="revision 1.*now at revision 2"):
            store.save_draft(s2, base["id"], 1, {**base, "name": "乙"}, actor="cy", revision=1)
    with Session(engine) as s:
        assert store.get_version(s, base["id"], 1).document["name"] == "甲"


def test_submitted_versions_are_immutable(engine: Engine, base: Doc) -> None:
    with Session(engine) as s:
        store.import_document(s, base, actor="ann")
        store.submit(s, base["id"], 1, actor="ann")
        with pytest.raises(store.TransitionError, match="only drafts"):
            store.save_draft(s, base["id"], 1, base, actor="ann", revision=1)
        with pytest.raises(store.TransitionError, match="in_review; it cannot become retired"):
            store.retire(s, base["id"], 1, actor="ann")
        v2 = store.new_draft_from(s, base["id"], 1, actor="ann")
        assert (v2.number, v2.status, v2.based_on) == (2, "draft", 1)


def test_invalid_script_cannot_be_submitted(engine: Engine, base: Doc) -> None:
    base["nodes"][1]["branches"][0]["goto"] = "nowhere"
    with Session(engine) as s:
        store.import_document(s, base, actor="ann")
        with pytest.raises(store.InvalidScriptError) as info:
            store.submit(s, base["id"], 1, actor="ann")
        assert info.value.report.errors[0].code == "dangling_target"
        assert store.get_version(s, base["id"], 1).status == "draft"


def test_four_eyes_unless_admin(engine: Engine, base: Doc) -> None:
    with Session(engine) as s:
        store.import_document(s, base, actor="ann")
        store.submit(s, base["id"], 1, actor="ann")
        with pytest.raises(store.ReviewerConflictError):
            store.approve(s, base["id"], 1, actor="ann")
        with pytest.raises(store.TransitionError, match="comment"):
            store.reject(s, base["id"], 1, actor="bob", comment=" ")
        v = store.approve(s, base["id"], 1, actor="ann", role="admin")
        assert v.status == "approved"
        with pytest.raises(store.TransitionError, match="approved; it cannot become rejected"):
            store.reject(s, base["id"], 1, actor="bob", comment="too late")


def test_rejected_then_new_version_and_listing(engine: Engine, base: Doc) -> None:
    with Session(engine) as s:
        store.import_document(s, base, actor="ann")
        store.submit(s, base["id"], 1, actor="ann")
        store.reject(s, base["id"], 1, actor="bob", comment="开场白太长")
        store.import_document(s, base, actor="ann")
        other = {**base, "id": "other-script", "name": "另一个"}
        store.import_document(s, other, actor="ann")
        s.commit()
        rows = store.list_scripts(s)
        assert [(r.id, r.latest, r.latest_status, r.approved) for r in rows] == [
            (base["id"], 2, "draft", None), ("other-script", 1, "draft", None)]
        assert store.get_version(s, base["id"]).number == 2
        assert [v.status for v in store.list_versions(s, base["id"])] == ["rejected", "draft"]


def test_bad_documents_and_missing_versions(engine: Engine, base: Doc) -> None:
    with Session(engine) as s:
        with pytest.raises(store.BadDocumentError):
            store.import_document(s, ["not", "an", "object"], actor="ann")
        with pytest.raises(store.BadDocumentError, match="id"):
            store.import_document(s, {"name": "x"}, actor="ann")
        with pytest.raises(store.NotFoundError, match="nope@3"):
            store.get_version(s, "nope", 3)
        store.import_document(s, base, actor="ann")
        with pytest.raises(store.BadDocumentError, match="does not match"):
            store.save_draft(s, base["id"], 1, {**base, "id": "else"}, actor="ann", revision=1)


def test_two_reviewers_racing_cannot_both_win(engine: Engine, base: Doc, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    with Session(engine) as s:
        store.import_document(s, base, actor="ann")
        store.submit(s, base["id"], 1, actor="ann")
        s.commit()
    outcome: dict[str, BaseException | str] = {}
    read_done = threading.Event()
    real_get = store.get_version

    def get_and_signal(session: Session, script_id: str, number: int | None = None) -> store.ScriptVersion:
        v = real_get(session, script_id, number)
        if threading.current_thread().name == "cy":
            read_done.set()  # cy has seen 'in_review' and is about to write
        return v

    monkeypatch.setattr(store, "get_version", get_and_signal)

    def second_reviewer() -> None:
        with Session(engine) as s2:
            try:
                store.reject(s2, base["id"], 1, actor="cy", comment="不行")
                s2.commit()
                outcome["cy"] = "won"
            except BaseException as e:  # reported to the main thread
                outcome["cy"] = e

    with Session(engine) as s1:
        store.approve(s1, base["id"], 1, actor="bob")  # holds the row (PostgreSQL) / the write lock (SQLite)
        t = threading.Thread(target=second_reviewer, name="cy")
        t.start()
        assert read_done.wait(10)
        time.sleep(0.2)  # let cy's conditional UPDATE reach the database and wait there
        s1.commit()
    t.join(timeout=30)
    assert isinstance(outcome["cy"], store.TransitionError), outcome
    assert "meanwhile" in str(outcome["cy"])  # lost at the conditional UPDATE, not at the early check
    with Session(engine) as s:
        assert store.get_version(s, base["id"], 1).status == "approved"
        assert [e.action for e in store.history(s, base["id"])] == ["import", "submit", "approve"]
