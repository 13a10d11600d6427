"""The operator pages' fixed vocabularies: outcome codes in display order and status badge colours.

Their words live in the app's one catalogue (``web/i18n/<lang>.json``, keys ``op.*``), like
every other page's: ``op.outcome.<code>``, ``op.status.<status>``.
"""

from __future__ import annotations

__all__ = ["OUTCOMES", "TASK_STATUS_CLASS"]

#: Outcome codes in the order of the paper's result table (figure 5); unknown codes still show.
OUTCOMES: tuple[str, ...] = (
    "connected", "no_answer", "busy", "rejected", "invalid_number", "unreachable", "network_error", "cancelled",
    "interrupted",
    # what answered instead of a person (issue 21)
    "announcement_invalid", "announcement_suspended", "announcement_powered_off", "announcement_busy",
    "announcement_unreachable", "voicemail", "screening", "ivr", "fax",
)

#: Task status -> badge colour class.
TASK_STATUS_CLASS: dict[str, str] = {
    "draft": "neutral", "running": "ok", "paused": "warn", "completed": "info", "failed": "bad", "deleted": "muted",
}
