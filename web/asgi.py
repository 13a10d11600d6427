"""The ASGI entry point for uvicorn (``huashu serve`` or ``uvicorn web.asgi:app``)."""

from __future__ import annotations

import os

from huashu.core.config import Settings
from web.app import create_app

__all__ = ["app"]

_settings = Settings()
app = create_app(_settings, secure_cookies=False if os.environ.get("HUASHU_WEB_INSECURE_COOKIES") else None)
