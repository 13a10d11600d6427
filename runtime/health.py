"""Health and metrics endpoints of a runtime node, and the call runner wrapper that feeds them.

``huashu runtime run --metrics-port P`` serves, from a small thread beside the dialer:
``/metrics`` (Prometheus text of :mod:`huashu.core.metrics`), ``/healthz`` (the process answers)
and ``/readyz`` (the database answers ``SELECT 1``), as ``deploy/k8s/runtime.yaml`` probes
them. A thread, not the node's event loop, so a scrape never delays a call and a probe
still answers while the loop is busy.
"""

from __future__ import annotations

import contextlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from huashu.core import metrics
from runtime.background_http import BackgroundHttpServer

__all__ = ["MeteredRunner", "HealthServer", "sample_queue_depth"]


class MeteredRunner:
    """Wraps a call runner: calls in progress (``huashu_calls_up``) and every attempt's outcome."""

    def __init__(self, runner: Any, node_id: str) -> None:
        self._runner = runner
        self._node = node_id

    def __getattr__(self, name: str) -> Any:  # the wrapped runner's clock, driver ... stay reachable
        return getattr(self._runner, name)

    async def __call__(self, req: Any) -> Any:
        with metrics.call_up(self._node):  # counted once even when the session counts too
            report = await self._runner(req)
        metrics.observe_attempt(str(req.task_id), str(report.outcome))
        return report


def sample_queue_depth(engine: Engine) -> dict[int, int]:
    """Queued numbers per running task, into ``huashu_dial_queue_depth``; returns them."""
    from runtime.campaigns import tables as T

    j, tk = T.jobs, T.tasks
    with engine.connect() as c:
        rows = c.execute(
            select(tk.c.id, func.count(j.c.id))
            .select_from(tk.outerjoin(j, (j.c.task_id == tk.c.id) & (j.c.state == "queued")))
            .where(tk.c.status == "running").group_by(tk.c.id)
        ).all()
    depth = {int(t): int(n) for t, n in rows}
    for t, n in depth.items():
        metrics.QUEUE_DEPTH.labels(campaign=str(t)).set(n)
    return depth


def _database_ready(engine: Engine) -> str | None:
    """None when the database answers, else why not (one line)."""
    try:
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
        return None
    except Exception as e:  # any driver error means not ready
        return str(e).splitlines()[0] if str(e) else type(e).__name__


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._send(200, b"ok\n")
        elif path == "/readyz":
            why = _database_ready(self.server.engine)
            self._send(200, b"ready\n") if why is None else self._send(503, f"database not reachable: {why}\n".encode())
        elif path == "/metrics":
            # the counters are still worth serving when the queue gauge cannot be read
            with contextlib.suppress(Exception):
                sample_queue_depth(self.server.engine)
            self._send(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8")
        else:
            self._send(404, b"not found: try /metrics, /healthz, /readyz\n")

    def _send(self, status: int, body: bytes, ctype: str = "text/plain; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: keep stderr quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    engine: Engine


class HealthServer(BackgroundHttpServer):
    """Serve the three endpoints on ``host:port`` from a daemon thread (port 0: any free port)."""

    def __init__(self, engine: Engine, host: str = "127.0.0.1", port: int = 0) -> None:
        httpd = _Server((host, port), _Handler)
        httpd.engine = engine
        super().__init__(httpd, "health")

    @property
    def port(self) -> int:
        return self.address[1]
