"""The demo call task: created once, with the called customers as its numbers.

Found again by its name on later runs (a second ``huashu demo`` neither creates another
task nor adds the numbers twice). The task's real calling window is always open so the
demo dials at any hour; the time of day the report shows is the virtual day's
(:mod:`huashu.demo.dayclock`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from huashu.demo import DEMO_BUSINESS, DEMO_SCRIPT, DEMO_TASK_NAME
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.sms.store import RuleIn, add_rule
from runtime.campaigns.tasks import TaskSpec, create_task, list_tasks

__all__ = ["TaskResult", "ensure_task", "find_task", "demo_spec", "DEMO_SMS_RULES"]


@dataclass(frozen=True, slots=True)
class TaskResult:
    task_id: int
    created: bool
    queued: int
    dropped: int
    status: str


#: the demo's SMS follow-ups: a confirmation after a success, a text instead of a third call
DEMO_SMS_RULES: tuple[RuleIn, ...] = (
    RuleIn("开通确认", "${name}您好，您的流量包已办理成功，详情请查看 https://example.cn/pack 。", intent="success"),
    RuleIn("两次未接通", "您好，我们两次致电未能联系到您，如需办理流量包升级请回复 1。", outcome="no_answer", attempts=2),
)


def demo_spec(script_version: int, caller_pool: str | None = None) -> TaskSpec:
    return TaskSpec(
        name=DEMO_TASK_NAME, business=DEMO_BUSINESS, script_id=DEMO_SCRIPT, script_version=script_version,
        windows="", redial_count=2, redial_interval_s=1, redial_outcomes="no_answer,busy,cancelled",
        call_secondary=False, max_concurrent=60, calls_per_second=100.0, caller_pool=caller_pool,
    )


def find_task(engine: Engine) -> tuple[int, str] | None:
    """(id, status) of the demo task, if it exists (and is not deleted)."""
    for t in list_tasks(engine, name=DEMO_TASK_NAME):
        if t.name == DEMO_TASK_NAME and t.id is not None:
            return t.id, t.status
    return None


def ensure_task(engine: Engine, script_version: int, rows: Sequence[CustomerRow], region: str = "CN",
                progress: Callable[[int], None] | None = None, caller_pool: str | None = None) -> TaskResult:
    found = find_task(engine)
    if found is not None:
        return TaskResult(found[0], False, 0, 0, found[1])
    task = create_task(engine, demo_spec(script_version, caller_pool))
    assert task.id is not None
    for rule in DEMO_SMS_RULES:
        add_rule(engine, task.id, rule)
    _, stats = add_numbers(engine, task.id, rows, region=region, progress=progress)
    return TaskResult(task.id, True, stats.queued, stats.dropped, task.status)
