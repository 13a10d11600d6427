"""The real app over a fresh SQLite database with one user per role, for the compliance tests
(audit page, masking by role, erasure page). Every user's password is :data:`PASSWORD`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from huashu.core.config import Settings
from huashu.core.db import init_db, make_engine

__all__ = ["PASSWORD", "compliance_app", "seed_calls", "sign_in"]

PASSWORD = "correct-horse-1"
USERS = {"admin": "admin", "op": "operator", "rev": "reviewer", "des": "designer"}


def compliance_app(data_dir: Path) -> Any:
    from web.app import create_app
    from web.auth.users import create_user

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, secret_key="compliance-secret-" + "x" * 32)
    engine = make_engine(settings.db_url)
    init_db(engine)
    for name, role in USERS.items():
        create_user(engine, name, PASSWORD, role)
    return create_app(settings, engine, secure_cookies=False, debug=False)


def _csrf(client: Any, html: str = "") -> str:
    token = client.cookies.get("huashu_csrf")
    if token is None:
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m, "no CSRF token on the page"
        token = m.group(1)
    return str(token)


def sign_in(client: Any, user: str) -> str:
    """Sign ``user`` in through the login form; returns the CSRF token for later posts."""
    html = client.get("/login", headers={"accept": "text/html"}).text
    r = client.post("/login", data={"username": user, "password": PASSWORD, "next": "/scripts",
                                    "_csrf_token": _csrf(client, html)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return _csrf(client, client.get("/scripts", headers={"accept": "text/html"}).text)


def seed_calls(engine: Any, numbers: int = 6) -> int:
    """An approved library script, a task, ``numbers`` customers (138000000NN, 客户张NN) and their
    simulated calls; returns the task id."""
    import asyncio
    import json

    from sqlmodel import Session

    from designer import store
    from runtime.campaigns.loading import add_numbers
    from runtime.campaigns.mapping import CustomerRow
    from runtime.campaigns.node import RuntimeNode
    from runtime.campaigns.scripts import store_resolver
    from runtime.campaigns.sim_runner import SimulatorRunner
    from runtime.campaigns.tasks import TaskSpec, create_task, set_status

    lib = Path(__file__).resolve().parents[2] / "scripts_library"
    doc = json.loads((lib / "data_pack_upgrade.json").read_text(encoding="utf-8"))
    with Session(engine) as s:
        v = store.import_document(s, doc, actor="des")
        store.submit(s, v.script_id, v.number, actor="des")
        store.approve(s, v.script_id, v.number, actor="rev")
        s.commit()
        sid = v.script_id
    resolver = store_resolver(engine)
    task = create_task(engine, TaskSpec(name="t", business="data", script_id=sid, script_version=1, windows="",
                                        max_concurrent=20, calls_per_second=500))
    assert task.id is not None
    set_status(engine, task.id, "start", resolver)
    rows = [CustomerRow(i + 2, f"138000000{i:02d}", None, customer_id=f"c{i}", name=f"张客户{i}",
                        variables={"extra_fee": 30}) for i in range(numbers)]
    add_numbers(engine, task.id, rows)
    node = RuntimeNode(engine, SimulatorRunner(resolver, seed=5, fast=True), lambda t, e: [], node_id="c-seed",
                       lease_s=10)
    asyncio.run(node.run(asyncio.Event(), once=True, tick=0.005))
    return task.id
