"""SMS gateways: Kannel's HTTP ``sendsms`` (delivery reports through ``dlr-url``) and a generic
JSON-over-HTTP provider for cloud SMS APIs. I/O only; the outbox decides what a result means.

Each send says one of three things: ``accepted`` (the gateway took it; its reference kept),
``rejected`` (it answered no: never retried), or ``unsent`` (no connection was made: safe to
retry). A timeout after the request went out is ``unknown``: the gateway may have sent it, so
the outbox does not resend (at most once) and a late delivery report settles it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from runtime.campaigns.sms.segments import measure

__all__ = ["OutMessage", "SendResult", "SmsProvider", "KannelProvider", "HttpProvider", "dlr_token"]


@dataclass(frozen=True, slots=True)
class OutMessage:
    id: int
    phone: str
    text: str


@dataclass(frozen=True, slots=True)
class SendResult:
    status: str  # accepted | rejected | unsent | unknown
    ref: str | None = None
    detail: str | None = None


class SmsProvider(Protocol):
    name: str

    def send(self, msg: OutMessage) -> SendResult: ...


def dlr_token(secret: str, message_id: int) -> str:
    """The token a delivery report must carry for message ``message_id`` (HMAC, not guessable)."""
    return hmac.new(secret.encode(), f"sms-dlr:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _short(text: str, n: int = 200) -> str:
    return " ".join(text.split())[:n]


def _call(req: urllib.request.Request, timeout: float) -> tuple[int, str] | SendResult:
    if urllib.parse.urlsplit(req.full_url).scheme not in ("http", "https"):  # urllib would open file: too
        return SendResult("rejected", detail=f"the SMS gateway URL must be http(s): {req.full_url.split('?')[0]!r}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) checked above
            return resp.status, resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(4096).decode("utf-8", "replace")
    except urllib.error.URLError as e:
        if isinstance(e.reason, ConnectionRefusedError | OSError) and not isinstance(e.reason, TimeoutError):
            return SendResult("unsent", detail=f"cannot reach the gateway: {e.reason}")
        return SendResult("unknown", detail=f"no answer from the gateway: {e.reason}")
    except TimeoutError as e:
        return SendResult("unknown", detail=f"no answer from the gateway: {e}")


@dataclass
class KannelProvider:
    """``sendsms_url``: e.g. ``http://127.0.0.1:13013/cgi-bin/sendsms``; ``dlr_url``: where Kannel
    reports delivery (our receiver), without query; the message id and token are added."""

    sendsms_url: str
    username: str
    password: str
    sender: str
    dlr_url: str | None = None
    dlr_secret: str = ""
    timeout: float = 10.0
    name: str = "kannel"

    def send(self, msg: OutMessage) -> SendResult:
        params = {"username": self.username, "password": self.password, "from": self.sender, "to": msg.phone,
                  "text": msg.text, "charset": "UTF-8"}
        if measure(msg.text).encoding == "ucs2":
            params["coding"] = "2"
        if self.dlr_url:
            q = urllib.parse.urlencode({"id": msg.id, "token": dlr_token(self.dlr_secret, msg.id)})
            # %d: Kannel puts the report type there (1 delivered, 2 failed, 4 buffered, 8 smsc ack, 16 smsc nack)
            params["dlr-mask"] = "27"
            params["dlr-url"] = f"{self.dlr_url}?{q}&status=%d"
        url = f"{self.sendsms_url}?{urllib.parse.urlencode(params)}"
        got = _call(urllib.request.Request(url, method="GET"), self.timeout)  # noqa: S310 - scheme checked in _call
        if isinstance(got, SendResult):
            return got
        status, body = got
        if status in (200, 202) and body.lstrip()[:2] in ("0:", "3:"):  # accepted / queued for later delivery
            return SendResult("accepted", ref=f"kannel:{msg.id}", detail=_short(body))
        if status >= 500 or status == 503:
            return SendResult("unsent", detail=f"gateway busy: HTTP {status} {_short(body)}")
        return SendResult("rejected", detail=f"HTTP {status} {_short(body)}")


@dataclass
class HttpProvider:
    """A cloud SMS API: ``POST url`` with JSON ``{"to", "text", "client_ref", "callback"}`` and a
    bearer token; a 2xx answer with ``{"id": ...}`` (or ``message_id``) is accepted. The callback
    receives ``?id=&token=&status=delivered|failed``."""

    url: str
    token: str = ""
    callback_url: str | None = None
    dlr_secret: str = ""
    timeout: float = 10.0
    name: str = "http"

    def send(self, msg: OutMessage) -> SendResult:
        body: dict[str, object] = {"to": msg.phone, "text": msg.text, "client_ref": str(msg.id)}
        if self.callback_url:
            body["callback"] = f"{self.callback_url}?{urllib.parse.urlencode({'id': msg.id, 'token': dlr_token(self.dlr_secret, msg.id)})}"
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": f"huashu-sms-{msg.id}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url, data=json.dumps(body, ensure_ascii=False).encode(),  # noqa: S310 - scheme checked in _call
                                     headers=headers, method="POST")
        got = _call(req, self.timeout)
        if isinstance(got, SendResult):
            return got
        status, text = got
        if 200 <= status < 300:
            try:
                data = json.loads(text or "{}")
            except ValueError:
                data = {}
            ref = data.get("id") or data.get("message_id") if isinstance(data, dict) else None
            return SendResult("accepted", ref=str(ref) if ref is not None else None)
        if status in (429,) or status >= 500:
            return SendResult("unsent", detail=f"gateway busy: HTTP {status} {_short(text)}")
        return SendResult("rejected", detail=f"HTTP {status} {_short(text)}")
