"""A task's own answer handling: on or off, and what to do with a machine, over the node's.

The node's ``[answer]`` settings give every runner one :class:`AnswerSetup`; a task may
switch classification on or off for its own calls and choose its own machine action
(``huashu campaign create --answer on --on-machine message --machine-message ...``, the API's
``answer_*`` fields). Stored on the task (``campaign_task.answer_*``), carried to the runner
in :class:`TaskAnswer` on each dial request, resolved here so every runner applies it alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from runtime.answer.consequences import ON_MACHINE, AnswerSetup

__all__ = ["ANSWER_MODES", "TaskAnswer", "check_task_answer", "resolve_setup"]

#: ``node``: the node's ``[answer] enabled``; ``on`` / ``off``: this task's own choice
ANSWER_MODES = ("node", "on", "off")
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class TaskAnswer:
    """The task's answer fields (None: the node's value)."""

    mode: str = "node"
    on_machine: str | None = None
    message: str | None = None
    screener_text: str | None = None

    @classmethod
    def of(cls, task: Any) -> TaskAnswer:
        """From a stored task (``CallTask``) or anything with its ``answer_*`` attributes."""
        return cls(getattr(task, "answer_mode", None) or "node", getattr(task, "answer_on_machine", None),
                   getattr(task, "answer_message", None), getattr(task, "answer_screener_text", None))

    @property
    def overrides(self) -> bool:
        return any(v is not None for v in (self.on_machine, self.message, self.screener_text))


def _text(where: str, v: Any) -> None:
    if v is None:
        return
    if not isinstance(v, str):
        raise ValueError(f"{where}: {v!r} is not text")
    if len(v) > MAX_TEXT:
        raise ValueError(f"{where}: at most {MAX_TEXT} characters, got {len(v)}")
    bad = [c for c in v if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")]
    if bad:
        raise ValueError(f"{where}: control or format character {bad[0]!r} is not allowed (it is spoken to the callee)")


def check_task_answer(a: TaskAnswer) -> None:
    """ValueError naming the field (``answer_mode``, ``answer_on_machine``, ...) when wrong."""
    if a.mode not in ANSWER_MODES:
        raise ValueError(f"answer_mode: {a.mode!r} is not one of {', '.join(ANSWER_MODES)}")
    if a.on_machine is not None and a.on_machine not in ON_MACHINE:
        raise ValueError(f"answer_on_machine: {a.on_machine!r} is not one of {', '.join(ON_MACHINE)}")
    _text("answer_message", a.message)
    _text("answer_screener_text", a.screener_text)
    if a.on_machine == "message" and not (a.message or "").strip():
        raise ValueError("answer_message: on_machine 'message' needs the message to leave on a voicemail box")
    if a.mode == "off" and a.overrides:
        raise ValueError("answer_mode: 'off' takes no on_machine, message or screener text (nothing is classified)")


def resolve_setup(node: AnswerSetup | None, task: TaskAnswer | None,
                  default: Callable[[], AnswerSetup]) -> AnswerSetup | None:
    """The setup one call of the task runs with. ``node``: the runner's (None: off on this
    node); ``default``: the setup to start from when a task switches it on where the node has
    it off (the built-in phrase tables, built once by the caller)."""
    if task is None or task.mode == "off":
        return None if task is not None else node
    base = node if task.mode == "node" else (node or default())
    if base is None:
        return None
    if not task.overrides:
        return base
    return replace(base, on_machine=task.on_machine or base.on_machine,
                   message=base.message if task.message is None else task.message,
                   screener_text=base.screener_text if task.screener_text is None else task.screener_text)
