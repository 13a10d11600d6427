"""The FreeSWITCH API command lines the driver sends, built as plain strings (and tested as such).

Channel variables go in ``{a=1,b=2}`` before the dial string. FreeSWITCH splits that list on
commas (a literal comma is ``\\,``) and takes a value in single quotes verbatim, so values with
spaces are quoted; characters that would end the block or the command are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from huashu.core.errors import UserError

__all__ = ["originate_command", "channel_vars", "bridge_target", "CommandError", "DTMF_RE"]

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_TOKEN = re.compile(r"^[A-Za-z0-9+*#._@:-]+$")
_FORBIDDEN = set("{}[]'\r\n\"")
DTMF_RE = re.compile(r"^[0-9*#A-Da-d]+$")


class CommandError(UserError):
    """A value that cannot be put in a FreeSWITCH command safely."""


def _value(name: str, value: str) -> str:
    bad = sorted(set(value) & _FORBIDDEN)
    if bad:
        raise CommandError(f"channel variable {name}={value!r} contains {''.join(bad)!r}, which FreeSWITCH cannot carry")
    value = value.replace(",", "\\,")
    return f"'{value}'" if " " in value else value


def channel_vars(variables: Mapping[str, str]) -> str:
    """``{k=v,...}`` with names checked and values escaped; ``""`` for no variables."""
    parts = []
    for name, value in variables.items():
        if not _NAME.match(name):
            raise CommandError(f"channel variable name {name!r} must be letters, digits and underscores")
        parts.append(f"{name}={_value(name, str(value))}")
    return "{" + ",".join(parts) + "}" if parts else ""


def bridge_target(endpoint: str, call_id: str) -> str:
    """The dial string that bridges the answered customer to the runtime's SIP endpoint.

    The runtime matches the incoming leg to its call by the ``X-Huashu-Call-Id`` header, which
    FreeSWITCH sends for the channel variable ``sip_h_X-Huashu-Call-Id``.
    """
    if not _TOKEN.match(endpoint.removeprefix("sip:")):
        raise CommandError(f"media endpoint {endpoint!r} is not a plain user@host:port")
    target = endpoint.removeprefix("sip:")
    return f"[sip_h_X-Huashu-Call-Id={_value('call_id', call_id)}]sofia/external/{target}"


def originate_command(
    *,
    uuid: str,
    gateway: str,
    number: str,
    caller_id: str,
    call_id: str,
    ring_timeout_s: float,
    variables: Mapping[str, str],
    media_endpoint: str | None,
    early_media: bool = False,
) -> str:
    """``originate {vars}sofia/gateway/<gw>/<number> &bridge(...)`` (or ``&park()`` without media)."""
    for label, token in (("gateway", gateway), ("number", number), ("caller id", caller_id)):
        if not _TOKEN.match(token):
            raise CommandError(f"{label} {token!r} has characters a dial string cannot carry")
    extra = {f"huashu_{k}": v for k, v in variables.items()}
    vars_ = channel_vars(
        {
            "origination_uuid": uuid,
            "huashu_call_id": call_id,
            **extra,
            "origination_caller_id_number": caller_id,
            "origination_caller_id_name": caller_id,
            # A backstop: the driver cancels at the ring timeout itself (outcome "cancelled").
            "originate_timeout": str(max(1, round(ring_timeout_s)) + 5),
            # Wait for the answer. Unset or "false", switch_ivr_originate() counts early media
            # as success (early_ok = 1, switch_ivr_originate.c line 2227; returns on
            # CF_EARLY_MEDIA, line 777) and mod_commands' originate then runs the &bridge app
            # at once (mod_commands.c lines 5164-5191): the runtime's media leg would come up
            # during the carrier's ringback or announcement, before the customer answered,
            # and hear it as the customer. "true" clears early_ok (line 2534).
            #
            # ``early_media`` (answer classification): "false" on purpose. The bridge then
            # starts at 183 with SDP and the runtime leg hears the carrier's announcement or
            # 彩铃; the customer leg stays unanswered (answering an outbound leg is a no-op in
            # switch_channel_perform_answer), and the driver reports Answered only at that
            # leg's CHANNEL_ANSWER, so the bot still waits for the customer.
            "ignore_early_media": "false" if early_media and media_endpoint else "true",
            "hangup_after_bridge": "true",
        }
    )
    app = f"&bridge({bridge_target(media_endpoint, call_id)})" if media_endpoint else "&park()"
    return f"originate {vars_}sofia/gateway/{gateway}/{number} {app}"
