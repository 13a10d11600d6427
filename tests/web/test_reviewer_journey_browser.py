"""The reviewer's journey in headless Chromium, in Chinese: reject without a comment (told why, in
Chinese), reject with one (the designer's page shows it), approve another version.

Two versions of a library script wait in review, submitted by a designer. Screenshots go to
``var/screenshots/review-*.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from designer import store
from scripts_library import library_paths
from tests.support.web_client import PASSWORD, browser_sign_in
from web.testing import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
USERS = {"dora": "designer", "rita": "reviewer"}
_LATIN_CODE = re.compile(r"\b(validation error|rejection|needs a comment|cannot be submitted|in_review|approved|rejected)\b")


def _seed(live: LiveServer) -> str:
    """v1 and v2 of a library script (without regression cases: approval does not wait on a run)."""
    doc: dict[str, Any] = json.loads(library_paths()[0].read_text(encoding="utf-8"))
    doc.pop("cases", None)
    with Session(live.engine) as s:
        v1 = store.import_document(s, doc, actor="dora")
        key = v1.script_id
        store.submit(s, key, v1.number, actor="dora")
        v2 = store.new_draft_from(s, key, v1.number, actor="dora")
        store.submit(s, key, v2.number, actor="dora")
        s.commit()
    return key


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("review") / "var", USERS, PASSWORD) as server:
        yield server


def _sign_in(browser: Any, live: LiveServer, user: str) -> Any:
    return browser_sign_in(browser, live.url, user)


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"review-{name}.png"), full_page=False)


def _open_from_queue(page: Any, live: LiveServer, key: str, number: int) -> None:
    page.goto(f"{live.url}/reviews")
    page.click(f"a[href='/scripts/{key}/review?version={number}']")
    page.wait_for_selector("#reject")


def test_reviewer_rejects_without_then_with_a_comment_and_approves_another_version(browser: Any, live: LiveServer) -> None:
    key = _seed(live)
    rita = _sign_in(browser, live, "rita")
    _shot(rita, "1-scripts")
    rita.click("nav >> text=审核")
    rita.wait_for_selector(f"a[href='/scripts/{key}/review?version=2']")
    _shot(rita, "2-queue")

    # v1: reject with an empty comment -> told why, in Chinese; nothing changed
    _open_from_queue(rita, live, key, 1)
    rita.click("#reject")
    flash = rita.locator(".flash.error")
    flash.wait_for()
    text = flash.inner_text()
    assert "驳回时需要填写意见" in text and not _LATIN_CODE.search(text), text
    _shot(rita, "3-reject-without-comment")
    assert rita.locator("#reject").is_visible()  # still in review

    # ... then with a comment: rejected, the comment shown on the page
    rita.fill("#review-comment-input", "请在开场白里先说明资费")
    rita.click("#reject")
    rita.wait_for_selector("#review-comment")
    assert rita.locator("#review-comment").inner_text() == "请在开场白里先说明资费"
    assert "已驳回" in rita.locator("#decision").inner_text()
    _shot(rita, "4-rejected-with-comment")

    # v2: test talk with the script's variables, as in the editor (the bot says the name typed), then approve
    _open_from_queue(rita, live, key, 2)
    rita.wait_for_selector("#talk-var-name")
    rita.fill("#talk-var-name", "周先生")
    rita.wait_for_selector("#talk-start:not([disabled])")
    rita.click("#talk-start")
    rita.locator("#talk-log", has_text="周先生").wait_for()
    rita.fill("#review-comment-input", "可以上线")
    rita.click("#approve")
    rita.wait_for_selector("#decision")
    decision = rita.locator("#decision").inner_text()
    assert "已通过" in decision and not _LATIN_CODE.search(decision), decision
    _shot(rita, "5-approved")
    rita.goto(f"{live.url}/reviews")
    assert rita.locator(f"a[href^='/scripts/{key}/review']").count() == 0  # the queue is empty
    _shot(rita, "6-queue-empty")

    # the designer sees the rejection comment on v1's page, in Chinese words around it
    dora = _sign_in(browser, live, "dora")
    dora.goto(f"{live.url}/scripts/{key}/review?version=1")
    assert dora.locator("#review-comment").inner_text() == "请在开场白里先说明资费"
    body = dora.locator("main, body").first.inner_text()
    assert not _LATIN_CODE.search(body.replace(key, "")), _LATIN_CODE.search(body)
    _shot(dora, "7-designer-sees-comment")
    assert not rita.errors and not dora.errors, (rita.errors, dora.errors)
