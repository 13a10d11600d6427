"""The delivery-report receiver: a small HTTP listener Kannel (or a cloud provider) calls back.

``GET /sms/dlr?id=<message>&token=<hmac>&status=<type>``; the token ties the report to the
message (:func:`~runtime.campaigns.sms.providers.dlr_token`), so nobody else can mark messages.
It runs in the runtime node beside the sender (stdlib server in a thread: a few requests a call).
"""

from __future__ import annotations

import logging
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy.engine import Engine

from huashu.core.errors import UserError
from runtime.campaigns.sms.outbox import apply_dlr

__all__ = ["DlrServer", "DLR_PATH"]

DLR_PATH = "/sms/dlr"
_log = logging.getLogger(__name__)


class DlrServer:
    def __init__(self, engine: Engine, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                url = urllib.parse.urlsplit(self.path[:2048])
                if url.path != DLR_PATH:
                    self._reply(404, "not found")
                    return
                q = dict(urllib.parse.parse_qsl(url.query))
                try:
                    message_id = int(q.get("id", ""))
                except ValueError as e:  # the gateway's id is not a number
                    self._reply(400, str(e))
                    return
                try:
                    new = apply_dlr(outer.engine, outer.secret, message_id, q.get("token", ""), q.get("status", ""))
                except UserError as e:
                    self._reply(403 if "token" in str(e) else 400, str(e))
                    return
                outer.reports += 1
                self._reply(200, new or "unchanged")

            def _reply(self, code: int, text: str) -> None:
                body = text.encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:
                _log.debug("dlr: " + fmt, *args)

        self.engine, self.secret, self.reports = engine, secret, 0
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-dlr", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{DLR_PATH}"

    def start(self) -> DlrServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
