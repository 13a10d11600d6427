"""Best time to call: numbers wait for their segment's best half hour inside the calling windows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from integ_helpers import RecordingRunner, VirtualClock, jobs, phone, running_task
from sqlalchemy import select

from runtime.analytics.besttime import SlotRate, save_rates
from runtime.campaigns import tables as T
from runtime.campaigns.best_time import slot_chooser, window_slots
from runtime.campaigns.compliance import best_start
from runtime.campaigns.dialer import Dialer
from runtime.campaigns.loading import add_numbers
from runtime.campaigns.mapping import CustomerRow
from runtime.campaigns.windows import parse_windows

BJ = ZoneInfo("Asia/Shanghai")
WINDOWS = "09:00-12:00,13:30-20:00"


def _rates(path):
    """office workers answer best at 12:00 (outside the window), then 18:00; retirees at 10:00."""
    rates = []
    for seg, best in (("office_worker", {24: 0.9, 36: 0.7}), ("retiree", {20: 0.8, 32: 0.5})):
        for s in range(18, 40):
            r = best.get(s, 0.2)
            rates.append(SlotRate(seg, s, 400, int(400 * r), r))
    return save_rates(rates, path, "chronotype")


def _bj(h: int, m: int = 0) -> datetime:
    return datetime(2026, 7, 1, h, m, tzinfo=BJ).astimezone(UTC)


def _rows() -> list[CustomerRow]:
    return [
        CustomerRow(2, phone(1), customer_id="1", variables={"chronotype": "office_worker"}),
        CustomerRow(3, phone(2), customer_id="2", variables={"chronotype": "retiree"}),
        CustomerRow(4, phone(3), customer_id="3", variables={}),  # no data: the normal order
    ]


def test_best_start_picks_the_first_ranked_slot_still_ahead():
    assert best_start(_bj(9), "Asia/Shanghai", [20, 36]) == _bj(10)
    assert best_start(_bj(10, 10), "Asia/Shanghai", [20, 36]) is None  # inside the best slot: now
    assert best_start(_bj(10, 30), "Asia/Shanghai", [20, 36]) == _bj(18)  # best passed: the next one
    assert best_start(_bj(19), "Asia/Shanghai", [20, 36]) is None  # all passed: call now


def test_window_limits_the_slots(tmp_path):
    allowed = window_slots(parse_windows(WINDOWS))
    assert 24 not in allowed and {18, 23, 27, 39} <= allowed and 40 not in allowed
    choose = slot_chooser(_rates(tmp_path / "bt.json"), parse_windows(WINDOWS))
    assert choose is not None
    rows = _rows()
    assert list(choose(rows[0]) or [])[:1] == [36]  # 12:00 is outside the window
    assert list(choose(rows[1]) or [])[:1] == [20]
    assert choose(rows[2]) is None


def test_calls_happen_in_the_chosen_slots(engine, tmp_path, monkeypatch):
    clock = VirtualClock(_bj(9))
    clock.install(monkeypatch)
    tid = running_task(engine, windows=WINDOWS, best_time=True, calls_per_second=5)
    _, stats = add_numbers(engine, tid, _rows(), best_times=_rates(tmp_path / "bt.json"))
    assert stats.queued == 3
    notes = {j["customer_id"]: j["note"] or "" for j in jobs(engine, tid)}
    assert "best time 18:00" in notes["1"] and "best time 10:00" in notes["2"] and notes["3"] == ""

    runner = RecordingRunner(clock)
    dialer = Dialer(engine, runner, "node-a", clock=clock.mono)

    async def day() -> None:
        while clock.now < _bj(20):
            dialer.step()
            await dialer.drain()
            clock.advance(minutes=10)

    asyncio.run(day())
    placed = {p[-4:]: t.astimezone(BJ).strftime("%H:%M") for p, t in runner.calls}
    assert placed == {phone(3)[-4:]: "09:00", phone(2)[-4:]: "10:00", phone(1)[-4:]: "18:00"}
    with engine.connect() as c:  # the attempts carry the virtual times too
        started = sorted(t for (t,) in c.execute(select(T.attempts.c.started_at)))
    assert [s.replace(tzinfo=UTC) if s.tzinfo is None else s for s in started] == [_bj(9), _bj(10), _bj(18)]


def test_without_saved_rates_a_best_time_task_keeps_the_normal_order(engine, tmp_path, monkeypatch):
    VirtualClock(_bj(9)).install(monkeypatch)
    tid = running_task(engine, windows=WINDOWS, best_time=True)
    _, stats = add_numbers(engine, tid, _rows(), best_times=tmp_path / "missing.json")
    assert stats.queued == 3
    assert all(j["not_before"] is None for j in jobs(engine, tid))


def test_best_time_off_ignores_the_rates(engine, tmp_path, monkeypatch):
    VirtualClock(_bj(9)).install(monkeypatch)
    tid = running_task(engine, windows=WINDOWS)
    add_numbers(engine, tid, _rows(), best_times=_rates(tmp_path / "bt.json"))
    assert all(j["not_before"] is None for j in jobs(engine, tid))


def test_node_loads_a_csv_source_with_best_time(engine, tmp_path, monkeypatch):
    from runtime.campaigns.node import RuntimeNode
    from runtime.campaigns.sources import SourceSpec, fetch_rows

    clock = VirtualClock(_bj(9))
    clock.install(monkeypatch)
    path = tmp_path / "list.csv"
    path.write_text(f"id,mobile,type\n1,{phone(1)},office_worker\n2,{phone(2)},retiree\n3,{phone(3)},\n")
    tid = running_task(engine, windows=WINDOWS, best_time=True,
                       mapping={"phone": "mobile", "customer_id": "id", "variables": {"chronotype": "type"}})
    spec = SourceSpec(kind="csv", path=str(path))
    node = RuntimeNode(engine, RecordingRunner(clock), lambda task, errors: fetch_rows(spec, None, {}, errors),
                       node_id="a", clock=clock.mono, best_times=_rates(tmp_path / "bt.json"))
    node.schedule()
    got = {j["customer_id"]: j["not_before"] for j in jobs(engine, tid)}
    as_utc = {k: (v.replace(tzinfo=UTC) if v is not None and v.tzinfo is None else v) for k, v in got.items()}
    assert as_utc == {"1": _bj(18), "2": _bj(10), "3": None}
