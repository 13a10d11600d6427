"""Findings in the reader's language: every code has natural Chinese and English, and the language
changes the words only -- never the codes, nodes, paths, order or score."""

from __future__ import annotations

import copy
import json
import re
import string
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from test_designer_docs import _documented_codes, _emitted_codes
from test_designer_qa import QA_CASES
from test_designer_validate import CASES as VALIDATION_CASES

from designer._detail_zh import detail_zh
from designer.localize import localize_qa, localize_validation, titles_of
from designer.messages import MESSAGES, SUGGESTIONS, code_of, normalize_lang, render, suggestion
from designer.qa import qa
from designer.validate import validate

Doc = dict[str, Any]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LEFT_OVER = re.compile(r"(?<!\$)\{[A-Za-z_][A-Za-z0-9_]*(?:![a-z])?(?::[^}]*)?\}")
# An English phrase in Chinese text: three English words in a row (ids and code words are single tokens).
_ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b")


def _fields(template: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name}


def _sample(name: str) -> Any:
    """A plausible value for a template field, typed as the checks pass it."""
    if name in ("nodes", "words"):
        return ("ask", "confirm")
    if name in ("seconds", "units", "limit", "lo", "hi", "count", "width", "turns", "more", "total",
                "column", "item", "number"):
        return 7
    return f"x_{name}"


def _params(key: str) -> dict[str, Any]:
    names = _fields(MESSAGES[key].en) | _fields(MESSAGES[key].zh)
    text = SUGGESTIONS.get(key) or SUGGESTIONS.get(code_of(key))
    if text is not None:
        names |= _fields(text.en) | _fields(text.zh)
    return {n: _sample(n) for n in names}


def _assert_chinese(text: str, where: str) -> None:
    assert text.strip(), where
    assert _CJK.search(text), (where, text)
    assert not _LEFT_OVER.search(text), (where, text)
    assert not _ENGLISH_RUN.search(text), (where, text)
    assert "'" not in text.replace("'bogus'", ""), (where, text)  # zh quotes with 「」, not Python repr


def _assert_english(text: str, where: str) -> None:
    assert text.strip() and not _LEFT_OVER.search(text), (where, text)
    assert not _CJK.search(re.sub(r"\([^)]*\)|'[^']*'|/ [^ ]+", "", text)), (where, text)


# --- the catalogue ------------------------------------------------------------------------------


def test_every_code_has_a_message_and_a_suggestion_in_both_languages() -> None:
    codes = _emitted_codes()
    assert len(codes) > 40
    catalogued = {code_of(k) for k in MESSAGES}
    assert codes == catalogued, codes ^ catalogued
    assert catalogued <= _documented_codes()
    for code in codes:
        assert code in SUGGESTIONS or any(code_of(k) == code for k in SUGGESTIONS), code


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_each_message_renders_naturally_in_both_languages(key: str) -> None:
    params = _params(key)
    zh, en = render(key, params, "zh"), render(key, params, "en")
    _assert_chinese(zh, key)
    _assert_english(en, key)
    zh_tip, en_tip = suggestion(key, params, "zh"), suggestion(key, params, "en")
    _assert_chinese(zh_tip, key + " suggestion")
    _assert_english(en_tip, key + " suggestion")
    # Every value a check passes shows up in both languages (nothing dropped in translation),
    # except the count the Chinese loop message gives as a total instead of "N more".
    for name, value in params.items():
        shown = [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
        for lang, text in (("zh", zh + zh_tip), ("en", en + en_tip)):
            if name in _fields(MESSAGES[key].get(lang)):
                assert all(s in text for s in shown), (key, lang, name, text)


def test_zh_names_nodes_by_their_title_and_keeps_ids_without_one() -> None:
    titles = {"confirm": "确认身份"}
    text = render("missing_silence_branch", {"node": "confirm"}, "zh", titles)
    assert text == "节点「确认身份」没有设置客户沉默时的处理。"
    assert suggestion("missing_silence_branch", {}, "zh") == "请添加“静默”分支或全局静默处理。"
    assert "「other」" in render("missing_silence_branch", {"node": "other"}, "zh", titles)
    assert render("missing_silence_branch", {"node": "confirm"}, "en", titles) == (
        "Node 'confirm' does not say what happens when the customer stays silent.")


def test_language_names() -> None:
    assert [normalize_lang(x) for x in ("zh", "zh-CN", "zh_TW.UTF-8", "ZH", "en", "en-US", None, "")] == \
        ["zh", "zh", "zh", "zh", "en", "en", "en", "en"]
    with pytest.raises(ValueError, match="fr"):
        normalize_lang("fr")
    with pytest.raises(ValueError):
        validate({}, lang="de")


def test_technical_details_are_put_into_chinese_or_passed_through() -> None:
    assert detail_zh("'start' is a required property") == "缺少必填字段 'start'"
    assert detail_zh("5 is not of type 'object'") == "5 的类型不对，应为对象"
    assert detail_zh("function calls not allowed in a condition") == "条件里不允许使用函数调用"
    assert detail_zh("missing ), unterminated subpattern") == "缺少右括号“)”"
    assert detail_zh("something nobody wrote a rule for") == "something nobody wrote a rule for"


# --- the checks in both languages --------------------------------------------------------------


def _same_but_words(en: list[dict[str, Any]], zh: list[dict[str, Any]]) -> None:
    strip = [{k: v for k, v in f.items() if k not in ("message", "suggestion")} for f in en]
    assert strip == [{k: v for k, v in f.items() if k not in ("message", "suggestion")} for f in zh]
    assert [set(f) for f in en] == [set(f) for f in zh]


def _check_both(doc: Doc) -> set[str]:
    en, zh = qa(doc, lang="en"), qa(doc, lang="zh")
    assert en.score == zh.score and en.metrics == zh.metrics
    _same_but_words([f.to_dict() for f in en.findings], [f.to_dict() for f in zh.findings])
    for f in zh.findings:
        _assert_chinese(f.message, f.code)
        _assert_chinese(f.suggestion, f.code + " suggestion")
    for f in en.findings:
        _assert_english(f.message, f.code)
    v_en, v_zh = validate(doc), validate(doc, lang="zh")
    _same_but_words([f.to_dict() for f in v_en.errors + v_en.warnings],
                    [f.to_dict() for f in v_zh.errors + v_zh.warnings])
    return {f.code for f in zh.findings}


CaseBreaker = Callable[[Doc], None]


@pytest.mark.parametrize("breaker", [c[1] for c in QA_CASES] + [c[1] for c in VALIDATION_CASES],
                         ids=[f"qa-{c[0]}" for c in QA_CASES] + [f"v-{c[0]}" for c in VALIDATION_CASES])
def test_every_designer_test_case_reads_the_same_in_both_languages(base: Doc, breaker: CaseBreaker) -> None:
    breaker(base)
    assert _check_both(base)


def test_schema_errors_in_chinese(base: Doc) -> None:
    base["nodes"][1]["type"] = "bogus"
    del base["start"]
    report = validate(base, lang="zh")
    assert report.errors and all(f.code == "schema" for f in report.errors)
    msgs = [f.message for f in report.errors]
    assert "文件结构不符合话术格式，位置 $：缺少必填字段 'start'。" in msgs
    assert any("$.nodes[1].type" in m and "不是允许的取值" in m for m in msgs), msgs


def test_titles_name_nodes_in_chinese(base: Doc) -> None:
    base["nodes"][1]["title"] = "确认身份"
    base["nodes"][1]["branches"] = [b for b in base["nodes"][1]["branches"] if b["id"] != "o_sil"]
    zh = [f for f in validate(base, lang="zh").errors if f.code == "missing_silence_branch"]
    assert [f.message for f in zh] == ["节点「确认身份」没有设置客户沉默时的处理。"]
    assert zh[0].node == "open"  # the id still says where


def test_localize_says_an_earlier_report_again(base: Doc) -> None:
    base["nodes"][2]["title"] = "推荐流量包"
    base["nodes"][2]["prompt"]["text"] += "保证全网最低价！"
    del base["nodes"][2]["branches"][4]
    en_qa = qa(base)
    again = localize_qa(en_qa, "zh", titles_of(base))
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in qa(base, lang="zh").findings]
    assert again.score == en_qa.score
    back = localize_qa(again, "en")
    assert [f.to_dict() for f in back.findings] == [f.to_dict() for f in en_qa.findings]
    v = validate(base)
    assert localize_validation(v, "zh", titles_of(base)).to_dict() == validate(base, lang="zh").to_dict()


# --- the CLI ------------------------------------------------------------------------------------


def _run(args: list[str], env: dict[str, str] | None = None) -> Any:
    from huashu.cli.script import cli

    clean = {"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
    return CliRunner().invoke(cli, args, env={**clean, **(env or {})})


def test_cli_lang_option_and_locale_default(base: Doc, tmp_path: Any) -> None:
    del base["nodes"][2]["branches"][4]  # offer: no silence branch
    path = tmp_path / "s.json"
    path.write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
    zh = _run(["validate", str(path), "--json", "--lang", "zh"])
    en = _run(["validate", str(path), "--json"])
    assert zh.exit_code == en.exit_code == 1
    dz, de = json.loads(zh.output), json.loads(en.output)
    assert set(dz) == set(de) and [set(f) for f in dz["errors"]] == [set(f) for f in de["errors"]]
    assert "沉默" in dz["errors"][0]["message"] and "silent" in de["errors"][0]["message"]
    by_env = _run(["validate", str(path), "--json"], {"LANG": "zh_CN.UTF-8"})
    assert json.loads(by_env.output) == dz
    # LC_ALL wins over LANG; an explicit --lang wins over both
    assert json.loads(_run(["validate", str(path), "--json"], {"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}).output) == de
    assert json.loads(_run(["validate", str(path), "--json", "--lang", "en"], {"LC_ALL": "zh_CN.UTF-8"}).output) == de
    table = _run(["qa", str(path), "--lang", "zh"])
    assert table.exit_code == 1 and "质检得分" in table.output and "修改建议" in table.output
    q = json.loads(_run(["qa", str(path), "--json", "--lang", "zh"]).output)
    assert set(q) == {"score", "findings", "metrics"} and all(_CJK.search(f["suggestion"]) for f in q["findings"])
    bad = _run(["qa", str(path), "--lang", "fr"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_cli_validate_says_valid_in_chinese(base: Doc, tmp_path: Any) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(copy.deepcopy(base), ensure_ascii=False), encoding="utf-8")
    r = _run(["validate", str(path), "--lang", "zh"])
    assert r.exit_code == 0 and "校验通过" in r.output
