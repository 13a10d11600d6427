"""Issue 15 finding 9: ids beyond the database's integer and over-deep JSON are 400 with a message.

Both were 500s (SQLite ``OverflowError`` when binding the id, ``RecursionError`` in the JSON
decoder). The routes are walked from the app's route table, so a route added later is covered.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support import secserver_app as fx
from tests.support.secserver_app import csrf_of

cheap_hashing, sec_settings, sec_app, client_for = fx.cheap_hashing, fx.sec_settings, fx.sec_app, fx.client_for

_HUGE = "99999999999999999999999"
_DEEP = "[" * 20000 + "]" * 20000


def _routes(app: Litestar, want_int: bool) -> list[tuple[str, str]]:
    out = []
    for route in app.routes:
        if want_int and ":int}" not in route.path:
            continue
        for method in sorted(getattr(route, "methods", ())):
            if method not in ("HEAD", "OPTIONS"):
                out.append((method, route.path))
    return out


def _fill(path: str) -> str:
    """Every ``{name:int}`` a different huge id (a route comparing two ids must see two)."""
    n = iter(range(10))
    path = re.sub(r"\{[^}:]+:int\}", lambda _: _HUGE[:-1] + str(next(n)), path)
    return re.sub(r"\{[^}:]+:(str|path)\}", "x", path)


def test_every_int_id_route_answers_400_for_an_id_beyond_the_database(sec_app: Litestar, client_for: Any) -> None:
    admin = client_for("admin")
    routes = _routes(sec_app, want_int=True)
    assert any(p == "/operator/calls/{attempt_id:int}" for _, p in routes)
    wrong = []
    for method, path in routes:
        url = _fill(path)
        headers = {"accept": "application/json", "x-csrftoken": csrf_of(admin)}
        r = admin.request(method, url, headers=headers, follow_redirects=False)
        only_ints = ":str}" not in path and ":path}" not in path
        if r.status_code >= 500 or (only_ints and r.status_code != 400):
            wrong.append(f"{method} {url} -> {r.status_code} {r.text[:80]}")
        elif only_ints:
            assert "out of range" in r.json()["error"], r.text
    assert not wrong, "\n".join(wrong)


def test_the_probed_call_page_says_which_id_in_html_too(client_for: Any) -> None:
    admin = client_for("admin")
    r = admin.get(f"/operator/calls/{_HUGE}", headers={"accept": "text/html"})
    assert r.status_code == 400
    assert f"attempt id {_HUGE}: out of range" in r.text


def _api_token(app: Litestar) -> str:
    from web.api.oauth import create_client

    cid, secret = create_client(app.state.engine, "probe", "tasks:write tasks:read calls:read config:read")
    r = TestClient(app).post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid,
                                                    "client_secret": secret})
    return str(r.json()["access_token"])


def test_api_ids_beyond_the_database_are_400(sec_app: Litestar) -> None:
    c = TestClient(sec_app)
    auth = {"authorization": "Bearer " + _api_token(sec_app)}
    for url in (f"/api/v1/calls/{_HUGE}", f"/api/v1/tasks/{_HUGE}", f"/api/v1/calls?task_id={_HUGE}"):
        r = c.get(url, headers=auth)
        assert r.status_code == 400, (url, r.text)
        assert r.json()["error"]


def test_no_route_answers_500_to_a_deeply_nested_json_body(sec_app: Litestar, client_for: Any) -> None:
    admin = client_for("admin")
    auth = {"authorization": "Bearer " + _api_token(sec_app)}
    wrong = []
    for method, path in _routes(sec_app, want_int=False):
        if method not in ("POST", "PUT", "PATCH", "DELETE"):
            continue
        url = _fill(path).replace(_HUGE, "1")
        headers = {"content-type": "application/json", "accept": "application/json", "x-csrftoken": csrf_of(admin),
                   **(auth if url.startswith("/api/") else {})}
        r = admin.request(method, url, content=_DEEP, headers=headers, follow_redirects=False)
        if r.status_code >= 500:
            wrong.append(f"{method} {url} -> {r.status_code}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("url", ["/scripts/x/draft", "/api/v1/tasks"])
def test_deep_json_is_400_saying_why(sec_app: Litestar, client_for: Any, url: str) -> None:
    admin = client_for("admin")
    headers = {"content-type": "application/json", "accept": "application/json", "x-csrftoken": csrf_of(admin)}
    if url.startswith("/api/"):
        headers["authorization"] = "Bearer " + _api_token(sec_app)
    method = "PUT" if url.endswith("/draft") else "POST"
    r = admin.request(method, url, content=_DEEP, headers=headers)
    assert r.status_code == 400, r.text
    assert "nested too deeply" in r.json()["error"]
