"""Drafts are schema-checked on import and on save (issue 15, finding 1): a draft whose intent name,
node id or other identifier carries markup is refused with what and where, in zh and en, and
nothing is stored -- through the store, the editor's autosave, the import form and the CLI."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from sqlmodel import Session, select

from designer import store
from designer.schema import schema_errors
from huashu.core.db import make_engine
from tests.support.dbfiles import fresh_sqlite
from tests.support.sec_editor_seed import LEGACY_INTENT, hostile_doc
from tests.support.sec_editor_web import cheap_hashing, csrf_of, make_app, signed_in

EVIL = LEGACY_INTENT  # x"><img/src="x"/onerror=alert(9)>


def _with_intent(doc: dict[str, Any], name: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["intents"][name] = {"keywords": ["boom"]}
    return out


# every identifier the schema now holds to the identifier pattern, each with markup in it
def _hostile_variants() -> list[tuple[str, dict[str, Any], str]]:
    base = hostile_doc()
    out = [("intent name", _with_intent(base, EVIL), "$.intents")]
    d = copy.deepcopy(base)
    d["nodes"][0]["branches"][0]["when"] = {"intent": EVIL}
    out.append(("branch intent", d, "$.nodes[0].branches[0].when.intent"))
    d = copy.deepcopy(base)
    d["nodes"][0]["branches"][0]["id"] = 'b"><b>'
    out.append(("branch id", d, "$.nodes[0].branches[0].id"))
    d = copy.deepcopy(base)
    end = next(i for i, n in enumerate(d["nodes"]) if n["type"] == "end")
    d["nodes"][end]["outcome"] = "<script>alert(1)</script>"
    out.append(("end outcome", d, f"$.nodes[{end}].outcome"))
    d = copy.deepcopy(base)
    d["layout"] = {"collapsed": ["<svg/onload=alert(1)>"]}
    out.append(("layout", d, "$.layout.collapsed[0]"))
    return out


@pytest.mark.parametrize(("what", "doc", "path"), _hostile_variants(), ids=lambda x: x if isinstance(x, str) else "")
def test_schema_refuses_markup_in_identifiers(what: str, doc: dict[str, Any], path: str) -> None:
    assert path in [e.path for e in schema_errors(doc)], what


def test_identifiers_still_allow_chinese_and_the_usual_punctuation() -> None:
    doc = hostile_doc()  # free text everywhere, with markup in it: text is data, not an identifier
    doc["nodes"][0]["id"], doc["start"] = "开场.v2:a-b_c", "开场.v2:a-b_c"
    for n in doc["nodes"]:
        for b in n.get("branches", []):
            if b["goto"] == "open":
                b["goto"] = "开场.v2:a-b_c"
    assert schema_errors(doc) == []


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    e = make_engine(fresh_sqlite(tmp_path / "h.db"))
    return e


def _stored(engine: Any) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (len(s.exec(select(store.ScriptRecord)).all()), len(s.exec(select(store.ScriptVersion)).all()),
                len(s.exec(select(store.ScriptEvent)).all()))


@pytest.mark.parametrize(("what", "doc", "path"), _hostile_variants(), ids=lambda x: x if isinstance(x, str) else "")
def test_store_import_refuses_and_stores_nothing(engine: Any, what: str, doc: dict[str, Any], path: str) -> None:
    with Session(engine) as s, pytest.raises(store.SchemaRejectedError) as e:
        store.import_document(s, doc, actor="designer")
    assert path in str(e.value) and "nothing was stored" in str(e.value)
    assert "未保存" in e.value.message("zh") and path in e.value.message("zh")
    assert _stored(engine) == (0, 0, 0)


def test_store_save_refuses_and_keeps_the_draft(engine: Any) -> None:
    with Session(engine) as s:
        v = store.import_document(s, hostile_doc(), actor="designer")
        s.commit()
        before = (copy.deepcopy(v.document), v.revision)
    with Session(engine) as s, pytest.raises(store.SchemaRejectedError):
        store.save_draft(s, "hostile", 1, _with_intent(hostile_doc(), EVIL), actor="designer", revision=before[1])
    with Session(engine) as s:
        v = store.get_version(s, "hostile", 1)
        assert (v.document, v.revision) == before
    assert _stored(engine) == (1, 1, 1)  # the import's event only: no save event


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Litestar]:
    cheap_hashing(monkeypatch)
    yield make_app(tmp_path / "var")


def test_editor_autosave_refuses_with_a_message_in_the_users_language(app: Litestar) -> None:
    c = signed_in(app, "designer")
    with Session(app.state.engine) as s:
        store.import_document(s, hostile_doc(), actor="designer")
        s.commit()
    body = c.get("/scripts/hostile/draft", headers={"accept": "application/json"}).json()
    for lang, words in (("en", "nothing was stored"), ("zh", "未保存任何内容")):
        c.cookies.set("lang", lang)
        r = c.put("/scripts/hostile/draft", json={"doc": _with_intent(body["doc"], EVIL), "revision": body["revision"]},
                  headers={"x-csrftoken": csrf_of(c), "accept": "application/json"})
        assert r.status_code == 422, r.text
        assert words in r.json()["error"] and "$.intents" in r.json()["error"]
        assert {"path": "$.intents"} .items() <= r.json()["problems"][0].items()
    after = c.get("/scripts/hostile/draft", headers={"accept": "application/json"}).json()
    assert after["revision"] == body["revision"] and EVIL not in after["doc"]["intents"]


def test_import_form_refuses_and_stores_nothing(app: Litestar) -> None:
    c = signed_in(app, "designer")
    raw = json.dumps(_with_intent(hostile_doc(), EVIL)).encode()
    r = c.post("/scripts/import", files={"file": ("evil.json", raw, "application/json")},
               data={"_csrf_token": csrf_of(c)}, headers={"accept": "application/json"}, follow_redirects=False)
    assert r.status_code == 422 and r.json()["error"].startswith("evil.json: The script does not match")
    # the page form: back to the list, the reason shown (escaped) in Chinese
    c.cookies.set("lang", "zh")
    r = c.post("/scripts/import", files={"file": ("evil.json", raw, "application/json")},
               data={"_csrf_token": csrf_of(c)}, headers={"accept": "text/html"}, follow_redirects=True)
    assert "话术不符合 huashu.script/1 格式" in r.text and "<img/src" not in r.text and "&lt;img/src" in r.text
    assert _stored(app.state.engine)[:2] == (0, 0)


def test_cli_import_refuses_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from huashu.cli import cli
    from huashu.core.config import get_settings

    monkeypatch.setenv("HUASHU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("HUASHU_DATABASE_URL", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    get_settings.cache_clear()
    try:
        good, evil = tmp_path / "good.json", tmp_path / "evil.json"
        good.write_text(json.dumps(hostile_doc()), encoding="utf-8")
        evil.write_text(json.dumps({**_with_intent(hostile_doc(), EVIL), "id": "evil"}), encoding="utf-8")
        r = CliRunner().invoke(cli, ["script", "import", str(good), str(evil)])
        assert r.exit_code == 1
        assert "evil.json: The script does not match the huashu.script/1 format" in r.output
        assert "$.intents" in r.output and "nothing was imported" in r.output and "Traceback" not in r.output
        listed = CliRunner().invoke(cli, ["script", "list", "--json"])
        assert listed.exit_code == 0 and json.loads(listed.output) == []
    finally:
        get_settings.cache_clear()


def test_the_refusal_says_the_rule_in_words_not_a_regex() -> None:
    doc = _hostile_variants()[0][1]
    doc["nodes"][0]["branches"][0]["id"] = 'b"><b>'
    with pytest.raises(store.SchemaRejectedError) as e:
        store._check_doc(doc)
    en, zh = e.value.message("en"), e.value.message("zh")
    assert "is not a name: use ASCII letters, digits and _" in en and "is not an id: use letters (Chinese too)" in en
    assert "不是有效的名称" in zh and "不是有效的编号" in zh
    assert "^[" not in en + zh and "Unevaluated properties" not in en  # no regex, no follow-on noise
