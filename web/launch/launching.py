"""Creating (and starting) the task a finished wizard describes, through the core only.

The same steps as ``huashu campaign create --file ...`` then ``huashu campaign start``: the list
is copied into ``<data_dir>/uploads`` and registered as a data source
(:func:`runtime.campaigns.sources.save_source`), the task is created by
:func:`runtime.campaigns.tasks.create_task` and started by
:func:`runtime.campaigns.tasks.set_status`. If the core refuses the task, the source and its
file are removed again: a refused wizard leaves no rows behind.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from runtime.campaigns.models import CallTask
from runtime.campaigns.scripts import ScriptNotApproved, store_resolver
from runtime.campaigns.sources import forget_upload, keep_upload
from runtime.campaigns.tasks import TaskError, create_task, set_status
from web.launch.wizard import Draft, to_spec

__all__ = ["Launched", "launch", "check_launchable"]


class Launched:
    """The created task and, when starting it was refused, why (the task stays a draft)."""

    def __init__(self, task: CallTask, start_error: TaskError | None) -> None:
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
    return keep_upload(engine, data_dir, src, Path(draft.upload_name or src.name).name)


def launch(engine: Engine, data_dir: Path, draft: Draft, *, start: bool) -> Launched:
    """Create the task (TaskError when the core refuses it; nothing is left then) and, with
    ``start``, start it."""
    source_id = draft.source_id if draft.numbers == "source" else None
    uploaded = _register_upload(engine, data_dir, draft) if draft.numbers == "upload" else None
    try:
        task = create_task(engine, to_spec(draft, uploaded or source_id), require_script=True)
    except BaseException:
        if uploaded is not None:
            forget_upload(engine, uploaded)
        raise
    assert task.id is not None
    if not start:
        return Launched(task, None)
    try:
        task = set_status(engine, task.id, "start", store_resolver(engine))
    except TaskError as e:
        return Launched(task, e)
    return Launched(task, None)
