"""The whole designer -> reviewer flow in headless Chromium against a live server.

Build a script from scratch with the keyboard and the mouse, watch validation errors appear
and get fixed, test-talk through it, submit, approve as a reviewer, check roles in the UI and
over HTTP, and lose nothing typed when the session expires. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.web_client import PASSWORD, browser_sign_in
from web.testing import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
USERS = {"dora": "designer", "rita": "reviewer", "otto": "operator"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("web") / "var", USERS, PASSWORD) as server:
        yield server


def _page(browser: Any, live: LiveServer, user: str, locale: str = "en-US") -> Any:
    return browser_sign_in(browser, live.url, user, locale=locale, width=1440)


def _node_xy(page: Any, node_id: str) -> tuple[float, float]:
    box = page.locator("#canvas").bounding_box()
    pos = page.evaluate(
        "(id) => { const p = window.hsEditor.canvas.cy.getElementById(id).renderedPosition(); return [p.x, p.y]; }",
        node_id,
    )
    return box["x"] + pos[0], box["y"] + pos[1]


def _click_node(page: Any, node_id: str) -> None:
    page.wait_for_function("() => !window.hsEditor.canvas.cy.animated()")
    x, y = _node_xy(page, node_id)
    page.mouse.click(x, y)
    page.wait_for_selector(f".inspector[data-node='{node_id}']")


def _doc(page: Any) -> dict[str, Any]:
    doc: dict[str, Any] = page.evaluate("() => window.hsEditor.doc")
    return doc


def _wait_saved(page: Any) -> None:
    page.wait_for_selector("#save-status[data-state=saved]", timeout=10_000)


def live_doc(live: LiveServer, key: str) -> dict[str, Any]:
    from designer import store
    from huashu.core.db import session_scope

    with session_scope(live.engine) as s:
        return store.export_document(s, key)


def _check_status(page: Any) -> str:
    page.click("[data-tab=check]")
    text: str = page.locator("#check-status").inner_text()
    return text


class Flow:
    """The designer -> reviewer flow of one script ("topup"), step by step: each test below is a
    step and first calls the step before it, which runs only once (so a test run alone still
    walks the whole way to its step, and the module in order walks it once)."""

    def __init__(self, browser: Any, live: LiveServer) -> None:
        self.browser, self.live = browser, live
        self.page = _page(browser, live, "dora")  # the designer's, through every step
        self.done: set[str] = set()
        self.failed: set[str] = set()


@pytest.fixture(scope="module")
def flow(browser: Any, live: LiveServer) -> Iterator[Flow]:
    f = Flow(browser, live)
    yield f
    f.page.context.close()


def step(test: Callable[[Flow], None]) -> Callable[[Flow], None]:
    """Run ``test`` once per flow; a step that failed fails the steps after it, by name."""

    @functools.wraps(test)
    def run_once(flow: Flow) -> None:
        if test.__name__ in flow.failed:
            pytest.fail(f"an earlier step failed: {test.__name__}")
        if test.__name__ in flow.done:
            return
        try:
            test(flow)
        except BaseException:
            flow.failed.add(test.__name__)
            raise
        flow.done.add(test.__name__)

    return run_once


@step
def test_designer_builds_the_tree_with_keyboard_and_mouse(flow: Flow) -> None:
    """A blank script: a variable with its default, the prompt with the variable inserted from the chip
    row, children and siblings from the keyboard, a link moved by dragging a node."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = flow.page
    assert page.locator("nav a[href='/reviews']").count() == 0  # a designer has no review queue

    page.fill("#new-name", "Top-up reminder")
    page.fill("#new-id", "topup")
    page.select_option("select[name=language]", "en-US")
    page.click("#create-blank")
    page.wait_for_selector("body[data-ready='1']")

    # the opening prompt, with a variable inserted from the chip row: first declare the variable
    page.click("[data-tab=script]")
    page.fill("#new-var", "name")
    page.click("#add-var")
    page.fill("#var-default-name", "customer")  # what a call without a name says
    page.locator("#var-default-name").dispatch_event("change")
    assert _doc(page)["variables"]["name"] == {"type": "string", "default": "customer"}
    page.locator("fieldset.var").screenshot(path=str(ARTIFACTS / "editor-variable-default.png"))
    page.click("[data-tab=inspector]")
    _click_node(page, "open")
    page.fill("#prompt-text", "Hello ")
    page.click("[data-insert='${name}']")
    page.type("#prompt-text", ", your balance is low. Would you like to top up now?")
    page.locator("#prompt-text").dispatch_event("change")

    # keyboard: Tab adds a child, Enter a sibling; the title field takes the typing
    _click_node(page, "open")
    page.keyboard.press("Tab")
    page.keyboard.type("Thanks")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("Bye")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # a child of "Bye" ...
    page.keyboard.type("Sorry")
    page.keyboard.press("Enter")
    doc = _doc(page)
    assert [n["title"] for n in doc["nodes"]] == ["Opening", "Thanks", "Bye", "Sorry"]
    assert [b["when"] for b in doc["nodes"][0]["branches"]] == [{"intent": "affirm"}, {"intent": "deny"}]

    # mouse: drag "Sorry" onto the opening node -> its link moves there
    page.click("#fit")
    page.wait_for_function("() => !window.hsEditor.canvas.cy.animated()")
    sx, sy = _node_xy(page, "n3")
    ox, oy = _node_xy(page, "open")
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + ox) / 2, (sy + oy) / 2, steps=8)
    page.mouse.move(ox, oy, steps=8)
    page.mouse.up()
    page.wait_for_function("() => window.hsEditor.tree.parent.get('n3') === 'open'")
    assert not _doc(page)["nodes"][2]["branches"]


@step
def test_validation_errors_appear_and_a_finding_leads_to_the_fix(flow: Flow) -> None:
    """Branches that lead nowhere are errors in the check panel; a click on a finding opens its node,
    and making the three nodes end nodes completes the script."""
    test_designer_builds_the_tree_with_keyboard_and_mouse(flow)
    page = flow.page
    # the opening node: the moved branch answers silence, a new one catches "not understood"
    _click_node(page, "open")
    third = page.locator("fieldset.branch").nth(2)
    third.locator("select.cond-kind").select_option("silence")
    page.click("#add-branch")
    fourth = page.locator("fieldset.branch").nth(3)
    fourth.locator("select.cond-kind").select_option("no_match")
    page.locator("fieldset.branch").nth(3).locator("select.goto").select_option("n3")

    # validation errors appear: the three new nodes listen but lead nowhere
    page.wait_for_function("() => document.querySelector('#check-status') && /error/.test(document.querySelector('#check-status').textContent)")
    assert "error" in _check_status(page)
    assert page.locator("li.finding.error[data-node='n1']").count() > 0
    page.screenshot(path=str(ARTIFACTS / "editor-qa-panel.png"))

    # a click on a finding takes us to the node; make the three of them end nodes
    for node_id, text, outcome in (("n1", "Thanks, goodbye.", "topped_up"), ("n2", "All right, goodbye.", "declined"),
                                   ("n3", "Sorry to bother you.", "no_answer")):
        if node_id == "n1":
            page.locator("li.finding.error[data-node='n1']").first.click()
            page.wait_for_selector(".inspector[data-node='n1']")
        else:
            _click_node(page, node_id)
        page.select_option("#node-type", "end")
        page.fill("#prompt-text", text)
        page.locator("#prompt-text").dispatch_event("change")
        page.fill("#node-outcome", outcome)
        page.locator("#node-outcome").dispatch_event("change")
    page.wait_for_function("() => /Complete/.test(document.querySelector('#check-status').textContent)")
    assert _check_status(page).startswith("Complete")
    assert page.locator("#qa-score").count() == 1


@step
def test_undo_redo_collapse_and_link_on_the_canvas(flow: Flow) -> None:
    """Undo and redo the last edit, collapse and open a sub-tree (Space), link to an existing node (L)
    and undo it; the draft is saved."""
    test_validation_errors_appear_and_a_finding_leads_to_the_fix(flow)
    page = flow.page
    # undo and redo the last edit
    page.locator("#canvas").click(position={"x": 20, "y": 20})
    page.keyboard.press("Control+z")
    assert "outcome" not in _doc(page)["nodes"][3]
    page.keyboard.press("Control+y")
    assert _doc(page)["nodes"][3]["outcome"] == "no_answer"

    # collapse the opening node's sub-tree and open it again (Space)
    page.click("[data-tab=inspector]")
    _click_node(page, "open")
    page.keyboard.press("Space")
    page.wait_for_function("() => window.hsEditor.canvas.cy.nodes().length === 1")
    page.keyboard.press("Space")
    page.wait_for_function("() => window.hsEditor.canvas.cy.nodes().length === 4")

    # link to an existing node (L, then click it): a jump edge; then undo it
    page.keyboard.press("l")
    x, y = _node_xy(page, "n2")
    page.mouse.click(x, y)
    page.wait_for_function("() => window.hsEditor.doc.nodes[0].branches.length === 5")
    jumps = page.evaluate("() => window.hsEditor.canvas.cy.edges('.jump').map(e => e.target().id())")
    assert "n2" in jumps
    page.keyboard.press("Control+z")
    assert len(_doc(page)["nodes"][0]["branches"]) == 4
    _wait_saved(page)
    _click_node(page, "open")
    page.screenshot(path=str(ARTIFACTS / "editor.png"))


@step
def test_test_talk_walks_the_script(flow: Flow) -> None:
    """Test talk greets with the variable's example and follows the answer on the canvas."""
    test_undo_redo_collapse_and_link_on_the_canvas(flow)
    page = flow.page
    # test talk: the bot greets with the example name... then "yes" ends on "Thanks"
    page.click("[data-tab=talk]")
    page.click("#talk-start")
    page.wait_for_selector("#talk-log .turn.bot")
    assert "your balance is low" in page.locator("#talk-log .turn.bot").first.inner_text()
    page.fill("#talk-input", "yes")
    page.keyboard.press("Enter")
    page.wait_for_selector("#talk-end")
    assert "Thanks, goodbye." in page.locator("#talk-log").inner_text()
    classes = page.evaluate("() => window.hsEditor.canvas.cy.getElementById('n1').classes()")
    assert "onpath" in classes or "current" in classes
    page.screenshot(path=str(ARTIFACTS / "editor-test-talk.png"))


@step
def test_submit_saves_the_last_edit_first_and_locks_the_draft(flow: Flow) -> None:
    """Submitting straight after an edit saves it first; in review the editor is read only."""
    test_test_talk_walks_the_script(flow)
    page, live = flow.page, flow.live
    # submit for review straight after an edit: the editor saves it first
    page.click("[data-tab=script]")
    page.fill("#set-max_turns", "12")
    page.locator("#set-max_turns").dispatch_event("change")
    page.fill("#submit-comment", "first version")
    page.click("#submit-review")
    page.wait_for_selector(".flash")
    assert "submitted for review" in page.locator(".flash").inner_text()
    assert page.locator("#submit-review").count() == 0  # in review: read only now
    assert page.locator("#readonly-banner").is_visible()
    assert live_doc(live, "topup")["settings"]["max_turns"] == 12


@step
def test_the_designer_cannot_approve_and_the_operator_cannot_edit(flow: Flow) -> None:
    """Roles in the UI and over HTTP: no approve button and a 403 for the designer, no edit controls
    and a 403 for the operator."""
    test_submit_saves_the_last_edit_first_and_locks_the_draft(flow)
    page, browser, live = flow.page, flow.browser, flow.live
    # roles: the designer cannot approve (no button, and 403 over HTTP)
    page.goto(f"{live.url}/scripts/topup/review?version=1")
    assert page.locator("#approve").count() == 0
    csrf = page.locator("meta[name=csrf-token]").get_attribute("content")
    r = page.request.post(f"{live.url}/scripts/topup/versions/1/approve", form={"comment": "me"},
                          headers={"x-csrftoken": csrf}, max_redirects=0)
    assert r.status == 403

    # the operator can read but not edit: no edit controls, and 403 over HTTP
    op = _page(browser, live, "otto")
    assert op.locator("#create-blank").count() == 0
    op.goto(f"{live.url}/scripts/topup/edit")
    op.wait_for_selector("body[data-ready='1']")
    assert op.locator("#submit-review").count() == 0 and op.locator("#node-title").is_disabled()
    csrf = op.locator("meta[name=csrf-token]").get_attribute("content")
    r = op.request.put(f"{live.url}/scripts/topup/draft", data=json.dumps({"doc": _doc(op), "revision": 1}),
                       headers={"x-csrftoken": csrf, "content-type": "application/json", "accept": "application/json"})
    assert r.status == 403
    op.context.close()


@step
def test_the_reviewer_approves_and_the_designer_sees_why(flow: Flow) -> None:
    """The reviewer's queue, QA report and test talk on the version; approved with a comment, which
    the designer then reads."""
    test_the_designer_cannot_approve_and_the_operator_cannot_edit(flow)
    page, browser, live = flow.page, flow.browser, flow.live
    # the reviewer: queue, QA report, test talk on the version, approve with a comment
    rv = _page(browser, live, "rita")
    rv.click("nav a[href='/reviews']")
    rv.click("#review-queue a")
    rv.wait_for_selector("#qa-report")
    assert rv.locator("#review-qa-score").count() == 1
    rv.click("#talk-start")
    rv.wait_for_selector("#talk-log .turn.bot")
    rv.fill("#talk-input", "no")
    rv.keyboard.press("Enter")
    rv.wait_for_selector("#talk-end")
    assert "All right, goodbye." in rv.locator("#talk-log").inner_text()
    rv.fill("#review-comment-input", "Clear and short. Approved.")
    rv.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
    rv.click("#approve")
    rv.wait_for_selector(".flash")
    assert "approved" in rv.locator("#review-status").inner_text()

    # the designer sees the decision and why
    page.goto(f"{live.url}/scripts/topup/review")
    assert "Clear and short. Approved." in page.locator("#decision").inner_text()
    assert not page.errors and not rv.errors
    rv.context.close()


def test_expired_session_keeps_what_was_typed(browser: Any, live: LiveServer) -> None:
    page = _page(browser, live, "dora")
    page.fill("#new-name", "Expiry check")
    page.click("#create-blank")
    page.wait_for_selector("body[data-ready='1']")
    _wait_saved_or_idle = page.evaluate("() => window.hsEditor.store.revision")
    assert _wait_saved_or_idle == 1
    page.context.clear_cookies()  # the session is gone (expired) while the user keeps typing
    page.fill("#prompt-text", "Typed after the session expired")
    page.locator("#prompt-text").dispatch_event("change")
    page.wait_for_selector("#save-status[data-state=auth]", timeout=10_000)
    assert page.locator("#banner").is_visible()
    page.click("#banner button[data-action='ed.sign_in']")
    page.fill("input[name=username]", "dora")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-ready='1']")
    _wait_saved(page)
    key = page.url.split("/scripts/")[1].split("/")[0]
    body = page.request.get(f"{live.url}/scripts/{key}/draft", headers={"accept": "application/json"}).json()
    assert body["doc"]["nodes"][0]["prompt"]["text"] == "Typed after the session expired"
    assert body["revision"] == 2
    page.context.close()


def test_chinese_ui_from_browser_language(browser: Any, live: LiveServer) -> None:
    page = _page(browser, live, "rita", locale="zh-CN")
    assert "话术列表" in page.locator("header").inner_text()
    page.click("#lang-en")
    assert "Scripts" in page.locator("header").inner_text()
    page.context.close()


def test_two_tabs_the_later_save_is_told_not_silently_lost(browser: Any, live: LiveServer) -> None:
    tab1 = _page(browser, live, "dora")
    tab1.fill("#new-name", "Two tabs")
    tab1.click("#create-blank")
    tab1.wait_for_selector("body[data-ready='1']")
    tab2 = tab1.context.new_page()
    tab2.goto(tab1.url)
    tab2.wait_for_selector("body[data-ready='1']")
    for tab, text in ((tab1, "from the first tab"), (tab2, "from the second tab")):
        tab.fill("#node-title", text)
        tab.locator("#node-title").dispatch_event("change")
        tab.wait_for_selector("#save-status[data-state=saved]" if tab is tab1 else "#save-status[data-state=stale]")
    assert "saved this draft meanwhile" in tab2.locator("#banner").inner_text()
    assert _doc(tab2)["nodes"][0]["title"] == "from the second tab"  # still on screen
    tab2.click("#banner button[data-action='ed.use_server']")
    tab2.wait_for_function("() => window.hsEditor.doc.nodes[0].title === 'from the first tab'")
    tab1.context.close()


def test_library_map_draws_every_branch_and_speaks_chinese(browser: Any, live: LiveServer) -> None:
    """suspended_winback: the four "ask again" branches are loops on their own node; every link is
    drawn (no "invalid endpoints"), labels are cut to fit with the whole text on hover, the QA
    metrics are labelled values, and a rejected recording is explained and cleared."""
    page = _page(browser, live, "dora", locale="zh-CN")
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type in ("warning", "error") else None)
    page.select_option("select[name=file]", value="suspended_winback.json")
    page.click("#create-from-library")
    page.wait_for_selector("body[data-ready='1']")
    loops = page.evaluate(
        """() => window.hsEditor.canvas.cy.edges().filter((e) => e.source().id() === e.target().id())
             .map((e) => ({id: e.id(), w: e.renderedBoundingBox().w, label: e.data('label')}))""")
    assert len(loops) == 4 and all(x["w"] > 5 for x in loops), loops
    assert {x["label"] for x in loops} == {"⟨静默⟩", "⟨未识别⟩"}
    assert not [w for w in warnings if "invalid endpoints" in w], warnings
    # a loop's node gets room above it: nothing in its column sits within a loop's height
    room = page.evaluate(
        """() => { const cy = window.hsEditor.canvas.cy; const n = cy.getElementById('open');
                   const above = cy.nodes().filter((m) => m.id() !== 'open' && Math.abs(m.position('x') - n.position('x')) < 10
                                                  && m.position('y') < n.position('y'));
                   return above.length ? n.position('y') - Math.max(...above.map((m) => m.position('y'))) : 999; }""")
    assert room >= 54 + 22
    labels = page.evaluate("() => window.hsEditor.canvas.cy.edges().map((e) => [e.data('label'), e.data('short')])")
    flat = {full for full, _ in labels}
    assert "否则" in flat and "肯定" in flat and "else" not in flat and "affirm" not in flat
    cut = [(full, short) for full, short in labels if full != short]
    assert cut and all(short.endswith("…") and full.startswith(short[:-1]) for full, short in cut)
    assert page.evaluate("() => window.hsEditor.canvas.cy.getElementById('⚑global').data('label')") == "⚑ 全局处理"
    # QA metrics: labels and values in words, the deductions as a table, inside the panel
    page.click("[data-tab=check]")
    page.wait_for_selector("#qa-metrics")
    metrics = page.locator("#qa-metrics").inner_text()
    assert "成功结束节点" in metrics and "扣分明细" in metrics and "success_ends" not in metrics
    assert "[" not in metrics and "{" not in metrics and "true" not in metrics
    assert page.locator("#qa-penalties tr").count() >= 7
    panel = page.locator("#tab-check").bounding_box()
    table = page.locator("#qa-metrics").bounding_box()
    assert table["x"] + table["width"] <= panel["x"] + panel["width"] + 1
    hint = page.locator("#talk-hint")
    assert "huashu chat" in (hint.text_content() or "") and "`" not in (hint.text_content() or "")
    assert hint.locator("code").count() == 1
    # a file that is not audio: a sentence in Chinese, and the file input is empty again
    page.click("[data-tab=inspector]")
    fake = ARTIFACTS / "not-audio.wav"
    ARTIFACTS.mkdir(exist_ok=True)
    fake.write_bytes(b"hello this is not audio" * 50)
    page.set_input_files("#recording-file", str(fake))
    page.wait_for_selector("#toast:not([hidden])")
    assert "不是可读取的音频" in page.locator("#toast").inner_text() and "pipe:" not in page.locator("#toast").inner_text()
    assert page.evaluate("() => document.querySelector('#recording-file').value") == ""
    page.screenshot(path=str(ARTIFACTS / "editor-library-zh.png"))
    page.context.close()
