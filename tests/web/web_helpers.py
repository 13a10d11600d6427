"""The web tests' helpers, kept by this name for the modules that import it: every definition
lives in :mod:`tests.support.web_client`."""

from __future__ import annotations

from tests.support.web_client import PASSWORD, ROLES, csrf_of, jpost, sign_in

__all__ = ["PASSWORD", "ROLES", "csrf_of", "jpost", "sign_in"]
