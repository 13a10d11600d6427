"""Creating (and starting) the task a finished wizard describes, through the core only.

The same steps as ``huashu campaign create --file ...`` then ``huashu campaign start``: the list
is copied into ``<data_dir>/uploads`` and registered as a data source
(:func:`runtime.campaigns.sources.save_source`), the task is created by
:func:`runtime.campaigns.tasks.create_task` and started by
:func:`runtime.campaigns.tasks.set_status`. If the core refuses the task, the source and its
file are removed again: a refused wizard leaves no rows behind.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from huashu.core.private_files import make_private, private_dir
from runtime.campaigns.models import CallTask, DataSource
from runtime.campaigns.scripts import ScriptNotApproved, store_resolver
from runtime.campaigns.sources import SourceSpec, save_source
from runtime.campaigns.tasks import TaskError, create_task, set_status
from web.launch.wizard import Draft, to_spec

__all__ = ["Launched", "launch", "check_launchable"]


class Launched:
    """The created task and, when starting it was refused, why (the task stays a draft)."""

    def __init__(self, task: CallTask, start_error: str | None) -> None:
        self.task = task
        self.start_error = start_error


def check_launchable(engine: Engine, draft: Draft) -> str | None:
    """Why the draft's script version cannot run, or None (the resolver the start uses)."""
    try:
        store_resolver(engine)(draft.script_id, draft.script_version)
    except ScriptNotApproved as e:
        return str(e)
    return None


def _register_upload(engine: Engine, data_dir: Path, draft: Draft) -> int:
    """As the CLI's ``--file``: a private copy under uploads/ and a data source naming it."""
    assert draft.upload_path is not None
    src = Path(draft.upload_path)
    kind = "xlsx" if src.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    shown = Path(draft.upload_name or src.name).name
    dest = private_dir(Path(data_dir) / "uploads") / f"{uuid.uuid4().hex[:8]}_{_safe(shown, src.suffix)}"
    shutil.copyfile(src, dest)
    make_private(dest)
    try:
        return save_source(engine, f"upload:{dest.name}", SourceSpec(kind=kind, path=str(dest.resolve())))
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _safe(name: str, suffix: str) -> str:
    """A file name made of plain characters (the user's name is shown, not trusted)."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).stem)[:60] or "list"
    return stem + suffix.lower()


def _forget_source(engine: Engine, source_id: int) -> None:
    with Session(engine) as s:
        rec = s.get(DataSource, source_id)
        if rec is None:
            return
        if rec.path:
            Path(rec.path).unlink(missing_ok=True)
        s.delete(rec)
        s.commit()


def launch(engine: Engine, data_dir: Path, draft: Draft, *, start: bool) -> Launched:
    """Create the task (TaskError when the core refuses it; nothing is left then) and, with
    ``start``, start it."""
    source_id = draft.source_id if draft.numbers == "source" else None
    uploaded = _register_upload(engine, data_dir, draft) if draft.numbers == "upload" else None
    try:
        task = create_task(engine, to_spec(draft, uploaded or source_id), require_script=True)
    except BaseException:
        if uploaded is not None:
            _forget_source(engine, uploaded)
        raise
    assert task.id is not None
    if not start:
        return Launched(task, None)
    try:
        task = set_status(engine, task.id, "start", store_resolver(engine))
    except TaskError as e:
        return Launched(task, str(e))
    return Launched(task, None)
