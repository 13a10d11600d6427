"""The wizard's typed forms and dependencies (issue 16), and the one definition of a task's settings."""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from op_helpers import Seed, post

from runtime.campaigns.models import CallTask, TaskSettings
from runtime.campaigns.tasks import TaskSpec
from web.launch.wizard import Draft, SettingsForm, parse_settings_form

HTML = {"accept": "text/html"}


def test_a_drafts_settings_posted_back_check_clean_and_give_the_same_draft() -> None:
    d = Draft(wid="w", schedule="cron", cron="0 9 * * 1-5", max_concurrent=7, calls_per_second=2.5, spread=True,
              priority=4, redial_count=2, redial_interval_s=900, redial_outcomes="busy,rejected", dedupe_days=3,
              caller_id="057188880000", answer_on_machine="message", answer_message="稍后", best_time=True)
    again = Draft(wid="w")
    assert parse_settings_form(again, SettingsForm.of_draft(d)) == {}
    assert again == d


def test_a_mapping_reads_like_the_wire_and_a_missing_name_is_not_asked_for() -> None:
    form = SettingsForm.of({"spread": ["1", "1"], "redial_outcomes": "busy", "priority": 3, "x": "y"})
    assert form.spread == "" and form.priority == "" and form.redial_outcomes == "busy" and form.name is None
    d = Draft(wid="w", name="kept")
    assert "name" not in parse_settings_form(d, form) and d.name == "kept"
    assert parse_settings_form(d, SettingsForm(name=" "))["name"][0] == "launch.err.required"


def test_the_task_settings_are_the_rows_columns_and_the_specs_fields() -> None:
    settings = {f.name for f in fields(TaskSettings)}
    columns = {c.name for c in CallTask.__table__.columns}  # type: ignore[attr-defined]
    assert settings <= columns
    assert columns - settings == {"id", "status", "query_params", "mapping", "created_at", "updated_at"}
    assert {f.name for f in fields(TaskSpec)} == settings | {"query_params", "mapping"}
    assert [f.name for f in fields(TaskSpec)][:4] == ["name", "business", "source_id", "query"]
    indexed = {c.name for c in CallTask.__table__.columns if c.index}  # type: ignore[attr-defined]
    assert {"name", "business", "source_id", "status"} <= indexed


def _wizard(client: Any, seed: Seed) -> str:
    r = client.get(f"/launch/new?script={seed.script_id}&version=1", headers=HTML, follow_redirects=False)
    m = re.match(r"/launch/([0-9a-f]+)/numbers$", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def test_one_redial_outcome_posts_as_a_typed_form(client_as: Any, seed: Seed) -> None:
    c = client_as("operator")
    wid = _wizard(c, seed)
    r = post(c, f"/launch/{wid}/settings", data={"schedule": "now", "windows": "", "redial_count": "1",
                                                "redial_outcomes": "busy", "max_concurrent": "abc"})
    assert r.status_code == 400 and 'id="err-max_concurrent"' in r.text
    assert 'value="busy" checked' in r.text and 'value="no_answer" checked' not in r.text


def test_another_users_wizard_is_not_found_and_an_upload_without_a_file_is_said(client_as: Any, seed: Seed) -> None:
    wid = _wizard(client_as("operator"), seed)
    other = client_as("admin")
    assert other.get(f"/launch/{wid}/settings", headers=HTML).status_code == 404
    mine = client_as("operator")
    r = post(mine, f"/launch/{wid}/upload", htmx=True, files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 200 and 'id="err-file"' in r.text
