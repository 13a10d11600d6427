"""Task list (figure 4): filters, progress, connect rate, and status changes with role checks at HTTP level."""

from __future__ import annotations

import re
from typing import Any

from op_helpers import Seed, post

from runtime.campaigns.progress import progress
from runtime.campaigns.tasks import get_task

HTML = {"accept": "text/html"}


def _status(engine: Any, task_id: int) -> str:
    task = get_task(engine, task_id)
    assert task is not None
    return task.status


def _ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr id="task-(\d+)"', html)]


def test_anonymous_is_sent_to_sign_in_and_json_gets_401(client_as: Any) -> None:
    anon = client_as(None)
    for url in ("/operator/tasks", "/operator/calls", "/operator/blacklist", "/operator/settings", "/operator/calls/1"):
        r = anon.get(url, headers=HTML, follow_redirects=False)
        assert r.status_code in (302, 303), url
        assert r.headers["location"].startswith(f"/login?next={url}")
    assert anon.get("/operator/tasks", headers={"accept": "application/json"}).status_code == 401


def test_task_list_shows_progress_connect_rate_and_agent_group(client_as: Any, seed: Seed, op_app: Any) -> None:
    html = client_as("operator").get("/operator/tasks", headers=HTML).text
    assert set(_ids(html)) == {seed.sim_task, seed.draft_task, seed.bad_task, seed.old_task}
    p = progress(op_app.state.engine, seed.sim_task)
    row = html.split(f'<tr id="task-{seed.sim_task}"')[1].split("</tr>")[0]
    assert "A组" in row and "流量包升级" in row
    assert f"{100 * p.connect_rate:.1f}%" in row
    assert 'aria-valuenow="100"' in row  # every number of the finished campaign is settled
    assert f"{p.finished} / {p.total}" in row


def test_filters_by_script_name_task_name_created_and_period(client_as: Any, seed: Seed) -> None:
    c = client_as("operator")
    by = lambda qs: _ids(c.get(f"/operator/tasks?{qs}", headers=HTML).text)  # noqa: E731
    # script filter matches the script's *name* (from the designer's store) as well as its id
    name_hits = by("script=" + "流量包")
    assert set(name_hits) == {seed.sim_task, seed.draft_task, seed.old_task}
    assert by("script=missing") == [seed.bad_task]
    assert by("name=bill") == [seed.draft_task]
    assert by("created_to=2024-03-01") == [seed.old_task]
    assert seed.old_task not in by("created_from=2024-03-02")
    # execution period: only the simulated campaign has calls (today); the others never ran
    assert by("period_from=2000-01-01") == [seed.sim_task]
    assert by("period_to=2000-01-01") == []
    assert by("status=draft") == sorted([seed.draft_task, seed.bad_task, seed.old_task], reverse=True)


def test_htmx_filter_returns_only_the_table_and_bad_dates_are_named(client_as: Any) -> None:
    c = client_as("operator")
    r = c.get("/operator/tasks?name=Old", headers={**HTML, "hx-request": "true"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="task-table"') and "<html" not in r.text
    r = c.get("/operator/tasks?created_from=2024-13-45", headers=HTML)
    assert r.status_code == 400 and "created from: &#39;2024-13-45&#39; is not a date" in r.text
    assert _ids(r.text) == []


def test_operator_starts_pauses_stops_and_deleted_keeps_history(client_as: Any, seed: Seed, op_app: Any) -> None:
    engine = op_app.state.engine
    c = client_as("operator")
    r = post(c, f"/operator/tasks/{seed.draft_task}/start", htmx=True)
    assert r.status_code == 200 and 'data-status="running"' in r.text and r.text.lstrip().startswith("<tr")
    assert _status(engine, seed.draft_task) == "running"
    r = post(c, f"/operator/tasks/{seed.draft_task}/pause", accept="application/json")
    assert r.json() == {"id": seed.draft_task, "status": "paused"}
    r = post(c, f"/operator/tasks/{seed.draft_task}/stop")
    assert r.status_code in (302, 303) and _status(engine, seed.draft_task) == "completed"
    assert "Task" in c.get("/operator/tasks", headers=HTML).text  # the flash shows on the next page
    # a completed task cannot be started again: refused with the reason, nothing changes
    r = post(c, f"/operator/tasks/{seed.draft_task}/start", accept="application/json")
    assert r.status_code == 409 and "it is completed" in r.json()["error"]
    # delete is a status: the calls stay readable
    calls_before = c.get(f"/operator/calls?task={seed.sim_task}", headers=HTML).text.count("data-call=")
    r = post(c, f"/operator/tasks/{seed.sim_task}/delete", htmx=True)
    assert 'data-status="deleted"' in r.text
    assert seed.sim_task not in _ids(c.get("/operator/tasks", headers=HTML).text)
    assert seed.sim_task in _ids(c.get("/operator/tasks?deleted=1", headers=HTML).text)
    assert c.get(f"/operator/calls?task={seed.sim_task}", headers=HTML).text.count("data-call=") == calls_before > 0
    assert c.get(f"/operator/tasks/{seed.sim_task}", headers=HTML).status_code == 200


def test_unapproved_script_cannot_start_and_the_row_says_why(client_as: Any, seed: Seed, op_app: Any) -> None:
    r = post(client_as("admin"), f"/operator/tasks/{seed.bad_task}/start", htmx=True)
    assert r.status_code == 200 and 'class="error row-msg"' in r.text and "missing-script" in r.text
    assert _status(op_app.state.engine, seed.bad_task) == "draft"


def test_designer_and_reviewer_cannot_change_tasks_or_see_calls(client_as: Any, seed: Seed, op_app: Any) -> None:
    for role in ("designer", "reviewer"):
        c = client_as(role)
        page = c.get("/operator/tasks", headers=HTML)
        assert page.status_code == 200 and 'data-action="start"' not in page.text and "op-nav-calls" not in page.text
        for action in ("start", "delete"):
            r = post(c, f"/operator/tasks/{seed.draft_task}/{action}", accept="application/json")
            assert r.status_code == 403, (role, action)
        assert c.get("/operator/calls", headers={"accept": "application/json"}).status_code == 403
        assert c.get("/operator/calls/1/recording").status_code == 403
        assert c.get("/operator/calls/export.csv").status_code == 403
    assert _status(op_app.state.engine, seed.draft_task) == "draft"


def test_missing_csrf_token_is_refused(client_as: Any, seed: Seed, op_app: Any) -> None:
    c = client_as("operator")
    r = c.post(f"/operator/tasks/{seed.draft_task}/start", headers={"accept": "application/json"})
    assert r.status_code == 403
    assert _status(op_app.state.engine, seed.draft_task) == "draft"


def test_task_detail_and_unknown_ids(client_as: Any, seed: Seed) -> None:
    c = client_as("operator")
    html = c.get(f"/operator/tasks/{seed.sim_task}", headers=HTML).text
    assert "A组" in html and f"/operator/calls?task={seed.sim_task}&outcome=no_answer" in html
    assert c.get("/operator/tasks/9999", headers={"accept": "application/json"}).status_code == 404
    r = post(c, f"/operator/tasks/{seed.draft_task}/explode", accept="application/json")
    assert r.status_code == 404 and "unknown task action" in r.json()["error"]


def test_chinese_pages(client_as: Any) -> None:
    c = client_as("operator")
    c.cookies.set("lang", "zh")
    html = c.get("/operator/tasks", headers=HTML).text
    assert "外呼任务" in html and "接通率" in html and "坐席组" in html and "执行周期" in html


def test_running_rows_poll_their_own_fragment(client_as: Any, seed: Seed) -> None:
    c = client_as("operator")
    post(c, f"/operator/tasks/{seed.draft_task}/start", htmx=True)
    html = c.get("/operator/tasks", headers=HTML).text
    row = html.split(f'<tr id="task-{seed.draft_task}"')[1].split(">")[0]
    assert f'hx-get="/operator/tasks/{seed.draft_task}/row"' in row and "every 5s" in row
    frag = c.get(f"/operator/tasks/{seed.draft_task}/row", headers={**HTML, "hx-request": "true"})
    assert frag.status_code == 200 and frag.text.lstrip().startswith(f'<tr id="task-{seed.draft_task}"')
    assert "hx-get" not in html.split(f'<tr id="task-{seed.old_task}"')[1].split(">")[0]


def test_a_draft_with_numbers_handed_over_shows_no_progress(client_as: Any, seed: Seed, op_app: Any) -> None:
    """Numbers added before the start (the demo, ``add-numbers``) may be dropped at intake: that
    is no progress of a run, so the draft's row says it has not started and how many wait."""
    from runtime.campaigns.loading import add_numbers
    from runtime.campaigns.mapping import CustomerRow

    rows = [CustomerRow(2, "13900000001", None, variables={"extra_fee": 1}),
            CustomerRow(3, "12345", None, variables={"extra_fee": 1}),  # dropped at intake
            CustomerRow(4, "13900000002", None, variables={"extra_fee": 1})]
    add_numbers(op_app.state.engine, seed.draft_task, rows)
    c = client_as("operator")
    c.cookies.set("lang", "zh")
    html = c.get("/operator/tasks", headers=HTML).text
    row = html.split(f'<tr id="task-{seed.draft_task}"')[1].split("</tr>")[0]
    assert 'aria-valuenow="0"' in row and "未开始 · 2 个号码待呼叫" in row
    detail = c.get(f"/operator/tasks/{seed.draft_task}", headers=HTML).text
    assert 'data-percent="0"' in detail
