"""The rich console every command prints through: terminal width in a terminal, and a wide fixed
width when piped or in CI, so tables are not squeezed into slivers of 80 columns."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

__all__ = ["console"]

PIPED_WIDTH = 160


def console(*, stderr: bool = False, **kwargs: Any) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    if "width" not in kwargs and not stream.isatty():
        kwargs["width"] = PIPED_WIDTH
    return Console(stderr=stderr, **kwargs)
