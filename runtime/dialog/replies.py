"""The customer's side of a test call, as typed: one reply per line of a replies file.

Plain text is speech; ``<silence>``, ``<dtmf:12#>``, ``<hangup>``, ``<barge:text>`` and
``<barge@1500:text>`` stand for the other things a customer does. Parsed once, up front, so
a typo fails with its line number before the call starts, not half-way through it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from huashu.core.errors import UserError

__all__ = ["Reply", "ReplyError", "parse_reply", "parse_replies"]

_TOKEN = re.compile(r"^<\s*([a-z_]+)(?:\s*@\s*([^:>]*?))?\s*(?::\s*([^>]*))?>$", re.IGNORECASE)
_DIGITS = re.compile(r"^[0-9*#A-D]{1,32}$")


class ReplyError(UserError):
    """A replies line that is neither text nor a known ``<token>``; says which line."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One customer turn: ``kind`` is speech | silence | dtmf | hangup | barge.

    ``barge`` is speech over the bot's prompt; ``at_ms`` (barge only) is when, counted from the
    moment the bot began talking for this turn; None means one second into the question.
    """

    kind: str
    text: str = ""
    at_ms: int | None = None
    # set when the reply was heard from audio (``huashu chat --audio-replies``): the recogniser's
    # confidence and the closed-set choice, passed to the engine as a Speech event's fields
    confidence: float | None = None
    branch_hint: str | None = None
    note: str = ""

    def __str__(self) -> str:
        if self.kind == "speech":
            return self.text
        if self.kind == "barge":
            return f"<barge{'' if self.at_ms is None else f'@{self.at_ms}'}:{self.text}>"
        if self.kind == "dtmf":
            return f"<dtmf:{self.text}>"
        return f"<{self.kind}>"


def parse_reply(line: str, where: str = "reply") -> Reply:
    s = line.strip()
    m = _TOKEN.match(s)
    if m is None:
        return Reply("speech", s)
    name, at, arg = m.group(1).lower(), m.group(2), (m.group(3) or "").strip()
    if at is not None and not at.isdigit():
        raise ReplyError(f"{where}: {s!r}: the time after '@' must be milliseconds, e.g. <barge@1500:好的>")
    if name == "barge":
        if not arg:
            raise ReplyError(f"{where}: {s!r}: say what the customer says over the bot, e.g. <barge:别再打了>")
        return Reply("barge", arg, int(at) if at is not None else None)
    if at is not None:
        raise ReplyError(f"{where}: {s!r}: only <barge@MS:text> takes a time")
    if name in ("silence", "hangup") and not arg:
        return Reply(name)
    if name == "dtmf" and _DIGITS.match(arg.upper()):
        return Reply("dtmf", arg.upper())
    if name == "dtmf":
        raise ReplyError(f"{where}: {s!r}: DTMF must be 1-32 of 0-9 * # A-D, e.g. <dtmf:1> or <dtmf:12#>")
    raise ReplyError(f"{where}: unknown token {s!r} "
                     "(use <silence>, <dtmf:1>, <hangup>, <barge:text>, <barge@1500:text> or plain text)")


def parse_replies(lines: Iterable[str]) -> list[Reply]:
    """One reply per line; blank lines and lines starting with '#' are skipped."""
    out: list[Reply] = []
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        out.append(parse_reply(s, f"line {i}"))
    return out
