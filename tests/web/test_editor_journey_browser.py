"""The designer's journey in headless Chromium, in zh and en, as issue 17 walks it: build a script
from blank with silence / not-understood / opt-out handlers and check that nothing new points at a
success end; a new branch has no target until chosen (the Check tab says so and jumps to the field);
change a node's type and cancel; delete a node and confirm; test talk with a variable value and the
matched branch per turn; folding a node saves nothing; see the reviewer's rejection comment.

Screenshots: var/screenshots/editor-<lang>-<step>.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.web_client import PASSWORD, browser_sign_in
from web.testing import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
USERS = {"dora": "designer", "rita": "reviewer"}

WORDS = {
    "zh": {"locale": "zh-CN", "name": "续费提醒", "yes": "同意续费", "later": "考虑一下", "later2": "稍后联系",
           "prompt": "您好${name}，您的套餐下月到期，需要帮您续费吗？", "who": "张先生", "reply": "好的",
           "comment": "开场白太长，请改短一些", "unset": "还没有选择跳转目标", "saved": "已保存（v1）",
           "confidence": "置信度"},
    "en": {"locale": "en-US", "name": "Renewal reminder", "yes": "Agrees to renew", "later": "Thinking it over",
           "later2": "Call later", "prompt": "Hello ${name}, your plan ends next month. Shall we renew it?",
           "who": "Mr Smith", "reply": "yes", "comment": "The opening is too long, make it shorter",
           "unset": "no target chosen yet", "saved": "Saved (v1)", "confidence": "confidence"},
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("journey") / "var", USERS, PASSWORD) as server:
        yield server


def _sign_in(browser: Any, live: LiveServer, user: str, locale: str) -> Any:
    return browser_sign_in(browser, live.url, user, locale=locale, width=1440)


def _shot(page: Any, lang: str, step: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"editor-{lang}-{step}.png"))


def _doc(page: Any) -> dict[str, Any]:
    doc: dict[str, Any] = page.evaluate("() => window.hsEditor.doc")
    return doc


def _node(doc: dict[str, Any], title: str) -> dict[str, Any]:
    return next(n for n in doc["nodes"] if n.get("title") == title)


def _success_ends(doc: dict[str, Any]) -> set[str]:
    outcomes: set[str] = set()
    for r in doc.get("intent_rules", []):
        if r.get("category") == "success":
            o = r.get("when", {}).get("outcome")
            outcomes |= set(o if isinstance(o, list) else [o] if o else [])
    return {n["id"] for n in doc["nodes"] if n["type"] == "end" and n.get("outcome") in outcomes}


def _select(page: Any, node_id: str) -> None:
    page.evaluate("(id) => window.hsEditor.focusNode(id)", node_id)
    page.wait_for_selector(f".inspector[data-node='{node_id}']")
    page.click("[data-tab=inspector]")
    page.locator("#canvas").focus()


def _add_child(page: Any, title: str, intent: str | None = None) -> None:
    page.keyboard.press("Tab")
    page.wait_for_selector("#child-dialog")
    page.keyboard.type(title)
    if intent:
        page.select_option("#child-intent", intent)
    page.click("#child-dialog button.primary")
    page.wait_for_selector("#child-dialog", state="detached")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_designer_journey(browser: Any, live: LiveServer, lang: str) -> None:
    w = WORDS[lang]
    page = _sign_in(browser, live, "dora", w["locale"])
    page.fill("#new-name", w["name"])
    page.fill("#new-id", f"journey-{lang}")
    page.select_option("select[name=language]", w["locale"])
    page.click("#create-blank")
    page.wait_for_selector("body[data-ready='1']")

    # a variable and the opening prompt that says it
    page.click("[data-tab=script]")
    page.fill("#new-var", "name")
    page.click("#add-var")
    page.click("[data-tab=inspector]")
    page.fill("#prompt-text", w["prompt"])
    page.locator("#prompt-text").dispatch_event("change")

    # "+ child" asks what the customer says; the title's meaning preselects the intent
    _select(page, "open")
    page.keyboard.press("Tab")
    page.wait_for_selector("#child-dialog")
    page.keyboard.type(w["yes"])
    assert page.locator("#child-intent").input_value() == "affirm"
    _shot(page, lang, "01-child-dialog")
    page.keyboard.press("Enter")
    page.wait_for_selector("#child-dialog", state="detached")
    doc = _doc(page)
    yes = _node(doc, w["yes"])
    assert doc["nodes"][0]["branches"][-1] == {"id": doc["nodes"][0]["branches"][-1]["id"], "when": {"intent": "affirm"}, "goto": yes["id"]}

    # it becomes the success end: end type, outcome, and a success rule picked from lists
    _select(page, yes["id"])
    page.select_option("#node-type", "end")
    page.fill("#prompt-text", "OK")
    page.locator("#prompt-text").dispatch_event("change")
    page.fill("#node-outcome", "renewed")
    page.locator("#node-outcome").dispatch_event("change")
    page.click("[data-tab=script]")
    page.click("#add-rule")
    rule = page.locator("fieldset.rule").last
    rule.locator("select").first.select_option("success")
    rule.locator("select.rule-outcome").select_option(["renewed"])
    rule.locator("select.rule-nodes_any").select_option([yes["id"]])  # picked by title
    doc = _doc(page)
    assert doc["intent_rules"][-1]["category"] == "success" and doc["intent_rules"][-1]["when"]["outcome"] == "renewed"
    assert doc["intent_rules"][-1]["when"]["nodes_any"] == [yes["id"]]
    assert _success_ends(doc) == {yes["id"]}

    # global handlers from presets: silence, not understood, opt-out -- none ends in success
    for preset in ("silence", "no_match", "opt_out"):
        page.click("#add-handler")
        page.wait_for_selector("#handler-dialog")
        page.select_option("#handler-preset", preset)
        if preset == "opt_out":
            _shot(page, lang, "02-handler-dialog")
        page.click("#handler-dialog button.primary")
        page.wait_for_selector("#handler-dialog", state="detached")
    doc = _doc(page)
    success = _success_ends(doc)
    assert len(doc["global_handlers"]) == 3
    for h in doc["global_handlers"]:
        assert h["goto"] and h["goto"] not in success, h
        assert h.get("else_goto") not in success, h
    assert [h["goto"] for h in doc["global_handlers"][:2]] == ["@return", "@return"]
    _shot(page, lang, "03-handlers")

    # "+ branch" on the opening node: no target (never the node itself); the Check tab says so
    _select(page, "open")
    page.click("#add-branch")
    doc = _doc(page)
    new = doc["nodes"][0]["branches"][-1]
    assert new["goto"] == "" and new["goto"] != "open"
    page.click("[data-tab=check]")
    finding = page.locator(f"li.finding.error[data-code='dangling_target'][data-branch='{new['id']}']")
    finding.wait_for(timeout=10_000)
    assert w["unset"] in finding.inner_text()
    _shot(page, lang, "04-check-unset")
    finding.click()  # jumps to the node and its goto field
    page.wait_for_selector(".inspector[data-node='open']")
    focused = page.evaluate("() => [document.activeElement.className, document.activeElement.closest('fieldset.branch')?.dataset.branch]")
    assert "goto" in focused[0] and focused[1] == new["id"], focused
    # make it the node's own silence answer: repeat once, then the polite goodbye
    box = page.locator(f"fieldset.branch[data-branch='{new['id']}']")
    box.locator("select.cond-kind").select_option("silence")
    page.locator(f"fieldset.branch[data-branch='{new['id']}'] button.repeat-pair").click()
    doc = _doc(page)
    b = doc["nodes"][0]["branches"][-1]
    assert (b["when"], b["goto"], b["max_times"]) == ({"event": "silence"}, "open", 1)
    assert b["else_goto"] not in _success_ends(doc)
    _shot(page, lang, "05-repeat-then-goodbye")

    # changing the opening node to "say" would drop its branches: asked, and Cancel keeps all
    before = _doc(page)["nodes"][0]
    page.select_option("#node-type", "say")
    page.wait_for_selector("#type-dialog")
    assert page.locator("#type-dialog ul.loss li").count() >= 1
    _shot(page, lang, "06-type-change-asks")
    page.click("#type-dialog button.cancel")
    page.wait_for_selector("#type-dialog", state="detached")
    assert _doc(page)["nodes"][0] == before
    assert page.locator("#node-type").input_value() == "say_listen"

    # a node with a child: deleting asks, names what hangs below, and takes both when told
    _select(page, "open")
    _add_child(page, w["later"], "busy_later")
    later = _node(_doc(page), w["later"])["id"]
    _add_child(page, w["later2"])
    later2 = _node(_doc(page), w["later2"])["id"]
    _select(page, later)
    page.keyboard.press("Delete")
    page.wait_for_selector("#delete-dialog")
    assert w["later2"] in page.locator("#delete-dialog").inner_text()
    _shot(page, lang, "07-delete-asks")
    page.click("#delete-dialog button[data-value='all']")
    page.wait_for_selector("#delete-dialog", state="detached")
    ids = {n["id"] for n in _doc(page)["nodes"]}
    assert later not in ids and later2 not in ids

    # the save label counts versions as History does; folding a node is looking, not editing
    page.wait_for_selector("#save-status[data-state=saved]", timeout=10_000)
    assert page.locator("#save-status").inner_text() == w["saved"]
    revision = page.evaluate("() => window.hsEditor.store.revision")
    _select(page, "open")
    page.keyboard.press("Space")
    page.wait_for_timeout(1600)
    assert page.evaluate("() => [window.hsEditor.store.pending, window.hsEditor.store.revision]") == [None, revision]
    page.keyboard.press("Space")

    # search by prompt text selects and centres the node
    page.fill("#node-search", "OK")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.hsEditor.selected === {json.dumps(yes['id'])}")
    page.fill("#node-search", "")

    # test talk with a value for ${name}; each customer turn shows branch, intent and confidence
    page.click("[data-tab=talk]")
    page.fill("#talk-var-name", w["who"])
    page.click("#talk-start")
    page.wait_for_selector("#talk-log .turn.bot")
    assert w["who"] in page.locator("#talk-log .turn.bot").first.inner_text()
    page.fill("#talk-input", w["reply"])
    page.keyboard.press("Enter")
    page.wait_for_selector("#talk-end")
    why = page.locator("#talk-log .turn.customer .why").first.inner_text()
    assert w["confidence"] in why and "%" in why, why
    _shot(page, lang, "08-test-talk")
    assert not page.errors, page.errors
    page.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_designer_sees_the_rejection_comment(browser: Any, live: LiveServer, lang: str) -> None:
    from sqlmodel import Session

    from designer import store

    w = WORDS[lang]
    key = f"rejected-{lang}"
    doc = json.loads((ROOT / "scripts_library" / "data_pack_upgrade.json").read_text("utf-8"))
    doc["id"] = key
    with Session(live.engine) as s:
        store.import_document(s, doc, actor="dora")
        store.submit(s, key, 1, actor="dora")
        store.reject(s, key, 1, actor="rita", comment=w["comment"])
        s.commit()
    page = _sign_in(browser, live, "dora", w["locale"])
    page.goto(f"{live.url}/scripts/{key}/edit")
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#review-comment").inner_text() == w["comment"]
    assert "rita" in page.locator("#review-note").inner_text()
    _shot(page, lang, "09-rejection-comment")
    page.click("#new-draft")  # the new draft still shows what to fix
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#readonly-banner").count() == 0
    assert page.locator("#review-comment").inner_text() == w["comment"]
    assert not page.errors, page.errors
    page.context.close()


def test_a_21_node_script_is_readable_at_fit_with_search_and_minimap(browser: Any, live: LiveServer) -> None:
    from sqlmodel import Session

    from designer import store

    doc = json.loads((ROOT / "scripts_library" / "broadband_renewal.json").read_text("utf-8"))
    assert len(doc["nodes"]) >= 20
    with Session(live.engine) as s:
        store.import_document(s, doc, actor="dora")
        s.commit()
    page = _sign_in(browser, live, "dora", "zh-CN")
    page.goto(f"{live.url}/scripts/{doc['id']}/edit")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#fit")
    page.wait_for_function("() => !window.hsEditor.canvas.cy.animated()")
    zoom = page.evaluate("() => window.hsEditor.canvas.cy.zoom()")
    font = page.evaluate("() => parseFloat(window.hsEditor.canvas.cy.nodes()[0].style('font-size'))")
    assert font * zoom >= 10, (font, zoom)  # node labels at least 10 px on screen
    start = page.evaluate(f"() => window.hsEditor.canvas._inView(window.hsEditor.canvas.cy.getElementById({json.dumps(doc['start'])}))")
    assert start, "Fit shows the start of a big map"
    # each node shows the first line of its prompt; the hover text has all of it
    label = page.evaluate(f"() => window.hsEditor.canvas.cy.getElementById({json.dumps(doc['start'])}).data()")
    assert "\n" in label["label"] and len(label["full"]) > len(label["label"])
    page.wait_for_selector("#minimap img, #minimap canvas", state="attached")
    # search by a word of a prompt selects and centres a node
    target = next(n for n in doc["nodes"] if n["id"] != doc["start"] and n.get("prompt", {}).get("text"))
    word = target["prompt"]["text"][2:8]
    page.fill("#node-search", word)
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.hsEditor.hits && window.hsEditor.hits.length > 0")
    page.wait_for_function("() => !window.hsEditor.canvas.cy.animated()")
    hit = page.evaluate("() => window.hsEditor.selected")
    assert page.evaluate(f"() => window.hsEditor.canvas._inView(window.hsEditor.canvas.cy.getElementById({json.dumps(hit)}))")
    _shot(page, "zh", "10-fit-21-nodes-search")
    assert not page.errors, page.errors
    page.context.close()
