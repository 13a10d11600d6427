"""The campaign core's refusals (``TaskError``) are said in the page's language wherever a page
shows them: the task list's actions, the Reach panel, the wizard's Start and its "edit settings"
save. The English text stays the CLI's and the API's."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from op_helpers import Seed, post

from runtime.campaigns.tasks import TaskError, TaskStateError, set_status
from web.i18n import Translator
from web.i18n.errors import say_error

HTML = {"accept": "text/html"}
CSV = "phone,fee\n13900000001,30\n13900000002,25\n"


def _client(client_as: Any, lang: str) -> Any:
    c = client_as("operator")
    c.cookies.set("lang", lang)
    return c


def _flash(c: Any, url: str) -> str:
    return html.unescape(c.get(url, headers=HTML).text)


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "任务 {id} 当前为「已完成」，不能「启动」。"),
    ("en", "Task {id} is completed: Start is not possible now."),
])
def test_a_task_action_the_status_refuses_is_said_in_the_page_language(client_as: Any, seed: Seed, lang: str,
                                                                       said: str) -> None:
    c = _client(client_as, lang)
    r = post(c, f"/operator/tasks/{seed.sim_task}/start", htmx=True)  # the seeded run is completed
    assert r.status_code == 200 and said.format(id=seed.sim_task) in html.unescape(r.text)
    r = post(c, f"/operator/tasks/{seed.sim_task}/pause")  # without htmx: a flash on the list
    assert r.status_code in (302, 303)
    page = _flash(c, r.headers["location"])
    assert ("不能「暂停」" if lang == "zh" else "Pause is not possible now") in page


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "任务 {id} 无法启动：没有话术版本 missing-script@3。"),
    ("en", "Task {id} cannot start: There is no script version missing-script@3."),
])
def test_why_a_task_cannot_start_is_said_in_the_page_language_too(client_as: Any, seed: Seed, lang: str,
                                                                   said: str) -> None:
    c = _client(client_as, lang)
    r = post(c, f"/operator/tasks/{seed.bad_task}/start", htmx=True)
    assert said.format(id=seed.bad_task) in html.unescape(r.text)


@pytest.mark.parametrize(("lang", "pool", "priority"), [
    ("zh", "没有名为 nope 的主叫号码池", "优先级：'high' 不是整数。"),
    ("en", "There is no caller-id pool named nope", "Priority: 'high' is not a whole number."),
])
def test_the_reach_panel_says_the_core_refusal_in_the_page_language(client_as: Any, seed: Seed, lang: str,
                                                                    pool: str, priority: str) -> None:
    c = _client(client_as, lang)
    url = f"/operator/tasks/{seed.draft_task}"
    r = post(c, f"{url}/reach", data={"caller_pool": "nope", "priority": ""})
    assert r.status_code in (302, 303)
    assert pool in _flash(c, url)
    post(c, f"{url}/reach", data={"caller_pool": "", "priority": "high"})
    assert priority in _flash(c, url)


def _wizard_to_review(c: Any, seed: Seed, caller_pool: str) -> str:
    r = c.get(f"/launch/new?script={seed.script_id}&version=1", headers=HTML, follow_redirects=False)
    m = re.match(r"/launch/([0-9a-f]+)/numbers$", r.headers["location"])
    assert m, r.headers["location"]
    wid = m.group(1)
    post(c, f"/launch/{wid}/upload", htmx=True, files={"file": ("list.csv", CSV.encode(), "text/csv")})
    r = post(c, f"/launch/{wid}/numbers", data={"script": f"{seed.script_id}@1", "name": "t", "business": "b",
                                                "numbers": "upload", "map_phone": "phone", "var_extra_fee": "fee"},
             files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code in (302, 303), r.text
    r = post(c, f"/launch/{wid}/settings", data={"schedule": "now", "windows": "", "max_concurrent": "1",
                                                "calls_per_second": "1", "caller_pool": caller_pool})
    assert r.status_code in (302, 303), r.text
    return wid


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "主叫号码池：没有名为 nope 的主叫号码池"),
    ("en", "Caller-id pool: There is no caller-id pool named nope"),
])
def test_the_wizard_start_says_the_core_refusal_in_the_page_language(client_as: Any, seed: Seed, lang: str,
                                                                     said: str) -> None:
    c = _client(client_as, lang)
    wid = _wizard_to_review(c, seed, "nope")
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code == 400 and said in html.unescape(r.text)


@pytest.mark.parametrize(("lang", "said"), [("zh", "任务 {id} 无法启动："), ("en", "Task {id} cannot start: ")])
def test_a_start_refused_after_the_task_was_saved_is_said_in_the_page_language(
        client_as: Any, seed: Seed, lang: str, said: str, monkeypatch: Any) -> None:
    from web.launch import launching

    def refuse(engine: Any, task_id: int, action: str, resolver: Any = None) -> Any:
        raise TaskStateError(f"cannot start task {task_id}: its cron schedule has no expression",
                             key="cron_no_expression", params={"id": task_id})

    c = _client(client_as, lang)
    wid = _wizard_to_review(c, seed, "")
    monkeypatch.setattr(launching, "set_status", refuse)
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code in (302, 303), r.text
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    assert said.format(id=tid) in _flash(c, r.headers["location"])


@pytest.mark.parametrize(("lang", "said"), [
    ("zh", "优先级须在 0 到 9 之间（9 最先），当前为 12。"),
    ("en", "The priority must be 0 to 9 (9 first), got 12."),
])
def test_edit_settings_says_the_core_refusal_in_the_page_language(client_as: Any, seed: Seed, lang: str, said: str,
                                                                  monkeypatch: Any) -> None:
    """The wizard checks the form first; what only the core refuses still reaches the page."""
    from web.launch import routes

    c = _client(client_as, lang)
    r = c.get(f"/launch/task/{seed.draft_task}/edit", headers=HTML, follow_redirects=False)
    wid = r.headers["location"].split("/")[2]
    r = post(c, f"/launch/{wid}/settings", data={"name": "Bill reminder", "schedule": "now", "windows": "",
                                                "max_concurrent": "4", "calls_per_second": "1"})
    assert r.status_code in (302, 303), r.text
    monkeypatch.setattr(routes, "changed_fields", lambda draft, task: {"priority": 12})
    r = post(c, f"/launch/{wid}/start", data={"action": "save"})
    assert r.status_code == 400 and said in html.unescape(r.text)


def test_the_english_text_is_unchanged_for_the_cli_and_the_api(op_app: Any, seed: Seed) -> None:
    engine = op_app.state.engine
    with pytest.raises(TaskError) as e:
        set_status(engine, seed.sim_task, "start")
    assert str(e.value) == f"cannot start task {seed.sim_task}: it is completed"
    assert say_error(Translator("zh"), e.value, prefix="task.") == f"任务 {seed.sim_task} 当前为「已完成」，不能「启动」。"
    plain = TaskError("no key: English as it is")
    assert say_error(Translator("zh"), plain, prefix="task.") == "no key: English as it is"


@pytest.mark.parametrize(("changes", "zh"), [
    ({"schedule_kind": "cron", "cron": "0 99 * * *"}, "cron 的「时」字段：99 超出范围 0-23。"),
    ({"windows": "10:00-09:00"}, "呼叫时段 '10:00-09:00' 的结束时间早于开始时间。"),
    ({"timezone": "Mars/Base"}, "未知时区 'Mars/Base'（例如 Asia/Shanghai）。"),
    ({"region_policy": "mars"}, "地区政策：没有名为 mars 的地区政策"),
    ({"max_concurrent": "many"}, "最大并发数：'many' 不是整数。"),
])
def test_the_refusals_the_core_wraps_are_said_in_chinese_too(op_app: Any, seed: Seed, changes: dict[str, Any],
                                                             zh: str) -> None:
    """What the wizard's own form checks first (cron, windows, time zone) still reaches "edit
    settings" through the core when it comes another way; the core's wrapped errors carry keys."""
    from runtime.campaigns.tasks import update_task

    with pytest.raises(TaskError) as e:
        update_task(op_app.state.engine, seed.draft_task, changes)
    assert say_error(Translator("zh"), e.value, prefix="task.").startswith(zh)
