"""The API docs work offline, and every API error has its surface's one JSON shape
(``/api``: error/status/detail/status_code; ``/oauth``: RFC 6749 error/error_description)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from litestar import Litestar, Router, get
from litestar.testing import TestClient

from huashu.core.config import Settings
from huashu.core.db import make_engine
from tests.support.dbfiles import fresh_sqlite
from web.api.errors import error_response
from web.api.oauth import create_client

ALL = "config:read tasks:read tasks:write calls:read personal:read"
_API_KEYS = {"error", "status", "detail", "status_code"}
_FORM_MSG = "the token request must be application/x-www-form-urlencoded with grant_type=client_credentials"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """One app for the module: every test here only sends requests that fail, so none changes what
    another sees (building the app costs about a second; the module has two dozen tests)."""
    from web.app import create_app

    tmp_path = tmp_path_factory.mktemp("api-errors")
    settings = Settings(data_dir=tmp_path, database_url=fresh_sqlite(tmp_path / "e.db"), secret_key="test-secret")
    engine = make_engine(settings.db_url)
    cid, secret = create_client(engine, "crm", ALL)
    with TestClient(create_app(settings, engine, debug=True)) as client:
        r = client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
        assert r.status_code == 200, r.text
        yield client, {"Authorization": f"Bearer {r.json()['access_token']}"}
    engine.dispose()


def _assert_api_shape(r, status: int) -> dict:
    body = r.json()
    assert r.status_code == status, r.text
    assert set(body) >= _API_KEYS, body
    assert body["status"] == body["status_code"] == status
    assert isinstance(body["error"], str) and body["error"] == body["detail"] and body["error"]
    return body


def test_docs_page_loads_nothing_from_other_hosts(api):
    client, _ = api
    r = client.get("/schema")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert "fonts.googleapis" not in html and "cdn." not in html
    hosts = {urlsplit(u).netloc for u in re.findall(r"""https?://[^\s"'<>)]+""", html)}
    assert hosts <= {"testserver.local"}, hosts
    refs = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    scripts = re.findall(r"""<script[^>]+src=["']([^"']+)["']""", html)
    assert scripts, "the docs page names its renderer script"
    for ref in refs:
        assert ref.startswith("/") and not ref.startswith("//"), ref
        got = client.get(ref)
        assert got.status_code == 200 and len(got.content) > 100, ref
    assert any("javascript" in client.get(s).headers["content-type"] for s in scripts)
    assert client.get("/schema/openapi.json").json()["info"]["title"] == "Huashu"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/nosuch", 404),
        ("get", "/api/nosuch", 404),
        ("get", "/api/v1/tasks/1/nosuch", 404),
        ("delete", "/api/v1/tasks", 405),
        ("get", "/api/v1/tasks/999", 404),
        ("get", "/api/v1/calls?limit=abc", 400),
        ("get", "/api/v1/calls?limit=0", 400),
    ],
)
def test_every_api_error_has_one_shape(api, method, path, status):
    client, h = api
    _assert_api_shape(getattr(client, method)(path, headers=h), status)


def test_auth_and_validation_errors_share_the_shape(api):
    client, h = api
    body = _assert_api_shape(client.get("/api/v1/tasks"), 401)
    assert "bearer" in body["error"]
    body = _assert_api_shape(client.post("/api/v1/tasks", headers=h, json={"name": "x"}), 400)
    assert "business" in body["error"] and body["extra"], body
    body = _assert_api_shape(client.get("/api/v1/calls?limit=abc", headers=h), 400)
    assert "limit (query)" in body["error"]


def test_unknown_path_and_wrong_method_say_where(api):
    client, h = api
    assert "GET /api/v1/nosuch" in client.get("/api/v1/nosuch", headers=h).json()["error"]
    r = client.delete("/api/v1/tasks", headers=h)
    assert "DELETE /api/v1/tasks" in r.json()["error"] and "POST" in r.headers["allow"]


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("get", "/api/v1/tasks/abc", "task id must be a number"),
        ("post", "/api/v1/tasks/abc/status", "task id must be a number"),
        ("post", "/api/v1/tasks/1.5/numbers", "task id must be a number"),
        ("get", "/api/v1/calls/xyz", "call id must be a number"),
        ("get", "/api/v1/tasks/0", "task id must be at least 1"),
        ("get", f"/api/v1/tasks/{10**30}", "task id must be at most 9007199254740992"),
    ],
)
def test_ids_in_paths_must_be_numbers(api, method, path, message):
    client, h = api
    kwargs = {"json": {"action": "start"}} if "status" in path else {"json": {"numbers": []}} if method == "post" else {}
    body = _assert_api_shape(getattr(client, method)(path, headers=h, **kwargs), 400)
    assert body["error"] == message


def test_too_large_body_says_the_limit(api):
    from web.app import MAX_UPLOAD_BYTES

    client, h = api
    r = client.post("/api/v1/tasks", headers={**h, "Content-Type": "application/json"}, content=b" " * (MAX_UPLOAD_BYTES + 1))
    body = _assert_api_shape(r, 413)
    assert body["error"] == f"the request body is too large (the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)"


def test_ids_still_typed_as_integers_in_the_openapi(api):
    client, _ = api
    spec = client.get("/schema/openapi.json").json()
    params = spec["paths"]["/api/v1/tasks/{task_id}"]["get"]["parameters"]
    assert [p["schema"]["type"] for p in params if p["name"] == "task_id"] == ["integer"]


@pytest.mark.parametrize(
    ("kwargs", "got"),
    [
        ({"json": {"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}}, "Content-Type application/json"),
        ({}, "no body"),
        ({"data": {"client_id": "a", "client_secret": "b"}}, "no grant_type"),
    ],
)
def test_token_request_that_is_not_a_form_says_so(api, kwargs, got):
    client, _ = api
    r = client.post("/oauth/token", **kwargs)
    assert r.status_code == 400 and r.headers["cache-control"] == "no-store"
    assert r.json() == {"error": "invalid_request", "error_description": f"{_FORM_MSG} (got {got})"}


def test_oauth_errors_keep_the_rfc6749_shape(api):
    client, _ = api
    for r, status in ((client.get("/oauth/token"), 405), (client.get("/oauth/nosuch"), 404),
                      (client.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "x",
                                                          "client_secret": "y"}), 401)):
        assert r.status_code == status and set(r.json()) == {"error", "error_description"}, r.text
        assert r.headers["cache-control"] == "no-store"
    assert client.get("/oauth/token").json()["error"] == "invalid_request"
    assert "POST" in client.get("/oauth/token").headers["allow"]


def test_pages_outside_the_api_keep_the_app_shape(api):
    client, _ = api
    r = client.get("/nosuch-page", headers={"Accept": "application/json"})
    assert r.status_code == 404 and set(r.json()) == {"error", "status"}


def test_unexpected_failure_is_a_500_in_the_api_shape():
    @get("/api/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("secret internals")

    app = Litestar([Router(path="/", route_handlers=[boom], exception_handlers={Exception: error_response})],
                   logging_config=None)
    with TestClient(app) as client:
        r = client.get("/api/boom")
    body = _assert_api_shape(r, 500)
    assert body["error"] == "internal error" and "secret" not in r.text
