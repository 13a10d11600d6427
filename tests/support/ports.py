"""Free ports on 127.0.0.1 for the peers a test starts (sipp, FreeSWITCH, Kannel, the web app)."""

from __future__ import annotations

import socket

__all__ = ["free_port"]


def free_port(kind: int = socket.SOCK_DGRAM, even: bool = False) -> int:
    """A port free for UDP and TCP alike (SIP peers bind both); ``even`` for an RTP port."""
    while True:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if even and port % 2:
            continue
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
