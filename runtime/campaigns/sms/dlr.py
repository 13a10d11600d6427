"""The gateway's callbacks: a small HTTP listener Kannel (or a cloud provider) calls.

- ``GET /sms/dlr?id=<message>&token=<hmac>&status=<type>``: a delivery report; the token ties
  the report to the message (:func:`~runtime.campaigns.sms.providers.dlr_token`), so nobody
  else can mark messages.
- ``GET /sms/reply?from=<sender>&text=<reply>&token=<hmac>``: a customer's reply; an opt-out
  word records an opt-out (:mod:`runtime.campaigns.sms.replies`). The token is the node
  secret's :func:`~runtime.campaigns.sms.replies.reply_token`.

It runs in the runtime node beside the sender (stdlib server in a thread: a few requests a call).
"""

from __future__ import annotations

import hmac
import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy.engine import Engine

from huashu.core.errors import UserError
from runtime.background_http import BackgroundHttpServer
from runtime.campaigns.sms.outbox import apply_dlr
from runtime.campaigns.sms.replies import REPLY_PATH, handle_reply, reply_token

__all__ = ["DlrServer", "DLR_PATH", "REPLY_PATH"]

DLR_PATH = "/sms/dlr"
_log = logging.getLogger(__name__)


class DlrServer(BackgroundHttpServer):
    def __init__(self, engine: Engine, secret: str, host: str = "127.0.0.1", port: int = 0, region: str = "CN") -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                url = urllib.parse.urlsplit(self.path[:2048])
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path == REPLY_PATH:
                    self._on_reply(q)
                    return
                if url.path != DLR_PATH:
                    self._reply(404, "not found")
                    return
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

            def _on_reply(self, q: dict[str, str]) -> None:
                if not hmac.compare_digest(q.get("token", ""), reply_token(outer.secret)):
                    self._reply(403, "bad token")
                    return
                result = handle_reply(outer.engine, q.get("from", ""), q.get("text", ""), outer.region)
                outer.replies += 1
                # Kannel sends a non-empty answer back to the customer as an SMS unless the
                # service sets max-messages = 0 (docs/reach.md): the body is for logs only.
                self._reply(400 if result.action == "bad_sender" else 200, result.action)

            def _reply(self, code: int, text: str) -> None:
                body = text.encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, fmt: str, *args: object) -> None:
                _log.debug("dlr: " + fmt, *args)

        self.engine, self.secret, self.region, self.reports, self.replies = engine, secret, region, 0, 0
        super().__init__(ThreadingHTTPServer((host, port), Handler), "sms-dlr")

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}{DLR_PATH}"

    @property
    def reply_url(self) -> str:
        """Where the gateway forwards replies (without the token and parameters)."""
        host, port = self.address
        return f"http://{host}:{port}{REPLY_PATH}"

    def stop(self) -> None:
        self.close()
