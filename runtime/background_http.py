"""A small HTTP server served from a daemon thread: the node's health endpoints
(:mod:`runtime.health`) and the SMS gateway's delivery reports (:mod:`runtime.campaigns.sms.dlr`)."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self

__all__ = ["BackgroundHttpServer"]


class BackgroundHttpServer:
    """Serves ``server`` from a daemon thread named ``name`` once :meth:`start` is called."""

    def __init__(self, server: ThreadingHTTPServer, name: str) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) it listens on; port 0 at construction means any free port, this is the real one."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
