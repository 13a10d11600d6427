"""The UI's one message catalogue (``web/i18n/{zh,en}.json``): both languages name the same keys
with the same placeholders, every key the templates and handlers ask for exists, and codes are
said in words (with the code itself when the catalogue does not know it)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from designer import store
from web.i18n import Translator, catalogue
from web.i18n.errors import say_error

WEB = Path(__file__).resolve().parents[2] / "web"
_FMT = string.Formatter()
# t('key'...) / t("key"...) / translate(lang, 'key'...) with a literal key (prefix + variable keys end in '.' or '_')
_USED = re.compile(r"""\bt\(\s*['"]([a-z]\w*\.[\w.]*[a-zA-Z0-9])['"]""")


def _fields(text: str) -> set[str]:
    """``{name}``, ``{n:,}``, ``{x!r}`` -> the field names; ``{{`` is a literal brace."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in _FMT.parse(text) if name}


def test_zh_and_en_have_the_same_keys_and_placeholders() -> None:
    en, zh = catalogue("en"), catalogue("zh")
    assert sorted(set(en) ^ set(zh)) == []
    mismatched = {k: (_fields(en[k]), _fields(zh[k])) for k in en if _fields(en[k]) != _fields(zh[k])}
    assert mismatched == {}


def test_every_literal_key_the_ui_asks_for_exists() -> None:
    en = catalogue("en")
    sources = [*WEB.rglob("*.html"), *(p for p in WEB.rglob("*.py") if "node_modules" not in p.parts)]
    missing = {f"{p.relative_to(WEB)}: {k}" for p in sources for k in _USED.findall(p.read_text(encoding="utf-8"))
               if k not in en}
    assert sorted(missing) == []


def test_the_operator_messages_live_in_the_catalogue() -> None:
    """One catalogue: no second dictionary of UI words beside the JSON files."""
    import web.operator.messages as m

    assert not hasattr(m, "MESSAGES") and not (WEB / "operator" / "reach_messages.py").exists()
    for lang, words in (("en", "Call results"), ("zh", "呼叫结果")):
        assert Translator(lang)("op.calls.title") == words


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh", "正常挂机、无人接听"), ("en", "normal hang-up, no answer"),
])
def test_codes_are_said_in_words_and_unknown_codes_stay_visible(lang: str, expected: str) -> None:
    t = Translator(lang)
    assert t.codes("op.cause", "NORMAL_CLEARING,NO_ANSWER") == expected
    assert t.code("op.cause", "SOME_NEW_CAUSE") == "SOME_NEW_CAUSE"
    assert t.codes("op.outcome", "no_answer,busy,cancelled") == (
        "无应答、线路忙、振铃超时" if lang == "zh" else "no answer, busy, ring timeout")


def test_store_errors_are_said_in_the_page_language() -> None:
    e = store.TransitionError("a rejection needs a comment that tells the designer what to change",
                              key="reject_needs_comment")
    assert say_error(Translator("zh"), e).startswith("驳回时需要填写意见")
    assert "needs a comment" in say_error(Translator("en"), e)
    moved = store.TransitionError("x", key="transition",
                                  params={"version": "s@1", "status": "approved", "to": "rejected",
                                          "allowed": ["retired"]})
    assert say_error(Translator("zh"), moved) == "s@1 当前为「已通过」，不能变为「已驳回」（可变为：已停用）。"
    # a message without a key (or with one the catalogue lacks) keeps its own text
    assert say_error(Translator("zh"), store.TransitionError("plain")) == "plain"
    assert say_error(Translator("zh"), store.TransitionError("plain", key="no.such")) == "plain"
