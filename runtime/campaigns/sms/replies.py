"""Replies a customer sends to our SMS: an opt-out word ("TD", "退订", "STOP", ...) records an
opt-out on the SMS channel, so no campaign calls or texts the number again.

Chinese carriers' marketing SMS end with "回T退订" / "回TD退订"; MIIT requires honouring the
reply. The gateway forwards each reply to the node's listener (Kannel: an ``sms-service`` whose
``get-url`` is :func:`reply_url`; see docs/reach.md). Matching is whole-message, after folding
full-width letters and dropping spaces and punctuation: "td", "ＴＤ", "退订。" opt out; "不要退订
了" or "T恤" do not (a reply that merely contains the word is not a request to stop).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import unicodedata
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from runtime.campaigns.optout import record_opt_out
from runtime.campaigns.phones import normalize

__all__ = ["OPT_OUT_WORDS", "ReplyResult", "is_opt_out", "handle_reply", "reply_token", "reply_get_url", "REPLY_PATH"]

REPLY_PATH = "/sms/reply"
#: whole replies that mean "stop" (compared after :func:`_fold`)
OPT_OUT_WORDS = frozenset({
    "T", "TD", "0000", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "QUIT", "END",
    "退订", "退", "退定", "取消", "取消订阅", "拒收", "不要再发", "别再发了", "不要发了",
})
_MAX_TEXT = 500
_log = logging.getLogger(__name__)


def _fold(text: str) -> str:
    """Upper-case, full-width folded (NFKC), without spaces, punctuation or symbols."""
    folded = unicodedata.normalize("NFKC", text[:_MAX_TEXT]).upper()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def is_opt_out(text: str) -> bool:
    return _fold(text) in OPT_OUT_WORDS


def reply_token(secret: str) -> str:
    """The token the gateway's reply URL carries (HMAC of the node secret): without it, anyone
    who can reach the listener could opt any number out."""
    return hmac.new(secret.encode(), b"sms-reply", hashlib.sha256).hexdigest()[:32]


def reply_get_url(base: str, secret: str) -> str:
    """Kannel's ``get-url`` for replies: ``base`` is how the gateway reaches the node's listener
    (``http://host:port``); ``%p`` and ``%a`` are Kannel's sender and message text."""
    return f"{base.rstrip('/')}{REPLY_PATH}?from=%p&text=%a&token={reply_token(secret)}"


@dataclass(frozen=True, slots=True)
class ReplyResult:
    phone: str | None  # E.164, None when the sender is not a valid number
    action: str  # "opted_out" | "already_opted_out" | "ignored" | "bad_sender"
    message: str


def handle_reply(engine: Engine, sender: str, text: str, region: str = "CN") -> ReplyResult:
    """Act on one reply: an opt-out word records an opt-out (channel ``sms``, the reply's text as
    detail) and puts the number on the global blacklist, in one transaction with its audit entry."""
    check = normalize(sender, region)
    if check.e164 is None:
        return ReplyResult(None, "bad_sender", f"sender {sender[:40]!r}: {check.message}")
    if not is_opt_out(text):
        return ReplyResult(check.e164, "ignored", "not an opt-out reply")
    with engine.begin() as conn:
        new = record_opt_out(conn, check.e164, "sms", detail=f"reply: {' '.join(text.split())[:80]}")
    _log.info("sms reply opt-out", extra={"new": new})
    return ReplyResult(check.e164, "opted_out" if new else "already_opted_out",
                       "opted out" if new else "had opted out already")
