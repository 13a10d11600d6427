"""The editor's Check tab shows the attack and adds a suggested phrase in one click; test talk
is saved as a regression case (headless Debian Chromium against a live server)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
from tests.support.web_client import PASSWORD  # noqa: E402
from web.testing import LiveServer  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not (WEB / "node_modules" / "cytoscape").is_dir():
        pytest.skip("web/node_modules has no cytoscape (run tools/setup.sh: npm ci in web/)")
    with LiveServer(tmp_path_factory.mktemp("lab") / "var", {"dora": "designer"}, PASSWORD) as server:
        yield server


def _editor(browser: Any, live: LiveServer, locale: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale=locale)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(f"{live.url}/login")
    page.fill("input[name=username]", "dora")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/scripts$"))
    page.select_option("select[name=file]", value="mobile_semi_suspension.json")
    page.click("#create-from-library")
    page.wait_for_selector("body[data-ready='1']")
    return page


def _stored(live: LiveServer, key: str) -> dict[str, Any]:
    from designer import store
    from huashu.core.db import session_scope

    with session_scope(live.engine) as s:
        return store.export_document(s, key)


def _import_without_colloquial_done(live: LiveServer) -> str:
    """The library script without its colloquial "already recharged" phrases: the attack must find the gap."""
    from designer import store
    from huashu.core.db import session_scope

    doc = json.loads((WEB.parent / "scripts_library" / "mobile_semi_suspension.json").read_text(encoding="utf-8"))
    doc["id"] = "lab-check-tab"
    del doc["intents"]["already_done"]
    with session_scope(live.engine) as s:
        store.import_document(s, doc, actor="dora")
    return doc["id"]


def test_check_tab_shows_the_attack_and_adds_a_phrase(browser: Any, live: LiveServer) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    key = _import_without_colloquial_done(live)
    page = _editor(browser, live, "zh-CN")
    page.goto(f"{live.url}/scripts/{key}/edit")
    page.wait_for_selector("body[data-ready='1']")
    page.click("[data-tab=check]")
    page.wait_for_selector("#lab-panel .lab-node[data-node='remind'] .lab-add", timeout=60_000)
    summary = page.locator("#lab-summary").inner_text()
    assert "种真实说法" in summary and "召回率" in summary
    remind = page.locator("#lab-panel .lab-node[data-node='remind']")
    assert remind.locator("tr[data-branch='remind_done']").count() == 1
    button = remind.locator("li[data-branch='remind_done'] .lab-add").first
    phrase = button.get_attribute("data-phrase")
    assert phrase
    remind.screenshot(path=str(ARTIFACTS / "lab_check_tab_attack.png"))
    button.click()
    page.wait_for_function(
        "(p) => ((window.hsEditor.doc.intents.already_done || {}).synonyms || []).includes(p)", arg=phrase,
        timeout=60_000)
    # re-checked: the suggestion for that phrase is gone, and the draft was saved with it
    page.wait_for_function(
        "(p) => ![...document.querySelectorAll('#lab-panel .lab-add')].some((b) => b.dataset.phrase === p)",
        arg=phrase, timeout=60_000)
    page.wait_for_selector("#save-status[data-state=saved]", timeout=60_000)
    assert phrase in _stored(live, key)["intents"]["already_done"]["synonyms"]
    remind.screenshot(path=str(ARTIFACTS / "lab_check_tab_added.png"))
    # nothing the attack shows is parsed as HTML: a phrase with markup stays text
    page.evaluate("""() => { const ed = window.hsEditor; const n = ed.doc.nodes.find((x) => x.id === 'open');
        n.branches.find((b) => b.id === 'open_not_me').when.keywords.push('<img src=x onerror=alert(1)>打错');
        ed.changed(); }""")
    page.wait_for_timeout(1500)
    assert page.locator("#lab-panel img").count() == 0
    assert not page.errors, page.errors


def test_test_talk_is_saved_as_a_regression_case(browser: Any, live: LiveServer) -> None:
    page = _editor(browser, live, "en-US")
    page.click("[data-tab=talk]")
    page.click("#talk-start")
    page.wait_for_selector("#talk-log .turn.bot")
    for reply in ("yes", "已经充好了"):
        page.fill("#talk-input", reply)
        page.press("#talk-input", "Enter")
        page.wait_for_timeout(300)
    page.wait_for_selector("#talk-end")
    page.once("dialog", lambda d: d.accept("recharged already"))
    page.click("#lab-save-case")
    page.wait_for_function("() => (window.hsEditor.doc.cases || []).length === 1")
    case = page.evaluate("() => window.hsEditor.doc.cases[0]")
    assert case["name"] == "recharged already" and case["expect"]["path"][-1] == "thanks_recharged"
    assert "saved" in page.locator("#lab-case-note").inner_text().lower()
    page.locator("#talk-panel").screenshot(path=str(ARTIFACTS / "lab_talk_case_saved.png"))
    assert not page.errors, page.errors
