"""A task fed by a saved audience, and the hold-out control group dropped from every source."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from integ_helpers import control_policy, customers, jobs, make_audience, phone, running_task
from sqlalchemy import select

from runtime.audience.control import is_control
from runtime.campaigns import blacklist
from runtime.campaigns import tables as T
from runtime.campaigns.loading import add_numbers, load_pending_runs
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.scheduler import fire_due
from runtime.campaigns.sources import SourceSpec, fetch_rows
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task

SALT = "integ-salt"


def _no_rows(task, errors):  # an audience task never asks the row function
    raise AssertionError("an audience task must not read a data source")


def _load(engine, rows_fn=_no_rows) -> dict:
    fire_due(engine)
    return load_pending_runs(engine, "node-a", rows_fn)


def test_audience_members_go_through_the_same_screen(engine):
    control_policy(engine, 0.0, SALT)
    ids = list(range(1, 8))
    frame = customers(ids, plan=["4g_58"] * 7)
    frame["phone"][3] = "12345"  # not a phone number
    frame["phone"][5] = frame["phone"][4]  # two customers share a number
    aud = make_audience(engine, "winback", frame)
    blacklist.add(engine, phone(2))
    tid = running_task(engine, audience_id=aud)
    (stats,) = _load(engine).values()
    assert (stats.total, stats.queued, stats.dropped) == (7, 4, 3)
    assert stats.reasons == {"blacklisted": 1, "invalid_number": 1, "duplicate_in_list": 1}
    got = {j["customer_id"]: j for j in jobs(engine, tid)}
    assert got["2"]["drop_reason"] == "blacklisted" and got["4"]["drop_reason"] == "invalid_number"
    assert got["6"]["drop_reason"] == "duplicate_in_list" and "row 5" in got["6"]["drop_message"]
    assert got["1"]["state"] == "queued" and got["1"]["dial_phone"] == "+86" + phone(1)
    assert json.loads(got["1"]["variables"])["plan"] == "4g_58"  # member variables reach the script


def test_task_refuses_source_and_audience_and_unknown_audience(engine):
    control_policy(engine, 0.0, SALT)
    aud = make_audience(engine, "a", customers([1]))
    with pytest.raises(TaskError, match="no audience with id 99"):
        create_task(engine, TaskSpec(name="x", business="b", audience_id=99))
    with pytest.raises(TaskError, match="not both"):
        create_task(engine, TaskSpec(name="x", business="b", audience_id=aud, source_id=1))


def test_deleted_audience_fails_the_run_with_the_reason(engine):
    from sqlalchemy import delete

    from runtime.audience.models import Audience, AudienceMember

    control_policy(engine, 0.0, SALT)
    aud = make_audience(engine, "gone", customers([1, 2]))
    tid = running_task(engine, audience_id=aud)
    with engine.begin() as c:
        c.execute(delete(AudienceMember.__table__))  # type: ignore[attr-defined]
        c.execute(delete(Audience.__table__))  # type: ignore[attr-defined]
    _load(engine)
    with engine.connect() as c:
        state, error = c.execute(select(T.runs.c.state, T.runs.c.error).where(T.runs.c.task_id == tid)).one()
    assert state == "failed" and "audience" in error and "no longer exists" in error


def _expected_control(ids: list[int], fraction: float) -> set[str]:
    return {str(i) for i in ids if is_control(i, SALT, fraction)}


def test_control_group_dropped_from_an_audience_source(engine):
    ids = list(range(1, 201))
    control_policy(engine, 0.0, SALT)  # the audience was drawn before a control group existed
    aud = make_audience(engine, "all", customers(ids))
    control_policy(engine, 0.2, SALT)
    tid = running_task(engine, audience_id=aud)
    (stats,) = _load(engine).values()
    want = _expected_control(ids, 0.2)
    assert 20 < len(want) < 60
    dropped = {j["customer_id"] for j in jobs(engine, tid) if j["drop_reason"] == "control_group"}
    assert dropped == want
    assert stats.reasons == {"control_group": len(want)} and stats.queued == 200 - len(want)


def _csv(path: Path, ids: list[int | str]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "mobile"])
        for k, i in enumerate(ids):
            w.writerow([i, phone(k)])
    return path


def test_control_group_dropped_from_a_csv_source(engine, tmp_path):
    ids = list(range(1000, 1300))
    path = _csv(tmp_path / "list.csv", [*ids, "crm-77"])
    control_policy(engine, 0.1, SALT)
    tid = running_task(engine, mapping={"phone": "mobile", "customer_id": "id"})
    spec = SourceSpec(kind="csv", path=str(path))
    (stats,) = _load(engine, lambda task, errors: fetch_rows(spec, None, {}, errors)).values()
    want = _expected_control(ids, 0.1)
    got = jobs(engine, tid)
    dropped = {j["customer_id"] for j in got if j["drop_reason"] == "control_group"}
    assert dropped == want and len(want) > 10
    assert stats.total == 301 and stats.queued == 301 - len(want)
    assert all("hold-out control group" in j["drop_message"] for j in got if j["drop_reason"] == "control_group")
    # a key that is not an integer is outside the hash's domain: never held out, never lost
    assert next(j for j in got if j["customer_id"] == "crm-77")["state"] == "queued"


def test_without_a_policy_nobody_is_held_out(engine):
    tid = running_task(engine)
    rows = [CustomerRow(i + 2, phone(i), customer_id=str(i)) for i in range(300)]
    _, stats = add_numbers(engine, tid, rows)
    assert stats.queued == 300 and stats.dropped == 0
    with engine.connect() as c:  # and the campaign did not invent one
        from runtime.audience.models import ControlPolicy

        assert c.execute(select(ControlPolicy.__table__)).first() is None  # type: ignore[attr-defined]


def test_control_group_applies_to_numbers_handed_over(engine):
    control_policy(engine, 0.3, SALT)
    tid = running_task(engine)
    rows = [CustomerRow(i + 2, phone(i), customer_id=str(i)) for i in range(100)]
    _, stats = add_numbers(engine, tid, rows)
    assert stats.reasons.get("control_group", 0) == len(_expected_control(list(range(100)), 0.3)) > 0


def test_audience_members_carry_their_consent(engine):
    """The customer data's consent column reaches an audience-fed task: a marketing task keeps the
    members who consented and drops the others as no_consent, saying what the row had."""
    control_policy(engine, 0.0, SALT)
    frame = customers([1, 2, 3, 4], consent=["consent", "contract", "", "同意"],
                      consent_date=["2026-01-02", "2026-01-03", "", "2026-02-01"], consent_source=["app", "shop", "", "web"])
    aud = make_audience(engine, "consented", frame)
    tid = running_task(engine, audience_id=aud, business_type="marketing")
    (stats,) = _load(engine).values()
    assert (stats.total, stats.queued, stats.dropped) == (4, 2, 2)
    assert stats.reasons == {"no_consent": 2}
    got = {j["customer_id"]: j for j in jobs(engine, tid)}
    assert got["1"]["state"] == "queued" and got["4"]["state"] == "queued"
    assert got["2"]["drop_reason"] == "no_consent" and "contract" in got["2"]["drop_message"]
    assert got["3"]["drop_reason"] == "no_consent"
    variables = json.loads(got["1"]["variables"])
    assert variables["_consent_date"] == "2026-01-02" and variables["_consent_source"] == "app"
    assert "consent" not in variables


def test_an_audience_without_consent_columns_gives_no_basis(engine):
    """Customer data without a consent column: a task with a business type says why it drops them."""
    control_policy(engine, 0.0, SALT)
    aud = make_audience(engine, "plain", customers([1, 2]))
    tid = running_task(engine, audience_id=aud, business_type="service")
    (stats,) = _load(engine).values()
    assert stats.reasons == {"no_consent": 2}  # service needs some basis too: none was given
    assert all("no legal basis given" in j["drop_message"] and "contract" in j["drop_message"] for j in jobs(engine, tid))
