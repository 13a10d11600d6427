"""Script list, import/export, the draft autosave (stale detection), submit and review over HTTP."""

from __future__ import annotations

import json
from typing import Any

from scripts_library import library_paths
from tests.support.web_client import csrf_of, jpost

HTML = {"accept": "text/html"}


def _form(client: Any, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "_csrf_token": csrf_of(client)}, headers=HTML, follow_redirects=False)


def _new_script(client: Any, name: str = "Test renewal", sid: str = "test-renewal") -> str:
    r = _form(client, "/scripts/new", {"name": name, "id": sid, "language": "en-US"})
    assert r.status_code in (302, 303), r.text
    return str(r.headers["location"]).split("/")[2]


def _import(client: Any, content: bytes, name: str = "s.json") -> Any:
    return client.post(
        "/scripts/import",
        files={"file": (name, content, "application/json")},
        data={"_csrf_token": csrf_of(client)},
        headers={"accept": "application/json"},
        follow_redirects=False,
    )


def _library_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(library_paths()[0].read_text(encoding="utf-8"))
    return doc


def test_new_blank_script_opens_the_editor_and_lists(client_for: Any) -> None:
    c = client_for("designer")
    key = _new_script(c)
    assert key == "test-renewal"
    page = c.get(f"/scripts/{key}/edit", headers=HTML)
    assert page.status_code == 200 and "cytoscape.min.js" in page.text and '"canEdit": true' in page.text
    draft = c.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    assert draft["revision"] == 1 and draft["doc"]["start"] == "open" and draft["status"] == "draft"
    listing = c.get("/scripts?q=renewal", headers=HTML).text
    assert 'data-script="test-renewal"' in listing
    assert 'data-script="test-renewal"' not in c.get("/scripts?q=nothing-like-it", headers=HTML).text
    assert 'data-script="test-renewal"' not in c.get("/scripts?status=approved", headers=HTML).text
    # the same name twice gets a fresh id, never overwrites
    assert _new_script(c) == "test-renewal-2"


def test_import_rejects_broken_json_huge_files_and_non_scripts(client_for: Any) -> None:
    c = client_for("designer")
    r = _import(c, b'{"format": "huashu.script/1", "id": ', "broken.json")
    assert r.status_code == 422 and "broken.json: not JSON" in r.json()["error"] and "line 1" in r.json()["error"]
    r = _import(c, b"[1, 2]", "list.json")
    assert r.status_code == 422 and "one JSON object" in r.json()["error"]
    r = _import(c, b'{"id": "x", "name": "x"}', "other.json")
    assert r.status_code == 422 and "not a Huashu script" in r.json()["error"]
    big = b'{"pad": "' + b"x" * (11 * 1024 * 1024) + b'"}'
    r = _import(c, big, "big.json")
    assert r.status_code in (413, 422) and "too large" in r.json()["error"]
    r = _import(c, b"x" * (50 * 1024 * 1024), "fifty.json")
    assert r.status_code == 413 and "too large" in r.json()["error"] and "50.0 MB" in r.json()["error"]
    # the list page's form (a browser navigation): back to the list with the limit and the size
    r = c.post("/scripts/import", files={"file": ("fifty.json", b" " * (50 * 1024 * 1024), "application/json")},
               data={"_csrf_token": csrf_of(c)}, headers=HTML, follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/scripts?too_large=5242")
    listing = c.get(r.headers["location"], headers={**HTML, "accept-language": "zh"}).text
    assert "文件太大，无法上传：文件大小为 50.0 MB，上限为 12 MB。" in listing and 'id="import-form"' in listing
    # nothing got stored
    assert "data-script=" not in c.get("/scripts", headers=HTML).text


def test_import_then_export_round_trips(client_for: Any) -> None:
    c = client_for("designer")
    doc = _library_doc()
    r = _import(c, json.dumps(doc).encode(), "lib.json")
    assert r.status_code in (302, 303)
    out = c.get(f"/scripts/{doc['id']}/export")
    assert out.status_code == 200 and "attachment" in out.headers["content-disposition"]
    assert out.json() == doc


def test_stale_save_from_a_second_tab_is_refused_not_overwritten(client_for: Any) -> None:
    tab1, tab2 = client_for("designer"), client_for("designer")
    key = _new_script(tab1)
    d1 = tab1.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    d2 = tab2.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    d1["doc"]["nodes"][0]["title"] = "from tab one"
    r = jpost(tab1, f"/scripts/{key}/draft", {"doc": d1["doc"], "revision": d1["revision"]}, "PUT")
    assert r.status_code == 200 and r.json()["revision"] == 2
    d2["doc"]["nodes"][0]["title"] = "from tab two"
    r = jpost(tab2, f"/scripts/{key}/draft", {"doc": d2["doc"], "revision": d2["revision"]}, "PUT")
    assert r.status_code == 409
    body = r.json()
    assert body["revision"] == 2 and body["by"] == "designer" and "someone else" in body["error"]
    now = tab1.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    assert now["doc"]["nodes"][0]["title"] == "from tab one"
    # the user chose "keep mine": an explicit overwrite
    r = jpost(tab2, f"/scripts/{key}/draft", {"doc": d2["doc"], "revision": d2["revision"], "force": True}, "PUT")
    assert r.status_code == 200 and r.json()["revision"] == 3


def test_expired_session_save_gets_401_and_the_draft_is_untouched(client_for: Any) -> None:
    c = client_for("designer")
    key = _new_script(c)
    d = c.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    c.cookies.delete("huashu_session")
    d["doc"]["name"] = "typed while signed out"
    r = jpost(c, f"/scripts/{key}/draft", {"doc": d["doc"], "revision": d["revision"]}, "PUT")
    assert r.status_code == 401


def test_roles_at_the_http_level(client_for: Any) -> None:
    designer, operator, reviewer = client_for("designer"), client_for("operator"), client_for("reviewer")
    key = _new_script(designer)
    d = designer.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    # operator: can read, cannot edit or create or import
    assert operator.get(f"/scripts/{key}/edit", headers=HTML).status_code == 200
    assert '"canEdit": false' in operator.get(f"/scripts/{key}/edit", headers=HTML).text
    assert jpost(operator, f"/scripts/{key}/draft", {"doc": d["doc"], "revision": 1}, "PUT").status_code == 403
    assert _form(operator, "/scripts/new", {"name": "nope"}).status_code == 403
    assert _import(operator, json.dumps(_library_doc()).encode()).status_code == 403
    assert jpost(operator, "/talk", {"doc": d["doc"], "replies": []}).status_code == 403
    # reviewer cannot edit either
    assert jpost(reviewer, f"/scripts/{key}/draft", {"doc": d["doc"], "revision": 1}, "PUT").status_code == 403
    # designer cannot approve, nor open the review queue or the users page
    assert _form(designer, f"/scripts/{key}/versions/1/approve", {"comment": "ok"}).status_code == 403
    assert designer.get("/reviews", headers=HTML).status_code == 403
    assert designer.get("/users", headers=HTML).status_code == 403


def test_submit_review_reject_then_approve(client_for: Any) -> None:
    designer, reviewer = client_for("designer"), client_for("reviewer")
    doc = _library_doc()
    assert _import(designer, json.dumps(doc).encode()).status_code in (302, 303)
    key = doc["id"]
    r = _form(designer, f"/scripts/{key}/submit", {"comment": "please check"})
    assert r.status_code in (302, 303)
    assert "submitted for review" in designer.get(r.headers["location"], headers=HTML).text
    queue = reviewer.get("/reviews", headers=HTML).text
    assert f"/scripts/{key}/review?version=1" in queue
    page = reviewer.get(f"/scripts/{key}/review?version=1", headers=HTML).text
    assert 'id="approve"' in page and "review-qa-score" in page
    # QA metrics in words: labels, yes/no, titles as chips, the deductions as a table; no Python reprs
    metrics = page.split('id="qa-metrics"', 1)[1].split("</section>", 1)[0]
    assert "Successful endings" in metrics and 'id="qa-penalties"' in metrics and ">yes<" in metrics
    assert ">success_ends<" not in metrics and "True" not in metrics and "[&#39;" not in metrics and "{&#34;" not in metrics
    # rejecting needs a comment
    _form(reviewer, f"/scripts/{key}/versions/1/reject", {"comment": ""})
    assert "needs a comment" in reviewer.get(f"/scripts/{key}/review?version=1", headers=HTML).text
    _form(reviewer, f"/scripts/{key}/versions/1/reject", {"comment": "say the price earlier"})
    seen = designer.get(f"/scripts/{key}/review", headers=HTML).text
    assert "say the price earlier" in seen and "rejected" in seen
    # a new draft from the rejected version, submit, approve
    _form(designer, f"/scripts/{key}/versions/1/new-draft", {})
    _form(designer, f"/scripts/{key}/submit", {})
    cache = reviewer.app.state.settings.data_dir / "prompt-cache"
    before = len(list(cache.rglob("*.wav"))) if cache.exists() else 0
    _form(reviewer, f"/scripts/{key}/versions/2/approve", {"comment": "fine"})
    assert len(list(cache.rglob("*.wav"))) > before  # the approved version's static prompts are rendered
    hist = designer.get(f"/scripts/{key}/history", headers=HTML).text
    assert 'data-version="2"' in hist and "approved" in hist and 'id="diff' in hist


def test_invalid_draft_cannot_be_submitted(client_for: Any) -> None:
    c = client_for("designer")
    key = _new_script(c)
    r = _form(c, f"/scripts/{key}/submit", {})
    text = c.get(r.headers["location"], headers=HTML).text
    assert "cannot be submitted" in text
    assert c.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()["status"] == "draft"


def test_history_diff_is_node_by_node(client_for: Any) -> None:
    c = client_for("designer")
    key = _new_script(c)
    d = c.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    d["doc"]["nodes"].append({"id": "bye", "type": "end", "prompt": {"text": "Bye"}, "outcome": "done"})
    d["doc"]["nodes"][0]["prompt"]["text"] = "Hello there"
    body = {"doc": d["doc"], "revision": d["revision"]}
    assert jpost(c, f"/scripts/{key}/draft", body, "PUT").status_code == 200
    _form(c, f"/scripts/{key}/versions/1/new-draft", {})  # v1 stays a draft; v2 copies it
    d2 = c.get(f"/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    d2["doc"]["nodes"] = [n for n in d2["doc"]["nodes"] if n["id"] != "bye"]
    assert jpost(c, f"/scripts/{key}/draft", {"doc": d2["doc"], "revision": d2["revision"]}, "PUT").status_code == 200
    hist = c.get(f"/scripts/{key}/history?a=1&b=2", headers=HTML).text
    assert "<code>bye</code>" in hist and "removed" in hist


def test_admin_manages_users_in_the_ui(client_for: Any) -> None:
    admin = client_for("admin")
    assert 'id="users"' in admin.get("/users", headers=HTML).text
    r = _form(admin, "/users", {"username": "newbie", "password": "long-enough-1", "role": "operator"})
    assert r.status_code in (302, 303)
    assert "Created newbie (operator)" in admin.get("/users", headers=HTML).text
    _form(admin, "/users/newbie/role", {"role": "designer"})
    from web.auth.users import find_user

    user = find_user(admin.app.state.engine, "newbie")
    assert user is not None and user.role == "designer"
    _form(admin, "/users", {"username": "newbie", "password": "long-enough-1", "role": "operator"})
    assert "exists already" in admin.get("/users", headers=HTML).text
    assert _form(client_for("reviewer"), "/users/newbie/role", {"role": "admin"}).status_code == 403
