"""In Chromium under the app's CSP: the task's reach panel loads, the SMS counter counts as you type
(70 Chinese characters in one SMS, 67 a part beyond), a rule is added; the pool page flags a
rested number. Screenshots: ``tests/artifacts/reach_*.png``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from huashu.core.db import init_db
from runtime.campaigns.callerid.models import CallerNumber
from runtime.campaigns.callerid.store import import_numbers
from runtime.campaigns.clock import utcnow
from tests.support.scripts import running_task

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PASSWORD = "correct-horse-1"


@pytest.mark.browser
@pytest.mark.slow
def test_reach_panel_counts_sms_length_while_typing(tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    from web.testing import BROWSER_ARGS, LiveServer

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with LiveServer(data_dir, {"op": "operator"}, PASSWORD) as server, playwright.sync_playwright() as p:
        init_db(server.engine)
        import_numbers(server.engine, "local", [(1, "13912345678", None), (2, "13800138000", None)])
        with server.engine.begin() as conn:
            t = CallerNumber.__table__  # type: ignore[attr-defined]
            conn.execute(update(t).where(t.c.number == "+8613800138000").values(
                rested_until=utcnow() + timedelta(hours=6), rest_reason="answer rate 2/40 = 5.0% below the pool's 38.0%"))
        tid = running_task(server.engine, priority=6, caller_pool="local")
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        errors: list[str] = []
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{server.url}/login?next=/operator/tasks/{tid}")
            page.fill("input[name=username]", "op")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#sms-template")
            assert page.locator("#reach-priority").input_value() == "6"
            page.fill("#sms-template", "您" * 70)
            assert "70" in page.locator("#sms-count").inner_text() and "1 SMS" in page.locator("#sms-count").inner_text()
            page.fill("#sms-template", "${name}" + "您" * 71)
            assert "71" in page.locator("#sms-count").inner_text() and "2 SMS" in page.locator("#sms-count").inner_text()
            page.fill("#sms-name", "receipt")
            page.fill("#sms-intent", "已充值")
            page.click("#sms-add")
            page.wait_for_selector("#sms-rules tr[data-rule]")
            page.screenshot(path=str(ARTIFACTS / "reach_task.png"), full_page=True)
            page.goto(f"{server.url}/operator/callerids/local")
            assert page.locator("tr.rested .rested-flag").count() == 1
            page.screenshot(path=str(ARTIFACTS / "reach_pool.png"), full_page=True)
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
