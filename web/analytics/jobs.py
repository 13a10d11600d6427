"""Long audience work started from the pages (train a model, select an audience by model score),
run in a background thread while the page polls its progress (htmx, once a second).

One job at a time per app: training takes the machine's cores, and a second one would only slow
both down. Jobs live in memory (``app.state.analytics_jobs``): a restart forgets them, and what a
finished job made (a model version, an audience) is in the database like the CLI's.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "JobBusy", "start_job", "get_job", "train_job", "select_job", "step_text"]

_IDS = itertools.count(1)
_LOCK = threading.Lock()


class JobBusy(RuntimeError):
    """Another job of this app is still running."""


@dataclass
class Job:
    id: int
    kind: str  # train | select
    title: str
    expected_steps: int
    started: float = field(default_factory=time.monotonic)
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (step key, params)
    state: str = "running"  # running | done | failed
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    ended: float | None = None

    def say(self, key: str, **params: Any) -> None:
        self.steps.append((key, params))

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    @property
    def progress(self) -> float:
        """0..1 for the bar: steps seen over steps expected (1 when finished)."""
        if self.state != "running":
            return 1.0
        return min(0.95, len(self.steps) / max(1, self.expected_steps))


def _jobs(app_state: Any) -> dict[int, Job]:
    jobs: dict[int, Job] | None = getattr(app_state, "analytics_jobs", None)
    if jobs is None:
        jobs = {}
        app_state.analytics_jobs = jobs
    return jobs


def get_job(app_state: Any, job_id: int) -> Job | None:
    return _jobs(app_state).get(job_id)


def start_job(app_state: Any, kind: str, title: str, expected_steps: int, work: Callable[[Job], dict[str, Any]]) -> Job:
    """Run ``work(job)`` in a thread; its return value becomes ``job.result``. ``JobBusy`` when one runs."""
    with _LOCK:
        jobs = _jobs(app_state)
        if any(j.state == "running" for j in jobs.values()):
            raise JobBusy(kind)
        job = Job(next(_IDS), kind, title, expected_steps)
        jobs[job.id] = job

    def run() -> None:
        try:
            job.result = work(job)
            job.state = "done"
        except Exception as e:  # shown on the page: the job's own words (a bad file, too few outcomes)
            job.error = str(e) or type(e).__name__
            job.state = "failed"
        finally:
            job.ended = time.monotonic()

    threading.Thread(target=run, name=f"analytics-job-{job.id}", daemon=True).start()
    return job


# What runtime.audience.train says while it works, as catalogue keys (the page speaks the user's language).
_RUNTIME_STEPS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"preparing data"), "an.job.step.prepare"),
    (re.compile(r"ranking features by gain ratio"), "an.job.step.rank"),
    (re.compile(r"fitting (?P<kind>\w+) \((?P<name>depth|C)=(?P<value>[^)]+)\)"), "an.job.step.fit"),
]


def _runtime_step(job: Job) -> Callable[[str], None]:
    def say(message: str) -> None:
        for pattern, key in _RUNTIME_STEPS:
            m = pattern.fullmatch(message)
            if m:
                job.say(key, **m.groupdict())
                return
        job.say("an.job.step.other", text=message)

    return say


def step_text(t: Callable[..., str], key: str, params: dict[str, Any]) -> str:
    if key == "an.job.step.fit":
        kind = params.get("kind", "")
        kind_name = t(f"an.kind.{kind}") if kind in ("tree", "logistic") else kind
        return t(key, kind=kind_name, setting=f"{params.get('name')}={params.get('value')}")
    return t(key, **params)


def train_job(customers: Path, outcomes: Path, target: str, kind: str, name: str, models_dir: Path,
              engine: Any) -> Callable[[Job], dict[str, Any]]:
    """The work of ``huashu audience train CUSTOMERS --outcomes OUTCOMES``."""

    def work(job: Job) -> dict[str, Any]:
        from huashu.core.db import session_scope
        from runtime.audience.frame import read_frame
        from runtime.audience.store import save_model
        from runtime.audience.train import join_target, train_model

        job.say("an.job.step.read", name=customers.name)
        frame = read_frame(customers)
        labels = read_frame(outcomes)
        y = join_target(frame, labels, target)
        trained = train_model(frame, y, kind, target, progress=_runtime_step(job))
        job.say("an.job.step.save_model")
        with session_scope(engine) as s:
            row = save_model(s, trained, name, models_dir)
            model_id = row.id
        test = trained.metrics.get("test", {})
        return {"model_id": model_id, "auc": test.get("auc"), "lift": test.get("lift_at_cut"),
                "precision": test.get("precision_at_cut"), "cut": test.get("cut_share")}

    return work


def select_job(name: str, model_id: int, customers: Path, top_n: int, engine: Any) -> Callable[[Job], dict[str, Any]]:
    """The work of ``huashu audience select NAME --model ID --customers F --top N``."""

    def work(job: Job) -> dict[str, Any]:
        import numpy as np

        from huashu.core.db import session_scope
        from runtime.audience.control import control_mask, get_policy
        from runtime.audience.frame import read_frame, take
        from runtime.audience.store import load_model, pick_members, save_audience
        from runtime.audience.train import score_frame
        from runtime.audience.uplift import score_uplift

        job.say("an.job.step.read", name=customers.name)
        frame = read_frame(customers)
        with session_scope(engine) as s:
            _row, model = load_model(s, model_id)
            job.say("an.job.step.score", n=f"{len(frame['customer_id']):,}")
            ids, sc = score_uplift(model, frame) if model.kind == "uplift" else score_frame(model, frame)
            sub = take(frame, np.isin(np.asarray(frame["customer_id"]), ids))
            policy = get_policy(s)
            assert policy is not None
            pos = pick_members(ids, sc, control_mask(ids, policy.salt, policy.fraction), top_n, None)
            job.say("an.job.step.save_audience", n=f"{len(pos):,}")
            aud = save_audience(s, name, sub, pos, sc, "model", str(customers), model_id=model_id, top_n=top_n)
            return {"audience_id": aud.id, "size": aud.size, "held_out": aud.held_out}

    return work
