"""Sign-in, sessions, CSRF and role checks over HTTP (Litestar's test client, no browser)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.web_client import PASSWORD, csrf_of, jpost, sign_in
from web.auth.passwords import hash_password, verify_password
from web.auth.roles import Permission, allows
from web.auth.users import UserError, authenticate, create_user, list_users, set_role


def test_password_is_hashed_with_argon2_and_verifies() -> None:
    h = hash_password("s3cret-enough")
    assert h.startswith("$argon2id$") and "s3cret-enough" not in h
    assert verify_password(h, "s3cret-enough")
    assert not verify_password(h, "s3cret-enougH")
    with pytest.raises(ValueError, match="too short"):
        hash_password("short")


def test_roles_grant_what_the_issue_says() -> None:
    assert allows("designer", Permission.EDIT_SCRIPTS) and not allows("designer", Permission.REVIEW_SCRIPTS)
    assert allows("reviewer", Permission.REVIEW_SCRIPTS) and not allows("reviewer", Permission.EDIT_SCRIPTS)
    assert not allows("operator", Permission.EDIT_SCRIPTS) and allows("operator", Permission.VIEW_SCRIPTS)
    assert all(allows("admin", p) for p in Permission)
    assert not allows("nobody", Permission.VIEW_SCRIPTS) and not allows(None, Permission.VIEW_SCRIPTS)


def test_user_store_rejects_duplicates_bad_roles_and_names(web_app: Any) -> None:
    engine = web_app.state.engine
    with pytest.raises(UserError, match="exists"):
        create_user(engine, "designer", PASSWORD, "designer")
    with pytest.raises(UserError, match="unknown role"):
        create_user(engine, "zoe", PASSWORD, "superuser")
    with pytest.raises(UserError, match="bad user name"):
        create_user(engine, "a b", PASSWORD, "designer")
    assert [u.username for u in list_users(engine)] == ["admin", "designer", "operator", "reviewer"]
    assert authenticate(engine, "designer", PASSWORD) is not None
    assert authenticate(engine, "designer", "wrong-password") is None
    assert authenticate(engine, "ghost", PASSWORD) is None
    assert set_role(engine, "operator", "reviewer").role == "reviewer"


def test_pages_redirect_to_sign_in_and_json_gets_401(client_for: Any) -> None:
    anon: TestClient[Any] = client_for(None)
    r = anon.get("/scripts", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/login?next=/scripts")
    r = jpost(anon, "/check", {"doc": {}})
    assert r.status_code == 401


def test_wrong_password_is_refused_and_session_cookie_is_httponly(web_app: Any) -> None:
    with TestClient(web_app) as c:
        r = sign_in(c, "designer", "not-the-password")
        assert r.status_code == 401 and "Wrong user name or password" in r.text
        r = sign_in(c, "designer")
        assert r.status_code in (302, 303)
        cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("huashu_session=")][0]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")


def test_secure_cookies_by_default_off_loopback(web_settings: Any) -> None:
    from web.app import create_app

    web_settings.host = "0.0.0.0"
    app = create_app(web_settings)
    with TestClient(app, base_url="https://testserver.local") as c:
        r = c.get("/login", headers={"accept": "text/html"})
        assert "Secure" in r.headers["set-cookie"]


def test_csrf_is_required_on_forms_and_json(client_for: Any) -> None:
    c = client_for("designer")
    r = c.post("/check", json={"doc": {}}, headers={"accept": "application/json"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/logout", data={"_csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code in (302, 303)
    assert jpost(c, "/check", {"doc": {}}).status_code == 401  # signed out now


def test_open_redirect_after_sign_in_is_refused(web_app: Any) -> None:
    with TestClient(web_app) as c:
        c.get("/login", headers={"accept": "text/html"})
        r = c.post(
            "/login",
            data={"username": "admin", "password": PASSWORD, "next": "//evil.example/x", "_csrf_token": csrf_of(c)},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/scripts"


def test_language_follows_browser_and_switch(client_for: Any) -> None:
    c = client_for(None)
    assert "登录" in c.get("/login", headers={"accept": "text/html", "accept-language": "zh-CN,zh;q=0.9"}).text
    assert "Sign in" in c.get("/login", headers={"accept": "text/html", "accept-language": "en-US"}).text
    c.get("/lang/zh?next=/login", follow_redirects=False)
    assert "登录" in c.get("/login", headers={"accept": "text/html", "accept-language": "en-US"}).text


def test_sign_in_gets_a_fresh_session_id(web_app: Any) -> None:
    with TestClient(web_app) as c:
        c.cookies.set("huashu_session", "planted-by-an-attacker")
        r = sign_in(c, "designer")
        assert r.status_code in (302, 303)
        issued = [h for h in r.headers.get_list("set-cookie") if h.startswith("huashu_session=")][0]
        assert "planted-by-an-attacker" not in issued
        c.cookies.set("huashu_session", issued.split(";")[0].split("=", 1)[1])
        assert c.get("/scripts", headers={"accept": "text/html"}, follow_redirects=False).status_code == 200


def test_openapi_docs_are_served(client_for: Any) -> None:
    spec = client_for(None).get("/schema/openapi.json").json()
    assert spec["info"]["title"] == "Huashu" and "/check" in spec["paths"] and "/scripts/{key}/draft" in spec["paths"]
