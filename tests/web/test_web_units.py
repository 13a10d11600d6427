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


def test_qa_metrics_read_as_words() -> None:
    from web.i18n import Translator
    from web.pages.qa_view import qa_metric_rows

    metrics = {"penalties": {"validation": 0, "prompts": 4}, "valid": True, "success_ends": ["a_end", "b"],
               "max_prompt_seconds": 11.1, "nodes": 20, "brand_new": [1, 2]}
    rows = {r.key: r for r in qa_metric_rows(metrics, Translator("zh"), {"a_end": "接受"}, score=96)}
    assert list(rows)[:2] == ["valid", "nodes"] and rows["valid"].label == "完整（通过校验）"
    assert rows["valid"].text == "是" and rows["success_ends"].items == ["接受", "b"]
    assert rows["max_prompt_seconds"].text == "11.1 秒（朗读）"
    assert rows["penalties"].table == [("完整性校验", "0"), ("话术质量", "\u22124")]
    assert rows["penalties"].total == ("得分 = 100 − 4", "96")
    assert rows["brand_new"].label == "brand_new" and rows["brand_new"].text == "1, 2"
    en = {r.key: r for r in qa_metric_rows(metrics, Translator("en"))}
    assert en["valid"].text == "yes" and en["success_ends"].label == "Successful endings"


def test_recording_problems_in_words() -> None:
    from web.i18n import Translator
    from web.pages.speech import recording_problem

    en, zh = Translator("en"), Translator("zh")
    raw = "x.wav: not audio (pipe:0: Invalid data found when processing input)"
    assert recording_problem(en, "x.wav", raw) == "x.wav: this file is not audio we can read. Use a WAV, MP3 or OGG recording."
    assert "pipe" not in recording_problem(zh, "x.wav", raw)
    assert recording_problem(en, "x.wav", "x.wav: too long (61.0 s; the limit is 60 s)") == "x.wav: the recording is too long (at most 60 s)."
    assert recording_problem(zh, "x.wav", "x.wav: the recording is silent") == "x.wav：录音没有声音。"
