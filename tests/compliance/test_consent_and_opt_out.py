"""Consent basis per number against the task's business type (``no_consent``), and opt-outs that
win over any consent (``opted_out``), in the pure screen and through a real load."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from runtime.audit.log import AuditFilter, list_entries
from runtime.campaigns import tables as T
from runtime.campaigns.compliance import DROP_REASONS, ScreenContext, screen
from runtime.campaigns.consent import basis_of, required_bases
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import ColumnMapping, CustomerRow, MappingError, SourceRow
from runtime.campaigns.optout import OptOutError, record_opt_out
from runtime.campaigns.tasks import TaskError, TaskSpec, create_task

pytestmark = pytest.mark.offline
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai


def _ctx(business_type: str | None, opted_out: set[str] | None = None) -> ScreenContext:
    return ScreenContext(now_utc=NOW, consent_bases=required_bases(business_type), opted_out=opted_out or set())


def _verdicts(rows: list[CustomerRow], ctx: ScreenContext) -> list[tuple[str, str | None]]:
    return [(v.state, v.reason) for v in screen(rows, ctx)]


def _row(n: int, consent: object) -> CustomerRow:
    return CustomerRow(row_no=n, phone=f"1381234{n:04d}", consent=consent)


def test_marketing_needs_consent() -> None:
    rows = [_row(1, "consent"), _row(2, "contract"), _row(3, None), _row(4, "none"), _row(5, "同意"), _row(6, "maybe")]
    assert _verdicts(rows, _ctx("marketing")) == [
        ("queued", None), ("dropped", "no_consent"), ("dropped", "no_consent"), ("dropped", "no_consent"),
        ("queued", None), ("dropped", "no_consent")]
    msgs = [v.message for v in screen(rows, _ctx("marketing")) if v.reason]
    assert "row 3: no legal basis given; this task needs consent" in msgs
    assert any("'maybe' is not one of" in (m or "") for m in msgs)
    assert "no_consent" in DROP_REASONS


@pytest.mark.parametrize(("business_type", "basis", "state"), [
    ("service", "contract", "queued"), ("service", "legitimate_interest", "queued"), ("service", "none", "dropped"),
    ("collection", "contract", "queued"), ("collection", "Legitimate Interest", "queued"),
    ("collection", None, "dropped"), (None, None, "queued"),
])
def test_business_type_decides_the_bases(business_type: str | None, basis: object, state: str) -> None:
    assert _verdicts([_row(1, basis)], _ctx(business_type))[0][0] == state


def test_opt_out_wins_over_consent() -> None:
    rows = [_row(1, "consent"), _row(2, "consent")]
    got = _verdicts(rows, _ctx("marketing", opted_out={"+8613812340001"}))
    assert got == [("dropped", "opted_out"), ("queued", None)]
    assert _verdicts(rows[:1], _ctx(None, opted_out={"+8613812340001"})) == [("dropped", "opted_out")]


def test_basis_labels() -> None:
    assert [basis_of(v) for v in ("CONSENT ", "合同", "合法利益", "无", "", None, "x")] == [
        "consent", "contract", "legitimate_interest", "none", "none", None, None]


def test_mapping_carries_the_basis_and_its_evidence() -> None:
    m = ColumnMapping.from_dict({"phone": "tel", "consent": {"basis": "basis", "date": "given", "source": "where"}})
    [row] = m.apply([SourceRow(2, {"tel": "13812340001", "basis": "consent", "given": "2026-01-05", "where": "web form"})])
    assert row.consent == "consent"
    assert row.variables == {"_consent_date": "2026-01-05", "_consent_source": "web form"}
    assert m.to_dict()["consent"] == {"basis": "basis", "date": "given", "source": "where"}
    with pytest.raises(MappingError, match="basis"):
        ColumnMapping.from_dict({"consent": {"date": "given"}})
    with pytest.raises(MappingError, match="consent"):
        ColumnMapping.from_dict({"consent": {"basis": "b", "evil": "x"}})
    with pytest.raises(MappingError, match="not in the source"):
        list(m.apply([SourceRow(2, {"tel": "13812340001"})]))


def test_a_task_rejects_an_unknown_business_type(engine: Engine) -> None:
    with pytest.raises(TaskError, match="business_type"):
        create_task(engine, TaskSpec(name="t", business="b", business_type="spam"))


def test_load_drops_without_consent_and_after_an_opt_out(engine: Engine) -> None:
    task = create_task(engine, TaskSpec(name="t", business="b", business_type="marketing", windows=""))
    with engine.begin() as c:
        assert record_opt_out(c, "+8613812340003", "sms", "reply TD") is True
        assert record_opt_out(c, "+8613812340003", "operator") is False  # first time and channel kept
        with pytest.raises(OptOutError):
            record_opt_out(c, "+8613812340004", "pigeon")
    rows = [_row(1, "consent"), _row(2, None), _row(3, "consent")]
    run_id, _ = add_numbers(engine, task.id, rows)
    j = T.jobs
    with engine.connect() as c:
        got = c.execute(select(j.c.row_no, j.c.state, j.c.drop_reason).where(j.c.run_id == run_id)
                        .order_by(j.c.row_no)).all()
        opt = c.execute(select(T.blacklist.c.reason).where(T.blacklist.c.phone == "+8613812340003")).scalar()
    assert [tuple(r) for r in got] == [(1, "queued", None), (2, "dropped", "no_consent"), (3, "dropped", "opted_out")]
    assert opt == "opt_out"
    e = list_entries(engine, AuditFilter(action="consent.opt_out"))
    assert len(e) == 1 and "sms" in e[0]["after"] and "13812340003" not in e[0]["target_id"]
