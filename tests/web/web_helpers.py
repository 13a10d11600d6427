"""Helpers shared by the web tests (a uniquely named module: other areas have a conftest.py too)."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

PASSWORD = "correct-horse-1"
ROLES = ("admin", "designer", "reviewer", "operator")


def csrf_of(client: TestClient[Any]) -> str:
    token = client.cookies.get("huashu_csrf")
    if token is None:
        html = client.get("/login", headers={"accept": "text/html"}).text
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m
        token = client.cookies.get("huashu_csrf") or m.group(1)
    return token


def sign_in(client: TestClient[Any], username: str, password: str = PASSWORD) -> Any:
    client.get("/login", headers={"accept": "text/html"})
    return client.post(
        "/login",
        data={"username": username, "password": password, "next": "/scripts", "_csrf_token": csrf_of(client)},
        follow_redirects=False,
    )


def jpost(client: TestClient[Any], url: str, body: Any, method: str = "POST") -> Any:
    return client.request(
        method, url, json=body, headers={"x-csrftoken": csrf_of(client), "accept": "application/json"}
    )
