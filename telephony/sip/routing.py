"""Where an in-dialog request goes (RFC 3261 §12.1, §12.2.1.1, §16.12.1.2), pure.

aiosipua keeps a dialog's remote target as the To URI and sends every in-dialog request to
the trunk address; a carrier whose 2xx names another box in ``Contact`` (or that put a proxy
in ``Record-Route``) would never see our ACK or BYE. This module computes, from a dialog's
remote target and route set, the Request-URI, the ``Route`` headers and the next hop, for
loose routers (``;lr``) and for strict ones (RFC 2543 proxies, no ``;lr``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["RoutePlan", "split_uris", "plan_for_uac", "plan_for_uas", "refresh_target", "uri_host_port"]

_BRACKETED = re.compile(r"<([^>]*)>")
_HOSTPORT = re.compile(r"^(?:sips?:)(?:[^@;?]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """A dialog's remote target and route set (``Route`` header values, nearest hop first)."""

    remote_target: str
    route_set: tuple[str, ...] = ()

    @property
    def strict(self) -> bool:
        """The first hop is a strict router: it has no ``lr`` parameter (RFC 3261 §12.2.1.1)."""
        return bool(self.route_set) and not _has_lr(self.route_set[0])

    def request_line_and_routes(self) -> tuple[str, list[str]]:
        """The Request-URI and the ``Route`` values to put on a request in this dialog."""
        if not self.route_set:
            return self.remote_target, []
        if not self.strict:
            return self.remote_target, list(self.route_set)
        # Strict: the first route becomes the Request-URI (without its header params) and the
        # remote target goes last in the Route set.
        first = _uri_of(self.route_set[0])
        return first, [*self.route_set[1:], f"<{self.remote_target}>"]

    def next_hop(self, default_port: int = 5060) -> tuple[str, int]:
        """The address to send to: the first route if any, else the remote target."""
        uri = _uri_of(self.route_set[0]) if self.route_set else self.remote_target
        return uri_host_port(uri, default_port)


def split_uris(values: list[str]) -> list[str]:
    """Header values (``Contact``/``Record-Route``, possibly comma-joined) as single entries."""
    out: list[str] = []
    for value in values:
        depth, quoted, start = 0, False, 0
        for i, ch in enumerate(value):
            if ch == '"':
                quoted = not quoted
            elif not quoted and ch == "<":
                depth += 1
            elif not quoted and ch == ">":
                depth -= 1
            elif ch == "," and depth == 0 and not quoted:
                if value[start:i].strip():
                    out.append(value[start:i].strip())
                start = i + 1
        if value[start:].strip():
            out.append(value[start:].strip())
    return out


def _uri_of(entry: str) -> str:
    """The URI inside a name-addr (``"x" <sip:a;lr>;p=1`` -> ``sip:a;lr``) or an addr-spec."""
    m = _BRACKETED.search(entry)
    if m:
        return m.group(1).strip()
    return entry.split(";", 1)[0].strip()  # addr-spec: what follows ';' are header params


def _has_lr(entry: str) -> bool:
    params = _uri_of(entry).split("?", 1)[0].split(";")[1:]
    return any(p.strip().lower().split("=", 1)[0] == "lr" for p in params)


def uri_host_port(uri: str, default_port: int = 5060) -> tuple[str, int]:
    """Host and port of a SIP URI (``maddr`` is not honoured: it is deprecated, RFC 3261 §19.1.1)."""
    m = _HOSTPORT.match(uri.strip())
    if m is None:
        raise ValueError(f"not a SIP URI: {uri!r}")
    host = m.group(1).strip("[]")
    return host, int(m.group(2)) if m.group(2) else default_port


def plan_for_uac(contact_values: list[str], record_route_values: list[str], fallback_target: str) -> RoutePlan:
    """The dialog as a UAC sees it from a 2xx: target from Contact, Record-Route reversed (§12.1.2)."""
    contacts = split_uris(contact_values)
    target = _uri_of(contacts[0]) if contacts else fallback_target
    return RoutePlan(target, tuple(reversed(split_uris(record_route_values))))


def plan_for_uas(contact_values: list[str], record_route_values: list[str], fallback_target: str) -> RoutePlan:
    """The dialog as a UAS sees it from the INVITE: Record-Route in order (§12.1.1)."""
    contacts = split_uris(contact_values)
    target = _uri_of(contacts[0]) if contacts else fallback_target
    return RoutePlan(target, tuple(split_uris(record_route_values)))


def refresh_target(plan: RoutePlan, contact_values: list[str]) -> RoutePlan:
    """A target refresh (re-INVITE or its 2xx, UPDATE) replaces the target, never the route set."""
    contacts = split_uris(contact_values)
    if not contacts:
        return plan
    return RoutePlan(_uri_of(contacts[0]), plan.route_set)
