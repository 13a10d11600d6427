"""In a real browser: sign in as an operator, filter the task list, start a task, open a call with its recording.

Screenshots go to ``tests/artifacts/operator_*.png`` (gitignored) for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from op_helpers import PASSWORD, Seed, install, write_wav
from sqlalchemy import select, update

from runtime.campaigns import tables as T

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.mark.browser
@pytest.mark.slow
def test_operator_flow_in_chromium(tmp_path: Path, seed: Seed) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    from web.testing import BROWSER_ARGS, LiveServer

    data_dir = tmp_path / "var"
    install(seed, data_dir)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with LiveServer(data_dir, {}, PASSWORD) as server, playwright.sync_playwright() as p:
        from runtime.recordings import recordings_dir

        with server.engine.begin() as conn:
            aid = conn.execute(select(T.attempts.c.id).where(T.attempts.c.outcome == "connected")).scalars().first()
            location = f"2026/07/01/attempt-{aid}.wav"  # relative to the recordings store, as the runtime stores it
            conn.execute(update(T.attempts).where(T.attempts.c.id == aid).values(recording=location))
        body = write_wav(recordings_dir(server.settings) / location, seconds=3.0)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{server.url}/login?next=/operator/tasks")
            page.fill("input[name=username]", "operator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/operator/tasks")
            row = page.locator(f"#task-{seed.draft_task}")
            assert row.get_attribute("data-status") == "draft"
            # htmx filter: the table is swapped in place, the URL follows
            page.fill("#f-name", "Bill")
            page.wait_for_function("() => document.querySelectorAll('#task-table tbody tr[data-task]').length === 1")
            assert "name=Bill" in page.url
            page.fill("#f-name", "")
            page.wait_for_function("() => document.querySelectorAll('#task-table tbody tr[data-task]').length === 4")
            row.locator("button[data-action=start]").click()
            page.wait_for_selector(f"#task-{seed.draft_task}[data-status=running]")
            assert row.locator("button[data-action=pause]").is_visible()
            page.screenshot(path=str(ARTIFACTS / "operator_tasks.png"), full_page=True)

            page.goto(f"{server.url}/operator/calls")
            page.click("a[data-outcome=connected]")
            page.wait_for_function("() => [...document.querySelectorAll('#call-table tr[data-call]')].every(r => r.dataset.outcome === 'connected')")
            assert "outcome=connected" in page.url
            page.screenshot(path=str(ARTIFACTS / "operator_calls.png"), full_page=True)

            page.goto(f"{server.url}/operator/calls/{aid}")
            page.wait_for_function("() => document.querySelector('#player').readyState >= 1", timeout=10_000)
            duration = page.evaluate("() => document.querySelector('#player').duration")
            assert abs(duration - 3.0) < 0.1, duration
            page.evaluate("() => document.querySelector('#player').currentTime = 2.0")  # seeking uses a range request
            page.wait_for_function("() => document.querySelector('#player').readyState >= 2", timeout=10_000)
            assert page.locator("#transcript .t").count() > 0 and page.locator("#node-path code").count() > 0
            page.screenshot(path=str(ARTIFACTS / "operator_call.png"), full_page=True)
            assert len(body) > 0
            page.click("#lang-zh")
            page.goto(f"{server.url}/operator/calls")
            assert "已接通" in page.content() and "无应答" in page.content()
            page.screenshot(path=str(ARTIFACTS / "operator_calls_zh.png"), full_page=True)
        finally:
            browser.close()
