"""Call tasks: create, change (also while running), start / pause / stop / delete, and their trigger.

Validation happens here once, with messages that name the field: cron and time zone
(including a cron that never fires), calling windows, redialled outcomes, pacing limits, the
column mapping, the query guard, that the mapping gives every variable the script requires
(a task reading a data source), and — at start — that the script version is approved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from runtime.answer.per_task import TaskAnswer, check_task_answer
from runtime.audit.log import record as audit_record
from runtime.campaigns import tables as T
from runtime.campaigns.clock import utcnow
from runtime.campaigns.consent import ConsentError, check_business_type
from runtime.campaigns.cronspec import CronError, check_cron, next_fire
from runtime.campaigns.mapping import ColumnMapping, MappingError
from runtime.campaigns.models import CallTask, TaskSettings, Trigger
from runtime.campaigns.policy import parse_outcomes
from runtime.campaigns.regions import PolicyError, effective_windows, task_policy
from runtime.campaigns.scripts import Resolver, ScriptNotApproved, required_variables, store_document
from runtime.campaigns.sqlguard import UnsafeQuery, check_select
from runtime.campaigns.windows import WindowError, parse_windows, zone

__all__ = ["TaskError", "TaskNotFound", "TaskStateError", "TaskSpec", "create_task", "update_task", "set_status", "get_task",
           "list_tasks", "spec_values", "check_script_exists", "check_mapping_variables", "check_file_mapping", "missing_variables", "ACTIONS"]

ACTIONS = {
    "start": ({"draft", "paused"}, "running"),
    "pause": ({"running"}, "paused"),
    "stop": ({"running", "paused"}, "completed"),
    "delete": ({"draft", "running", "paused", "completed", "failed"}, "deleted"),
}


class TaskError(ValueError):
    """A task field or a status change that is not allowed; the message names it.

    ``str(e)`` is English (CLI, API, logs); ``key`` and ``params`` name the same sentence for a
    translated page (``task.<key>`` in ``web/i18n``). A param that is itself an error (``reason``)
    is said in the page's language too when it carries a key."""

    def __init__(self, message: str, *, key: str = "", params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.params: dict[str, Any] = dict(params or {})


class TaskNotFound(TaskError, LookupError):
    """No task with that id (or it was deleted, where that matters)."""


class TaskStateError(TaskError):
    """The change does not fit the task's status (or its script version is not approved)."""


@dataclass
class TaskSpec(TaskSettings):
    """A task as it is created or changed: the settings its row stores (:class:`TaskSettings`,
    one definition for both), and the query's parameters and the column mapping as objects (the
    row keeps them as JSON text)."""

    query_params: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, Any] = field(default_factory=lambda: {"phone": "phone"})


def _validate(spec: TaskSpec, source_kind: str | None) -> None:
    if not spec.name.strip():
        raise TaskError("name: must not be empty", key="name_empty")
    if not spec.business.strip():
        raise TaskError("business: must not be empty (it is the dedupe key)", key="business_empty")
    try:
        zone(spec.timezone)
        parse_windows(spec.windows)
        if spec.schedule_kind == "cron":
            if not spec.cron:
                raise TaskError("cron: a cron schedule needs an expression", key="cron_missing")
            spec.cron = check_cron(spec.cron, spec.timezone)
        elif spec.schedule_kind != "once":
            raise TaskError(f"schedule: {spec.schedule_kind!r} is not 'cron' or 'once'", key="schedule_kind",
                            params={"value": repr(spec.schedule_kind)})
        elif spec.cron:
            # stored unchecked it would only confuse: refuse the mix instead of ignoring one half
            raise TaskError(f"cron: a one-off task (schedule 'once') takes no cron expression, got {spec.cron!r}; "
                            "use schedule 'cron' or leave cron out", key="cron_with_once", params={"cron": repr(spec.cron)})
        parse_outcomes(spec.redial_outcomes)
        _check_mapping_values(spec.mapping)
        ColumnMapping.from_dict(spec.mapping)
        if spec.query and source_kind in ("mysql", "postgresql", "oracle"):
            check_select(spec.query, source_kind)
    except TaskError:
        raise
    except (WindowError, CronError, MappingError, UnsafeQuery) as e:
        raise TaskError(str(e), key="invalid", params={"reason": e}) from e
    except ValueError as e:
        raise TaskError(f"redial_outcomes: {e}", key="redial_outcomes", params={"reason": str(e)}) from e
    _check_numbers(spec)
    try:
        check_business_type(spec.business_type)
    except ConsentError as e:
        raise TaskError(str(e), key="business_type", params={"value": repr(spec.business_type)}) from None
    _check_policy(spec)
    if spec.misfire not in ("fire_once", "skip"):
        raise TaskError(f"misfire: {spec.misfire!r} is not 'fire_once' or 'skip'", key="misfire",
                        params={"value": repr(spec.misfire)})
    if spec.redial_count < 0 or spec.redial_count > 20:
        raise TaskError("redial_count: must be 0..20", key="redial_count")
    if spec.redial_interval_s < 0:
        raise TaskError("redial_interval_s: must not be negative", key="redial_interval")
    if spec.max_concurrent < 1:
        raise TaskError("max_concurrent: must be at least 1", key="max_concurrent")
    if not spec.calls_per_second > 0:
        raise TaskError("calls_per_second: must be above 0", key="calls_per_second")
    if spec.dedupe_days is not None and spec.dedupe_days < 0:
        raise TaskError("dedupe_days: must not be negative", key="dedupe_days")
    if not 0 <= spec.priority <= 9:
        raise TaskError(f"priority: must be 0..9 (9 first), got {spec.priority}", key="priority",
                        params={"value": spec.priority})
    try:
        check_task_answer(TaskAnswer.of(spec))
    except ValueError as e:
        raise TaskError(str(e), key="answer", params={"reason": str(e)}) from e


def _check_caller_pool(engine: Engine, spec: TaskSpec) -> None:
    """A task may name only a pool that exists and has numbers: a typo would defer every call."""
    if spec.caller_pool is None:
        return
    if not isinstance(spec.caller_pool, str) or not spec.caller_pool.strip():
        raise TaskError("caller_pool: must be a pool name or left out", key="caller_pool_name")
    from runtime.campaigns.callerid.dialing import check_pool
    from runtime.campaigns.callerid.store import PoolError

    try:
        check_pool(engine, spec.caller_pool)
    except PoolError as e:
        raise TaskError(f"caller_pool: {e}", key="caller_pool", params={"reason": e}) from e


def _check_disclosure(task: CallTask, document: Mapping[str, Any]) -> None:
    """A task under a region policy starts only with a script whose opening makes the disclosure
    the policy asks for (caller identified, automated voice said): QA's compliance findings."""
    policy = task_policy(task.region_policy)
    if policy is None:
        return
    from designer.qa import qa

    codes = ("no_caller_identification", "no_automated_voice_disclosure")
    found = [f for f in qa(document, disclosure=policy.disclosure_requirements()).findings if f.code in codes]
    if found:
        raise TaskStateError(f"cannot start task {task.id}: region policy {policy.name!r}: "
                             + "; ".join(f.message for f in found), key="disclosure",
                             params={"id": task.id, "policy": policy.name, "findings": found})


def _check_policy(spec: TaskSpec) -> None:
    try:
        policy = task_policy(spec.region_policy)
    except PolicyError as e:
        raise TaskError(f"region_policy: {e}", key="region_policy", params={"reason": e}) from None
    if policy is None:
        return
    if policy.business_type_required and not spec.business_type:
        raise TaskError(f"business_type: the region policy {policy.name!r} needs one (marketing, service or collection)",
                        key="business_type_required", params={"policy": policy.name})
    hours = effective_windows(parse_windows(spec.windows), policy)
    if hours.spans == ((0, 0),):
        raise TaskError(f"windows: {spec.windows!r} and the calling hours of policy {policy.name!r} "
                        f"({policy.calling_hours}) do not overlap", key="windows_policy",
                        params={"windows": spec.windows, "policy": policy.name, "hours": policy.calling_hours})


_NUMERIC = ("redial_count", "redial_interval_s", "max_concurrent", "dedupe_days", "priority")


def _check_numbers(spec: TaskSpec) -> None:
    """Numbers may arrive as text (``--set max_concurrent=abc``, a JSON body): name the field
    instead of failing on a comparison deep inside."""
    for name in _NUMERIC:
        v = getattr(spec, name)
        if v is None and name == "dedupe_days":
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            raise TaskError(f"{name}: {v!r} is not a whole number", key="not_whole", params={"field": name, "value": repr(v)})
    v = spec.calls_per_second
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TaskError(f"calls_per_second: {v!r} is not a number", key="not_number",
                        params={"field": "calls_per_second", "value": repr(v)})
    for name in ("call_secondary", "spread", "best_time"):
        if not isinstance(getattr(spec, name), bool):
            raise TaskError(f"{name}: {getattr(spec, name)!r} is not true or false", key="not_bool",
                            params={"field": name, "value": repr(getattr(spec, name))})


def _column_name(where: str, v: Any) -> None:
    if not isinstance(v, str) or not v.strip():
        raise TaskError(f"{where}: {v!r} is not a column name", key="column_name", params={"where": where, "value": repr(v)})
    if "," in v or "=" in v:
        raise TaskError(f"{where}: {v!r} is not a column name (it contains ',' or '='; give one KEY=COLUMN per pair)",
                        key="column_pairs", params={"where": where, "value": repr(v)})


def _check_mapping_values(mapping: Any) -> None:
    """Every mapped column is one plain name: ``"phone,name=name"`` is two pairs run together,
    and a number is no column — either would only fail later, when the run loads."""
    if not isinstance(mapping, dict):
        raise TaskError("mapping: must be an object {field: column}", key="mapping_object")
    for k in ("phone", "secondary_phone", "customer_id", "name"):
        if mapping.get(k) is not None:
            _column_name(f"mapping {k}", mapping[k])
    vars_ = mapping.get("variables") or {}
    if isinstance(vars_, dict):
        for var, c in vars_.items():
            _column_name(f"mapping variable {var}", c)
    elif isinstance(vars_, list):
        for c in vars_:
            _column_name("mapping variables", c)


def _check_file_source(s: Session, spec: TaskSpec) -> None:
    """A CSV/XLSX source is read up to its first row now, so a file that is not a list, or a
    mapping naming columns it lacks, is refused at creation instead of failing the run."""
    if spec.source_id is None:
        return
    from runtime.campaigns.models import DataSource
    from runtime.campaigns.secrets import SecretBox
    from runtime.campaigns.sources import SourceError, fetch_rows, spec_from_record
    from runtime.campaigns.uploads import RowError

    rec = s.get(DataSource, spec.source_id)
    if rec is None or rec.kind not in ("csv", "xlsx"):
        return
    errors: list[RowError] = []
    try:
        src = spec_from_record(rec, SecretBox())
        first = next(iter(fetch_rows(src, None, {}, errors, limit=1)), None)
    except (SourceError, ValueError, OSError) as e:
        raise TaskError(f"source {rec.name}: cannot read it as {rec.kind.upper()}: {e}", key="source_unreadable",
                        params={"source": rec.name, "kind": rec.kind.upper(), "reason": str(e)}) from e
    if first is None:
        detail = f" (first problem: {errors[0]})" if errors else ""
        raise TaskError(f"source {rec.name}: no customer rows in the file{detail}", key="source_empty",
                        params={"source": rec.name, "detail": detail})
    try:
        ColumnMapping.from_dict(spec.mapping).check_columns(first.values.keys())
    except MappingError as e:
        raise TaskError(f"mapping: {e}", key="mapping", params={"reason": str(e)}) from e


def missing_variables(mapping: Mapping[str, Any], document: Mapping[str, Any]) -> list[str]:
    """The variables the script requires that the column mapping does not supply, sorted."""
    have = set(ColumnMapping.from_dict(mapping).variables)
    return sorted(required_variables(document) - have)


def check_mapping_variables(task_id: int | None, mapping: Mapping[str, Any], document: Mapping[str, Any],
                            script_id: str | None) -> None:
    """Refuse a mapping that lacks a variable the script requires: every call would be cancelled
    before dialling (``bad_variables``), the whole list spent for nothing."""
    missing = missing_variables(mapping, document)
    if missing:
        names = ", ".join(missing)
        what = f"task {task_id}: " if task_id is not None else ""
        raise TaskError(f"{what}mapping: script {script_id!r} requires variable(s) {names}, which the column mapping "
                        "does not supply (map each to a column: --var NAME=COLUMN, or mapping.variables in the API)",
                        key="missing_variables", params={"script": script_id, "names": names})


def _reads_mapped_rows(source_id: int | None) -> bool:
    """A task reading a data source gets its variables through the column mapping. Numbers handed
    over (``add_numbers``: API, CLI ``add-numbers``) and audience members bring their own."""
    return source_id is not None


def _check_variables_at_create(engine: Engine, spec: TaskSpec) -> None:
    if not (_reads_mapped_rows(spec.source_id) and spec.script_id):
        return
    doc = store_document(engine, spec.script_id, spec.script_version)
    if doc is not None:  # a script the store lacks is checked at start, through the resolver
        check_mapping_variables(None, spec.mapping, doc, spec.script_id)


def check_file_mapping(engine: Engine, task: CallTask) -> None:
    """Before a file is read through the task's mapping outside a run (``campaign add-numbers``):
    the same required-variables check as at creation, whatever the task's source."""
    if not task.script_id:
        return
    doc = store_document(engine, task.script_id, task.script_version)
    if doc is not None:
        check_mapping_variables(task.id, json.loads(task.mapping or "{}"), doc, task.script_id)


def check_script_exists(engine: Engine, script_id: str | None) -> None:
    """The script must be in the designer store (any version): a typo would otherwise only show
    at start. Optional, because tests and the demo run tasks on scripts they resolve themselves."""
    from designer import store

    if not script_id:
        raise TaskError("script: a task needs a script id", key="script_missing")
    with Session(engine) as s:
        if s.get(store.ScriptRecord, script_id) is None:
            raise TaskError(f"script: no script {script_id!r} in the designer store (see `huashu script list`)",
                            key="no_script", params={"script": script_id})


def _check_audience(s: Session, spec: TaskSpec) -> None:
    """A task reads either a data source or a saved audience, and the audience must exist."""
    if spec.audience_id is None:
        return
    if spec.source_id is not None:
        raise TaskError("audience: a task takes its numbers from a data source or an audience, not both",
                        key="audience_and_source")
    from runtime.audience.models import Audience

    if s.get(Audience, spec.audience_id) is None:
        raise TaskError(f"audience: no audience with id {spec.audience_id}", key="no_audience",
                        params={"id": spec.audience_id})


def _source_kind(s: Session, source_id: int | None) -> str | None:
    if source_id is None:
        return None
    row = s.connection().execute(select(T.sources.c.kind).where(T.sources.c.id == source_id)).first()
    if row is None:
        raise TaskError(f"source: no data source with id {source_id}", key="no_source", params={"id": source_id})
    return str(row[0])


def _columns(spec: TaskSpec) -> dict[str, Any]:
    d = asdict(spec)
    d["query_params"] = json.dumps(spec.query_params, ensure_ascii=False, default=str)
    d["mapping"] = json.dumps(spec.mapping, ensure_ascii=False)
    return d


def create_task(engine: Engine, spec: TaskSpec, *, require_script: bool = False) -> CallTask:
    """Validate and store a draft task. ``require_script``: the script id must exist in the
    designer store (the CLI asks for it; callers with their own resolver may not)."""
    if require_script:
        check_script_exists(engine, spec.script_id)
    with Session(engine, expire_on_commit=False) as s:
        _check_audience(s, spec)
        _validate(spec, _source_kind(s, spec.source_id))
        _check_file_source(s, spec)
        _check_variables_at_create(engine, spec)
        _check_caller_pool(engine, spec)
        now = utcnow()
        task = CallTask(**_columns(spec), status="draft", created_at=now, updated_at=now)
        s.add(task)
        s.flush()
        audit_record(s, "task.create", "task", task.id, after=_columns(spec))
        s.commit()
        return task


def spec_values(task: CallTask) -> dict[str, Any]:
    """The stored task's :class:`TaskSpec` fields, its JSON columns decoded: what ``update_task``
    edits and what the API answers (a task is one shape, whoever reads it)."""
    values = {f: getattr(task, f) for f in TaskSpec.__dataclass_fields__ if f not in ("query_params", "mapping")}
    return values | {"query_params": json.loads(task.query_params or "{}"), "mapping": json.loads(task.mapping or "{}")}


def update_task(engine: Engine, task_id: int, changes: dict[str, Any]) -> CallTask:
    """Change fields of a task, running or not. The dialer re-reads the task on every round,
    so pacing, windows and redial rules take effect at once; jobs already queued keep their
    numbers (a new source or mapping applies from the next run)."""
    with Session(engine, expire_on_commit=False) as s:
        task = s.get(CallTask, task_id)
        if task is None or task.status == "deleted":
            raise TaskNotFound(f"no task with id {task_id}", key="not_found", params={"id": task_id})
        current = TaskSpec(**spec_values(task))
        for k, v in changes.items():
            if k not in TaskSpec.__dataclass_fields__:
                raise TaskError(f"{k}: not a task field", key="not_a_field", params={"field": k})
            setattr(current, k, v)
        before = {k: getattr(task, k) for k in changes}
        if current.schedule_kind == "once" and "cron" not in changes:
            current.cron = None  # a one-off run has no expression: switching to it drops the old one
        _check_audience(s, current)
        _validate(current, _source_kind(s, current.source_id))
        if {"source_id", "mapping"} & set(changes):
            _check_file_source(s, current)
        if {"source_id", "mapping", "script_id", "script_version"} & set(changes):
            _check_variables_at_create(engine, current)
        if "caller_pool" in changes:
            _check_caller_pool(engine, current)
        for k, v in _columns(current).items():
            setattr(task, k, v)
        task.updated_at = utcnow()
        s.add(task)
        if task.status == "running" and {"cron", "timezone", "schedule_kind", "once_at", "misfire"} & set(changes):
            _arm_trigger(s, task)
        audit_record(s, "task.update", "task", task_id, before=before, after={k: getattr(task, k) for k in changes})
        s.commit()
        return task


def _arm_trigger(s: Session, task: CallTask) -> None:
    assert task.id is not None
    now = utcnow()
    trig = s.exec(select(Trigger).where(Trigger.task_id == task.id)).first()
    if trig is None:
        trig = Trigger(task_id=task.id)
    trig.kind = task.schedule_kind
    trig.cron = task.cron
    trig.timezone = task.timezone
    trig.misfire = task.misfire
    if task.schedule_kind == "cron":
        if not task.cron:
            raise TaskStateError(f"cannot start task {task.id}: its cron schedule has no expression",
                                 key="cron_no_expression", params={"id": task.id})
        if trig.next_fire_at is None or trig.cron != task.cron:
            try:
                trig.next_fire_at = next_fire(task.cron, task.timezone, now)
            except CronError as e:  # a value stored before it was checked: say so, do not crash
                raise TaskStateError(f"cannot start task {task.id}: {e}", key="cannot_start",
                                     params={"id": task.id, "reason": e}) from e
    elif trig.fire_count == 0:
        trig.next_fire_at = task.once_at or now
    s.add(trig)


def set_status(engine: Engine, task_id: int, action: str, resolver: Resolver | None = None) -> CallTask:
    """Apply start/pause/stop/delete. Stop and delete close the task's open queued jobs with a
    recorded reason (never a silent loss); calls already up finish normally."""
    if action not in ACTIONS:
        raise TaskError(f"unknown action {action!r}; use {', '.join(ACTIONS)}", key="unknown_action",
                        params={"value": repr(action), "actions": ", ".join(ACTIONS)})
    allowed, target = ACTIONS[action]
    with Session(engine, expire_on_commit=False) as s:
        task = s.get(CallTask, task_id, with_for_update=True)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id}", key="not_found", params={"id": task_id})
        if task.status not in allowed:
            raise TaskStateError(f"cannot {action} task {task_id}: it is {task.status}", key="wrong_state",
                                 params={"task_action": action, "id": task_id, "task_status": task.status})
        if action == "start":
            if not task.script_id:
                raise TaskStateError(f"task {task_id} has no script version", key="no_script_version", params={"id": task_id})
            if resolver is None:
                raise TaskError("no script resolver configured", key="no_resolver")
            try:
                document = resolver(task.script_id, task.script_version)
            except ScriptNotApproved as e:
                raise TaskStateError(f"cannot start task {task_id}: {e}", key="cannot_start",
                                     params={"id": task_id, "reason": e}) from e
            _check_disclosure(task, document)
            if _reads_mapped_rows(task.source_id):
                try:
                    check_mapping_variables(task_id, json.loads(task.mapping or "{}"), document, task.script_id)
                except TaskError as e:
                    raise TaskStateError(f"cannot start {e}", key="cannot_start", params={"id": task_id, "reason": e}) from e
            _arm_trigger(s, task)
        if action in ("stop", "delete"):
            j = T.jobs
            s.connection().execute(
                update(j)
                .where(j.c.task_id == task_id, j.c.state == "queued")
                .values(state="dropped", drop_reason=f"task_{'stopped' if action == 'stop' else 'deleted'}",
                        drop_message=f"task {action} before the number was dialled")
            )
            s.connection().execute(update(T.triggers).where(T.triggers.c.task_id == task_id).values(next_fire_at=None))
        audit_record(s, f"task.{action}", "task", task_id, before={"status": task.status}, after={"status": target})
        task.status = target
        task.updated_at = utcnow()
        s.add(task)
        s.commit()
        return task


def get_task(engine: Engine, task_id: int) -> CallTask | None:
    with Session(engine, expire_on_commit=False) as s:
        return s.get(CallTask, task_id)


def list_tasks(engine: Engine, include_deleted: bool = False, name: str | None = None,
               script: str | None = None, created_from: datetime | None = None,
               created_to: datetime | None = None, ran_from: datetime | None = None,
               ran_to: datetime | None = None) -> list[CallTask]:
    """Tasks, newest first, filtered like the operator's task list (figure 4): task name and
    script id contain, creation time, and execution period (a run fired in [ran_from, ran_to))."""
    with Session(engine, expire_on_commit=False) as s:
        q = select(CallTask).order_by(col(CallTask.id).desc())
        if not include_deleted:
            q = q.where(CallTask.status != "deleted")
        if name:
            q = q.where(col(CallTask.name).contains(name))
        if script:
            q = q.where(col(CallTask.script_id).contains(script))
        if created_from:
            q = q.where(CallTask.created_at >= created_from)
        if created_to:
            q = q.where(CallTask.created_at < created_to)
        if ran_from or ran_to:
            r = T.runs
            cond = [r.c.task_id == CallTask.id]
            if ran_from:
                cond.append(r.c.fired_at >= ran_from)
            if ran_to:
                cond.append(r.c.fired_at < ran_to)
            q = q.where(exists().where(*cond))
        return list(s.exec(q).all())
