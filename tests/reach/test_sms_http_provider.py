"""The HTTP provider for cloud SMS APIs against a local server: JSON body, bearer token and an
idempotency key; 2xx is accepted (its id kept), 4xx rejected, 5xx / no connection retried later;
the callback it hands out is accepted by the node's delivery-report listener."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from runtime.campaigns.clock import utcnow
from runtime.campaigns.sms.dlr import DlrServer
from runtime.campaigns.sms.outbox import SmsSender
from runtime.campaigns.sms.providers import HttpProvider, OutMessage
from runtime.campaigns.sms.rules import CallFacts, enqueue_in
from runtime.campaigns.sms.store import RuleIn, add_rule, messages
from tests.support.ports import free_port
from tests.support.scripts import running_task


class Api:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((dict(self.headers), body))
                payload = json.dumps({"id": f"cloud-{len(outer.requests)}"}).encode()
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *a: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"


@pytest.mark.offline
def test_http_provider_results() -> None:
    api = Api()
    try:
        p = HttpProvider(api.url, token="tok", callback_url="http://127.0.0.1:1/sms/dlr", dlr_secret="s")
        r = p.send(OutMessage(7, "+8613912345678", "您好"))
        assert (r.status, r.ref) == ("accepted", "cloud-1")
        headers, body = api.requests[0]
        assert headers["Authorization"] == "Bearer tok" and headers["Idempotency-Key"] == "huashu-sms-7"
        assert body["to"] == "+8613912345678" and body["text"] == "您好" and "token=" in body["callback"]
        api.status = 400
        assert p.send(OutMessage(8, "+86139", "x")).status == "rejected"
        api.status = 503
        assert p.send(OutMessage(9, "+86139", "x")).status == "unsent"
    finally:
        api.server.shutdown()
    assert HttpProvider(f"http://127.0.0.1:{free_port()}/x").send(OutMessage(1, "+86139", "x")).status == "unsent"


def test_http_provider_end_to_end_with_callback(sqlite_engine) -> None:
    engine = sqlite_engine
    tid = running_task(engine)
    add_rule(engine, tid, RuleIn("r", "充值链接 https://x.cn", outcome="connected"))
    with engine.begin() as conn:
        enqueue_in(conn, task_id=tid, attempt_id=1, phone="+8613912345678", facts=CallFacts("connected", None, None, 1),
                   variables={}, now=utcnow())
    api, dlr = Api(), DlrServer(engine, "secret").start()
    try:
        sender = SmsSender(engine, HttpProvider(api.url, callback_url=dlr.url, dlr_secret="secret"), "n1", idempotent=True)
        assert sender.step() == 1
        callback = api.requests[0][1]["callback"]
        with urllib.request.urlopen(f"{callback}&status=delivered", timeout=5) as r:
            assert r.read() == b"delivered"
        m = messages(engine, task_id=tid)[0]
        assert (m["state"], m["provider_ref"]) == ("delivered", "cloud-1")
    finally:
        api.server.shutdown()
        dlr.stop()
