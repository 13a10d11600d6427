"""Issue 15 finding 3: the CSRF exemption is an exact path prefix (``/api/``, ``/oauth/token``).

The old exclusions were unanchored regular expressions, so ``POST /users/apibob/role`` and
``POST /scripts/api-bill/versions/1/approve`` passed without a token, and a script id
``static-probe`` lost its session. Every state-changing route of the app's own route table is
walked here with path values that contain "api", "oauth", "static" and "vendor".
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from tests.support import secserver_app as fx
from tests.support.secserver_app import csrf_of

# the fixtures this module uses (tests/security has no conftest.py)
cheap_hashing, sec_settings, sec_app, client_for = fx.cheap_hashing, fx.sec_settings, fx.sec_app, fx.client_for

_UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_TRICKY = ("apibob", "api-bill", "x-oauth-token", "static-probe", "vendor-x", "api")


def _exempt(path: str) -> bool:
    return path.startswith("/api/") or path == "/oauth/token"


def _unsafe_routes(app: Litestar) -> list[tuple[str, str]]:
    out = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in _UNSAFE and not _exempt(route.path):
                out.append((method, route.path))
    return out


def _fill(path: str, value: str) -> str:
    """The route's path with every ``{name:int}`` as 1 and every ``{name:str}`` as ``value``."""
    import re

    path = re.sub(r"\{[^}:]+:int\}", "1", path)
    return re.sub(r"\{[^}:]+:(str|path)\}", value, path)


def test_the_walk_finds_the_routes_the_probe_used(sec_app: Litestar) -> None:
    routes = _unsafe_routes(sec_app)
    paths = {p for _, p in routes}
    assert "/users/{username:str}/role" in paths
    assert "/scripts/{key:str}/versions/{number:int}/approve" in paths
    assert len(routes) >= 15


@pytest.mark.parametrize("value", _TRICKY)
def test_every_state_changing_route_refuses_a_request_without_the_token(sec_app: Litestar, client_for: Any,
                                                                         value: str) -> None:
    admin = client_for("admin")
    passed = []
    for method, path in _unsafe_routes(sec_app):
        url = _fill(path, value)
        r = admin.request(method, url, data={"role": "admin"}, headers={"accept": "application/json"},
                          follow_redirects=False)
        if r.status_code != 403 or "CSRF" not in r.text:
            passed.append(f"{method} {url} -> {r.status_code}")
    assert not passed, "accepted without a CSRF token:\n" + "\n".join(passed)


def test_the_probe_apibob_role_change_is_refused_and_nothing_changes(client_for: Any, sec_app: Litestar) -> None:
    from web.auth.users import create_user, find_user

    engine = sec_app.state.engine
    create_user(engine, "apibob", "correct-horse-1", "designer")
    admin = client_for("admin")
    r = admin.post("/users/apibob/role", data={"role": "admin"}, follow_redirects=False)
    assert r.status_code == 403
    user = find_user(engine, "apibob")
    assert user is not None and user.role == "designer"
    # with the token the same request works: the refusal above was the CSRF check
    r = admin.post("/users/apibob/role", data={"role": "admin", "_csrf_token": csrf_of(admin)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    user = find_user(engine, "apibob")
    assert user is not None and user.role == "admin"


def test_the_api_and_token_endpoint_stay_exempt(client_for: Any) -> None:
    anon = client_for(None)
    r = anon.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = anon.post("/api/v1/tasks", json={})
    assert r.status_code == 401  # the bearer guard answers, not the CSRF check


def test_a_script_id_that_starts_with_static_keeps_its_session(client_for: Any) -> None:
    designer = client_for("designer")
    r = designer.post("/scripts/new", data={"id": "static-probe", "name": "static probe",
                                           "_csrf_token": csrf_of(designer)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    r = designer.get("/scripts/static-probe/edit", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 200, (r.status_code, r.headers.get("location"))
