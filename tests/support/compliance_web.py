"""The real app over a fresh SQLite database with one user per role, for the compliance tests
(audit page, masking by role, erasure page). Every user's password is :data:`PASSWORD`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.scripts import import_approved, simulated_task
from tests.support.web_client import PASSWORD, app_settings, app_with_users
from tests.support.web_client import sign_in_token as sign_in  # returns the CSRF token for later posts

__all__ = ["PASSWORD", "compliance_app", "seed_calls", "sign_in"]

USERS = {"admin": "admin", "op": "operator", "rev": "reviewer", "des": "designer"}


def compliance_app(data_dir: Path) -> Any:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = app_settings(data_dir, "compliance-secret", espeak=False)
    return app_with_users(settings, USERS, debug=False)


def seed_calls(engine: Any, numbers: int = 6) -> int:
    """An approved library script, a task, ``numbers`` customers (138000000NN, 客户张NN) and their
    simulated calls; returns the task id."""
    from runtime.campaigns.mapping import CustomerRow

    sid = import_approved(engine, designer="des", reviewer="rev")
    rows = [CustomerRow(i + 2, f"138000000{i:02d}", None, customer_id=f"c{i}", name=f"张客户{i}",
                        variables={"extra_fee": 30}) for i in range(numbers)]
    return simulated_task(engine, sid, rows, node_id="c-seed")
