"""The engine the campaign commands use: the configured database, tables created if missing."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from huashu.core.config import get_settings
from huashu.core.db import init_db, make_engine

__all__ = ["open_engine"]


def open_engine(url: str | None = None) -> Engine:
    settings = get_settings()
    if url is None:
        settings.ensure_dirs()
    engine = make_engine(url or settings.db_url)
    init_db(engine)
    return engine
