"""Pure pieces of the web app: language choice, uploads, finding locations, filtering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from designer.store import ScriptSummary
from web.auth.routes import safe_next
from web.checking import node_at_path
from web.documents import DocumentError, blank_document, parse_upload, slug_for, unique_id
from web.i18n import catalogue, pick_language, translate
from web.pages.scripts import filter_scripts
from web.pages.speech import fill_examples


def test_language_choice() -> None:
    assert pick_language(None, "zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert pick_language(None, "fr-FR, en;q=0.5, zh;q=0.4") == "en"
    assert pick_language(None, "de, zh-TW;q=0.3") == "zh"
    assert pick_language("en", "zh-CN") == "en"  # an explicit choice wins
    assert pick_language("xx", None) == "en"
    assert translate("zh", "ed.check.invalid", n=3) == "3 个错误"
    assert translate("zh", "no.such.key") == "no.such.key"


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    import re

    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh)
    for k in en:
        assert set(re.findall(r"\{(\w+)\}", en[k])) == set(re.findall(r"\{(\w+)\}", zh[k])), k


def test_uploads_are_checked() -> None:
    assert parse_upload(b'\xef\xbb\xbf{"format": "huashu.script/1", "id": "a"}', "bom.json")["id"] == "a"
    with pytest.raises(DocumentError, match=r"x.json: not JSON: .* line 2"):
        parse_upload(b'{"format":\n}', "x.json")
    with pytest.raises(DocumentError, match="not UTF-8"):
        parse_upload(b'{"a": "\xff"}', "latin.json")
    with pytest.raises(DocumentError, match="too large"):
        parse_upload(b" " * (10 * 1024 * 1024 + 1), "big.json")


def test_ids_and_blank_documents() -> None:
    assert slug_for("Top-up Reminder 2") == "top-up-reminder-2"
    assert slug_for("话费提醒").startswith("script-")
    taken = {"a", "a-2"}
    assert unique_id("a", taken.__contains__) == "a-3" and unique_id("b", taken.__contains__) == "b"
    doc = blank_document("x", "X", "zh-CN")
    assert doc["nodes"][0]["title"] == "开场" and doc["start"] == "open"


def test_finding_paths_map_to_nodes() -> None:
    doc = {"nodes": [{"id": "a"}, {"id": "b", "branches": [{"id": "b1"}]}]}
    assert node_at_path(doc, "$.nodes[1].branches[0].goto") == ("b", "b1")
    assert node_at_path(doc, "$.nodes[0].type") == ("a", None)
    assert node_at_path(doc, "$.nodes[7]") == (None, None)
    assert node_at_path(doc, "$.start") == (None, None)


def test_filter_and_safe_redirects_and_examples() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [ScriptSummary("a", "Top-up", "mobile", 1, "draft", None, t),
            ScriptSummary("b", "宽带续约", "broadband", 2, "approved", 1, t)]
    assert [r.id for r in filter_scripts(rows, "TOP", "")] == ["a"]
    assert [r.id for r in filter_scripts(rows, "", "approved")] == ["b"]
    assert [r.id for r in filter_scripts(rows, "宽带", "draft")] == []
    assert safe_next("/scripts/a/edit") == "/scripts/a/edit"
    assert safe_next("https://evil.example") == "/scripts" and safe_next("//evil") == "/scripts"
    assert fill_examples("Hi ${name}, ${ missing }", {"name": "Ann"}) == "Hi Ann, ${ missing }"
