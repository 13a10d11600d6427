"""The server secret that signs CSRF tokens: the installation secret of :mod:`runtime.privacy.secret`."""

from __future__ import annotations

from runtime.privacy.secret import server_secret

__all__ = ["server_secret"]
