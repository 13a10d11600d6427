"""Ready-made call scripts (``*.json``) and their replay cases (``cases/*.json``)."""

from __future__ import annotations

from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent

__all__ = ["LIBRARY_DIR", "library_paths"]


def library_paths() -> list[Path]:
    """All script files in the library, sorted by file name."""
    return sorted(LIBRARY_DIR.glob("*.json"))
