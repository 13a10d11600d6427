"""Every ``/api/v1`` operation needs a scope, set once per controller and overridden by writes:
a read never needs a write scope, a write never passes on a read scope."""

from __future__ import annotations

from typing import Any

from litestar.routes import HTTPRoute

from web.api.models import SCOPES
from web.api.oauth import create_client, issue_token

_READS = {"GET"}


def _api_handlers(app: Any) -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/v1"):
            for h in route.route_handlers:
                for method in h.http_methods - {"OPTIONS"}:
                    out.append((method.upper(), route.path, h.opt.get("scope")))
    return out


def test_every_operation_names_a_known_scope_fitting_its_method(app_env: Any) -> None:
    client, _ = app_env
    ops = _api_handlers(client.app)
    assert len(ops) >= 15
    unknown = [(m, p, s) for m, p, s in ops if s not in SCOPES]
    assert not unknown
    reads_needing_writes = [(m, p, s) for m, p, s in ops if m in _READS and s in ("tasks:write", "personal:erase")]
    writes_on_reads = [(m, p, s) for m, p, s in ops if m not in _READS and (s or "").endswith(":read")]
    assert not reads_needing_writes and not writes_on_reads


def test_the_controller_scope_and_the_write_override_both_hold(app_env: Any) -> None:
    client, engine = app_env

    def token(scopes: str) -> dict[str, str]:
        cid, secret = create_client(engine, scopes, scopes)
        return {"Authorization": f"Bearer {issue_token(engine, cid, secret).access_token}"}

    reader, writer = token("tasks:read"), token("tasks:write")
    body = {"name": "t", "business": "b", "script_id": "data-pack-upgrade", "windows": ""}
    assert client.post("/api/v1/tasks", headers=reader, json=body).status_code == 403
    assert client.get("/api/v1/tasks", headers=writer).status_code == 403
    assert client.post("/api/v1/tasks", headers=writer, json=body).status_code == 201
    assert client.get("/api/v1/tasks", headers=reader).status_code == 200
