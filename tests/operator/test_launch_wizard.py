"""The launch wizard over HTTP: upload, map, preview the drops, start; bad input said next to
the field with nothing stored; edit a running task; the task page's live progress fragment."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from op_helpers import Seed, post
from sqlalchemy import func, select

from runtime.campaigns import tables as T
from runtime.campaigns.blacklist import add as blacklist_add

HTML = {"accept": "text/html"}
CSV = ("phone,客户姓名,fee\n"
       "13900000001,张三,30\n"
       "13900000002,李四,25.5\n"
       "13900000001,张三,30\n"  # a repeat of the first row
       "12345,王五,10\n"  # not a phone number
       "13900000003,赵六,40\n")


def _counts(engine: Any) -> tuple[int, int]:
    with engine.connect() as c:
        tasks = c.execute(select(func.count()).select_from(T.tasks)).scalar_one()
        sources = c.execute(select(func.count()).select_from(T.sources)).scalar_one()
    return int(tasks), int(sources)


def _wizard(client: Any, seed: Seed) -> str:
    r = client.get(f"/launch/new?script={seed.script_id}&version=1", headers=HTML, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    m = re.match(r"/launch/([0-9a-f]+)/numbers$", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def _numbers(client: Any, wid: str, data: dict[str, Any]) -> Any:
    """The numbers form as a browser sends it: multipart, with the file input left empty."""
    return post(client, f"/launch/{wid}/numbers", data=data,
                files={"file": ("", b"", "application/octet-stream")})


def _upload(client: Any, wid: str, body: str | bytes, name: str = "list.csv") -> Any:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return post(client, f"/launch/{wid}/upload", htmx=True, files={"file": (name, raw, "text/csv")})


def test_launch_from_an_uploaded_list_previews_drops_and_starts(client_as: Any, op_app: Any, seed: Seed) -> None:
    engine = op_app.state.engine
    blacklist_add(engine, "13900000003", reason="complained")
    c = client_as("operator")
    wid = _wizard(c, seed)
    page = c.get(f"/launch/{wid}/numbers", headers=HTML)
    assert page.status_code == 200 and 'value="data-pack-upgrade@1" selected' in page.text
    r = _upload(c, wid, CSV)
    assert r.status_code == 200, r.text
    # phone guessed by name; the script variable extra_fee has no column of that name yet
    assert 'id="map-phone"' in r.text and '<option value="phone" selected>' in r.text
    assert 'id="err-var_extra_fee"' in r.text and "extra_fee" in r.text
    r = post(c, f"/launch/{wid}/preview", htmx=True,
             data={"script": f"{seed.script_id}@1", "name": "wizard task", "business": "wiz", "numbers": "upload",
                   "map_phone": "phone", "map_name": "客户姓名", "var_extra_fee": "fee"})
    assert r.status_code == 200
    assert 'id="count-total">5<' in r.text and 'id="count-call">2<' in r.text and 'id="count-dropped">3<' in r.text
    for reason in ("duplicate_in_list", "blacklisted"):
        assert f'data-reason="{reason}"' in r.text
    assert "139****0001" in r.text and "13900000001" not in r.text  # an operator sees numbers masked
    before = _counts(engine)
    r = _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "wizard task", "business": "wiz", "numbers": "upload",
                   "map_phone": "phone", "map_name": "客户姓名", "var_extra_fee": "fee"})
    assert r.status_code in (302, 303) and r.headers["location"].endswith("/settings"), r.text
    settings: dict[str, Any] = {
        "schedule": "now", "timezone": "Asia/Shanghai", "windows": "", "max_concurrent": "3", "calls_per_second": "2",
        "redial_count": "1", "redial_interval_min": "5", "redial_outcomes": ["no_answer", "busy"],
        "call_secondary": "1", "caller_id": "057188880000"}  # checkboxes repeat their name
    r = post(c, f"/launch/{wid}/settings", data=settings)
    assert r.status_code in (302, 303) and r.headers["location"].endswith("/review"), r.text
    review = c.get(f"/launch/{wid}/review", headers=HTML)
    assert 'id="count-call">2<' in review.text
    assert _counts(engine) == before  # nothing stored until Start
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code in (302, 303), r.text
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    with engine.connect() as conn:
        task = conn.execute(select(T.tasks).where(T.tasks.c.id == tid)).one()
    assert task.status == "running" and task.max_concurrent == 3 and task.calls_per_second == 2.0
    assert task.redial_count == 1 and task.redial_interval_s == 300 and task.call_secondary
    assert task.caller_id == "057188880000" and task.script_version == 1
    assert '"extra_fee": "fee"' in task.mapping
    assert _counts(engine) == (before[0] + 1, before[1] + 1)
    assert not list((Path(op_app.state.settings.data_dir) / "uploads" / "wizard").glob(f"{wid}*"))
    # the live fragment polls while the task runs
    frag = c.get(f"/operator/tasks/{tid}/progress", headers={"hx-request": "true"})
    assert frag.status_code == 200 and 'hx-trigger="every 2s"' in frag.text
    page = c.get(f"/operator/tasks/{tid}", headers=HTML)
    assert 'id="task-progress"' in page.text and 'hx-trigger="every 2s"' in page.text
    post(c, f"/operator/tasks/{tid}/stop")
    frag = c.get(f"/operator/tasks/{tid}/progress", headers={"hx-request": "true"})
    assert 'data-status="completed"' in frag.text and "hx-trigger" not in frag.text  # polling ends with the run


def test_bad_input_is_said_next_to_the_field_and_nothing_is_created(client_as: Any, op_app: Any, seed: Seed) -> None:
    engine = op_app.state.engine
    before = _counts(engine)
    c = client_as("operator")
    c.cookies.set("lang", "zh")
    wid = _wizard(c, seed)
    r = _upload(c, wid, b"\x89PNG\r\n\x1a\n\x00\x00binary", name="photo.csv")
    assert 'id="err-file"' in r.text and "不是可读取的名单" in r.text
    r = _upload(c, wid, "x", name="list.pdf")
    assert "只支持 .csv 和 .xlsx 文件" in r.text
    _upload(c, wid, CSV)
    # a required variable left unmapped: refused, in Chinese, next to its select
    r = _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "t", "business": "b", "numbers": "upload",
                   "map_phone": "phone"})
    assert r.status_code == 400 and 'id="err-var_extra_fee"' in r.text and "话术需要变量 $extra_fee" in r.text
    _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "t", "business": "b",
                                           "numbers": "upload", "map_phone": "phone", "var_extra_fee": "fee"})
    r = post(c, f"/launch/{wid}/settings", data={"schedule": "cron", "cron": "0 9 31 2 *", "timezone": "Asia/Shanghai",
                                                "windows": "9-5", "max_concurrent": "0", "calls_per_second": "1"})
    assert r.status_code == 400
    assert 'id="err-cron"' in r.text and "永远不会执行" in r.text
    assert 'id="err-windows"' in r.text and 'id="err-max_concurrent"' in r.text
    assert _counts(engine) == before
    # the cron preview says the next five runs in words
    r = c.get(f"/launch/{wid}/cron", params={"cron": "0 9 * * 1-5", "timezone": "Asia/Shanghai"},
              headers={"hx-request": "true"})
    assert r.text.count("<li>") == 5 and "09:00" in r.text and "周" in r.text
    assert "5 个字段" in c.get(f"/launch/{wid}/cron", params={"cron": "0 9 *"}).text
    # cancelling ends the wizard and removes its file
    r = post(c, f"/launch/{wid}/cancel")
    assert r.status_code in (302, 303)
    assert c.get(f"/launch/{wid}/numbers", headers=HTML).status_code == 404
    assert not list((Path(op_app.state.settings.data_dir) / "uploads" / "wizard").glob(f"{wid}*"))
    assert _counts(engine) == before


def test_the_core_refusing_the_task_leaves_no_source(client_as: Any, op_app: Any, seed: Seed,
                                                     monkeypatch: Any) -> None:
    from runtime.campaigns.tasks import TaskError
    from web.launch import launching

    def refuse(*_a: Any, **_k: Any) -> Any:
        raise TaskError("caller_pool: no caller-id pool named 'x'")

    engine = op_app.state.engine
    c = client_as("operator")
    wid = _wizard(c, seed)
    _upload(c, wid, CSV)
    _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "t", "business": "b",
                                           "numbers": "upload", "map_phone": "phone", "var_extra_fee": "fee"})
    post(c, f"/launch/{wid}/settings", data={"schedule": "now", "windows": "", "max_concurrent": "1",
                                            "calls_per_second": "1"})
    before = _counts(engine)
    monkeypatch.setattr(launching, "create_task", refuse)
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code == 400 and "caller_pool" in r.text
    assert _counts(engine) == before
    uploads = Path(op_app.state.settings.data_dir) / "uploads"
    assert not [p for p in uploads.glob("*") if p.is_file()]


def test_edit_a_running_task_and_who_sees_the_buttons(client_as: Any, op_app: Any, seed: Seed) -> None:
    c = client_as("operator")
    post(c, f"/operator/tasks/{seed.draft_task}/start")
    r = c.get(f"/launch/task/{seed.draft_task}/edit", headers=HTML, follow_redirects=False)
    wid = r.headers["location"].split("/")[2]
    page = c.get(r.headers["location"], headers=HTML)
    assert page.status_code == 200 and 'id="running-note"' in page.text
    r = post(c, f"/launch/{wid}/settings", data={"name": "Bill reminder", "schedule": "now", "windows": "08:00-21:00",
                                                "max_concurrent": "9", "calls_per_second": "3", "redial_count": "0"})
    assert r.status_code in (302, 303), r.text
    review = c.get(f"/launch/{wid}/review", headers=HTML)
    assert 'data-field="max_concurrent"' in review.text and 'data-field="windows"' in review.text
    r = post(c, f"/launch/{wid}/start", data={"action": "save"})
    assert r.status_code in (302, 303)
    with op_app.state.engine.connect() as conn:
        t = conn.execute(select(T.tasks).where(T.tasks.c.id == seed.draft_task)).one()
    assert t.max_concurrent == 9 and t.windows == "08:00-21:00" and t.status == "running"
    # a designer sees the launch button disabled, with the reason, and cannot open the wizard
    d = client_as("designer")
    tasks = d.get("/operator/tasks", headers=HTML).text
    assert 'id="new-task" disabled' in tasks and 'id="new-task-why"' in tasks
    editor = d.get(f"/scripts/{seed.script_id}/edit", headers=HTML).text
    assert 'id="launch" disabled' in editor
    assert d.get(f"/launch/new?script={seed.script_id}", headers=HTML, follow_redirects=False).status_code == 403
    ops = c.get("/operator/tasks", headers=HTML).text
    assert 'href="/launch/new"' in ops
    assert f'href="/launch/new?script={seed.script_id}&amp;version=1"' in c.get(f"/scripts/{seed.script_id}/edit",
                                                                                  headers=HTML).text


def test_new_task_from_the_task_list_picks_the_script_on_the_first_page(client_as: Any, seed: Seed) -> None:
    c = client_as("admin")  # an admin runs campaigns too
    r = c.get("/launch/new", headers=HTML, follow_redirects=False)
    wid = r.headers["location"].split("/")[2]
    page = c.get(r.headers["location"], headers=HTML).text
    assert 'value="">' in page and f'value="{seed.script_id}@1"' in page
    _upload(c, wid, CSV)
    r = _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "", "business": "", "numbers": "upload",
                          "map_phone": "phone", "var_extra_fee": "fee"})
    assert r.status_code in (302, 303), r.text  # name and business come from the script
    review = c.get(f"/launch/{wid}/review", headers=HTML).text
    assert "流量包升级推荐" in review and "data_pack_upgrade" in review


def test_launch_from_a_saved_data_source(client_as: Any, op_app: Any, seed: Seed, tmp_path: Path) -> None:
    from runtime.campaigns.sources import SourceSpec, save_source

    engine = op_app.state.engine
    crm = tmp_path / "crm.csv"
    crm.write_text(CSV, encoding="utf-8")
    sid = save_source(engine, "crm", SourceSpec(kind="csv", path=str(crm)))
    c = client_as("operator")
    wid = _wizard(c, seed)
    form = {"script": f"{seed.script_id}@1", "name": "from crm", "business": "crm", "numbers": "source",
            "source_id": str(sid), "map_phone": "phone", "var_extra_fee": "fee"}
    r = post(c, f"/launch/{wid}/preview", htmx=True, data=form)
    assert 'id="count-total">5<' in r.text and 'id="count-dropped">2<' in r.text
    r = _numbers(c, wid, form)
    assert r.status_code in (302, 303), r.text
    post(c, f"/launch/{wid}/settings", data={"schedule": "cron", "cron": "0 9 * * 1-5", "timezone": "Asia/Shanghai",
                                            "windows": "", "max_concurrent": "2", "calls_per_second": "1"})
    review = c.get(f"/launch/{wid}/review", headers=HTML).text
    assert review.count("09:00</li>") == 5
    before = _counts(engine)
    r = post(c, f"/launch/{wid}/start", data={"action": "draft"})
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    with engine.connect() as conn:
        task = conn.execute(select(T.tasks).where(T.tasks.c.id == tid)).one()
    assert task.status == "draft" and task.source_id == sid and task.schedule_kind == "cron"
    assert task.cron == "0 9 * * 1-5"
    assert _counts(engine) == (before[0] + 1, before[1])  # the saved source is used, not copied


def test_consent_columns_are_mapped_and_a_marketing_task_drops_numbers_without_consent(
        client_as: Any, op_app: Any, seed: Seed) -> None:
    """A list's consent columns are guessed and mapped on the numbers page; with the business type
    marketing the review says how many are dropped for no_consent and the task keeps the mapping."""
    c = client_as("operator")
    wid = _wizard(c, seed)
    body = ("phone,客户姓名,fee,同意,同意日期\n13900000011,张三,30,同意,2026-01-02\n13900000012,李四,20,,\n"
            "13900000013,王五,10,合同,2026-02-03\n")
    r = _upload(c, wid, body)
    assert r.status_code == 200
    assert 'id="map-consent_basis"' in r.text and '<option value="同意" selected>' in r.text
    form = {"script": f"{seed.script_id}@1", "name": "consented", "business": "wiz-consent", "numbers": "upload",
            "map_phone": "phone", "map_name": "客户姓名", "var_extra_fee": "fee", "map_consent_basis": "同意",
            "map_consent_date": "同意日期"}
    r = _numbers(c, wid, form)
    assert r.status_code in (302, 303), r.text
    r = post(c, f"/launch/{wid}/settings", data={"schedule": "now", "timezone": "Asia/Shanghai", "windows": "",
                                                 "max_concurrent": "3", "calls_per_second": "2",
                                                 "business_type": "marketing"})
    assert r.status_code in (302, 303), r.text
    review = c.get(f"/launch/{wid}/review", headers=HTML).text
    assert 'id="count-call">1<' in review and 'data-reason="no_consent"' in review
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    with op_app.state.engine.connect() as conn:
        task = conn.execute(select(T.tasks).where(T.tasks.c.id == tid)).one()
    assert task.business_type == "marketing"
    assert json.loads(task.mapping)["consent"] == {"basis": "同意", "date": "同意日期"}


def test_a_consent_date_without_its_basis_is_said_next_to_the_field(client_as: Any, seed: Seed) -> None:
    c = client_as("operator")
    wid = _wizard(c, seed)
    _upload(c, wid, "phone,fee,授权日期\n13900000011,30,2026-01-02\n")
    r = _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "x", "business": "y", "numbers": "upload",
                          "map_phone": "phone", "var_extra_fee": "fee", "map_consent_date": "授权日期"})
    assert r.status_code == 400 and 'id="err-map_consent_basis"' in r.text


def test_start_is_refused_when_no_number_would_be_called(client_as: Any, op_app: Any, seed: Seed) -> None:
    """Every number dropped: Start is disabled with the reason and refused if posted anyway; a draft
    can still be kept (the operator fixes the list later)."""
    c = client_as("operator")
    wid = _wizard(c, seed)
    _upload(c, wid, "phone,fee\n12345,30\n")
    r = _numbers(c, wid, {"script": f"{seed.script_id}@1", "name": "empty", "business": "wiz-empty", "numbers": "upload",
                          "map_phone": "phone", "var_extra_fee": "fee"})
    assert r.status_code in (302, 303), r.text
    post(c, f"/launch/{wid}/settings", data={"schedule": "now", "timezone": "Asia/Shanghai", "windows": "",
                                             "max_concurrent": "3", "calls_per_second": "2"})
    review = c.get(f"/launch/{wid}/review", headers=HTML).text
    assert 'id="none-to-call"' in review and re.search(r'id="start"[^>]*disabled', review)
    before = _counts(op_app.state.engine)
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code == 400 and _counts(op_app.state.engine) == before
    r = post(c, f"/launch/{wid}/start", data={"action": "draft"})
    assert r.status_code in (302, 303)
    assert _counts(op_app.state.engine)[0] == before[0] + 1


def test_a_missing_or_deleted_task_is_a_404_on_every_task_page(client_as: Any, seed: Seed) -> None:
    c = client_as("operator")
    for path in ("/operator/tasks/99999", "/operator/tasks/99999/row", "/operator/tasks/99999/progress",
                 "/launch/task/99999/edit"):
        assert c.get(path, headers=HTML, follow_redirects=False).status_code == 404, path
    assert post(c, f"/operator/tasks/{seed.draft_task}/delete").status_code in (200, 302, 303)
    assert c.get(f"/launch/task/{seed.draft_task}/edit", headers=HTML, follow_redirects=False).status_code == 404
    assert c.get(f"/operator/tasks/{seed.draft_task}", headers=HTML).status_code == 200  # still shown, as deleted
