"""Names of the built-in intents every script may use without defining them.

Only the names live here (validation needs them); the runtime owns their phrases in each language.
"""

from __future__ import annotations

__all__ = ["BUILTIN_INTENTS"]

BUILTIN_INTENTS: frozenset[str] = frozenset(
    {
        "affirm",
        "deny",
        "opt_out",
        "complaint",
        "who_are_you",
        "busy_later",
        "ask_price",
        "repeat",
        "already_done",
    }
)
