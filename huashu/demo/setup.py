"""The idempotent demo set-up: scripts, approval, audience, task, users.

Running it again changes nothing that exists: the library is not re-imported, the approved
version is reused, the task is found by name, users keep their passwords. The audience is
rebuilt from the parameters saved beside the database (``demo.json``), so a second run with
another ``--customers`` still describes the campaign that was created.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from huashu.core.db import session_scope
from huashu.demo import DEMO_SCRIPT
from huashu.demo.accounts import Account, ensure_accounts
from huashu.demo.audience import DemoAudience, build_audience, customer_rows
from huashu.demo.callers import DEMO_POOL, ensure_demo_pool
from huashu.demo.library import LibraryResult, ensure_approved, ensure_library
from huashu.demo.task import TaskResult, ensure_task, find_task
from runtime.audience.control import get_policy

__all__ = ["DemoParams", "DemoState", "prepare", "load_params"]

_PARAMS_FILE = "demo.json"


@dataclass(frozen=True, slots=True)
class DemoParams:
    customers: int = 20000
    seed: int = 7


@dataclass(frozen=True)
class DemoState:
    params: DemoParams
    params_note: str | None  # set when saved parameters overrode the ones asked for
    library: LibraryResult
    script_version: int
    audience: DemoAudience
    task: TaskResult
    accounts: list[Account]


def load_params(data_dir: Path) -> DemoParams | None:
    path = data_dir / _PARAMS_FILE
    if not path.is_file():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    return DemoParams(customers=int(d["customers"]), seed=int(d["seed"]))


def _save_params(data_dir: Path, p: DemoParams) -> None:
    (data_dir / _PARAMS_FILE).write_text(json.dumps({"customers": p.customers, "seed": p.seed}), encoding="utf-8")


def prepare(engine: Engine, data_dir: Path, asked: DemoParams, region: str = "CN",
            step: Callable[[str], None] = lambda _msg: None) -> DemoState:
    """Do every set-up step that is not done yet; ``step`` hears a line per step."""
    lib = ensure_library(engine)
    step(f"script library: {len(lib.imported)} imported, {len(lib.present)} already in the store")
    version = ensure_approved(engine, DEMO_SCRIPT)
    step(f"script {DEMO_SCRIPT}@{version} approved")

    saved = load_params(data_dir) if find_task(engine) is not None else None
    params, note = asked, None
    if saved is not None and saved != asked:
        params = saved
        note = (f"the demo task exists already and was built from {saved.customers:,} customers (seed {saved.seed}); "
                "using those (delete the data directory to start over)")
    with session_scope(engine) as s:
        policy = get_policy(s)
        assert policy is not None
        salt, fraction = policy.salt, policy.fraction
    aud = build_audience(params.customers, params.seed, salt, fraction)
    step(f"synthetic base: {params.customers:,} customers, {aud.targets:,} semi-suspended: "
         f"{len(aud.called):,} to call, {len(aud.control):,} held out as control ({fraction:.0%})")
    rows = customer_rows(aud)
    callers = ensure_demo_pool(engine, rows, region)
    step(f"caller-id pool {DEMO_POOL}: {callers} local numbers, one per city called")
    task = ensure_task(engine, version, rows, region=region, caller_pool=DEMO_POOL)
    if task.created:
        _save_params(data_dir, params)
        step(f"demo task {task.task_id} created: {task.queued:,} numbers queued, {task.dropped:,} dropped")
    else:
        step(f"demo task {task.task_id} exists ({task.status})")
    accounts = ensure_accounts(engine)
    return DemoState(params, note, lib, version, aud, task, accounts)
