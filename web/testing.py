"""A real server for browser tests and the editor benchmark: uvicorn on 127.0.0.1:<free port> in a thread.

Shipped with the package (not under tests/) so ``bench/bench_editor.py`` and other areas'
browser tests can start the same app the same way.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from huashu.core.config import Settings
from huashu.core.db import make_engine
from web.app import create_app
from web.auth.users import create_user

__all__ = ["BROWSER_ARGS", "LiveServer", "free_port"]

BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``with LiveServer(dir, {"ann": "designer"}, pw) as s: s.url`` -- a temporary SQLite database in ``dir``."""

    def __init__(self, data_dir: Path, users: dict[str, str], password: str) -> None:
        self.port = free_port()
        self.settings = Settings(data_dir=data_dir, secret_key="live-secret-" + "y" * 32, host="127.0.0.1")
        self.settings.speech.tts_provider = "espeak"
        self.settings.speech.tts_fallbacks = []
        self.engine = make_engine(self.settings.db_url)
        self.app = create_app(self.settings, self.engine, secure_cookies=False)
        for name, role in users.items():
            create_user(self.engine, name, password, role)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
