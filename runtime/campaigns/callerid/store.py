"""Caller-id pools in the database: import, list, pick for a call, count, judge and rest.

The one service the CLI, the API, the pages and the dialer call. A pick is made by the pure
:class:`~runtime.campaigns.callerid.picker.Picker` over the pool's numbers and today's counts,
then *taken* with a conditional ``UPDATE ... WHERE attempts < cap`` on the day row, so several
nodes on one PostgreSQL never exceed a number's cap together; a lost race picks again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from huashu.core.errors import UserError
from runtime.campaigns.callerid.health import rest_verdict
from runtime.campaigns.callerid.models import CallerDay, CallerNumber, CallerPool
from runtime.campaigns.callerid.picker import Pick, Picker, PoolNumber
from runtime.campaigns.callerid.regions import Region, region_of
from runtime.campaigns.clock import utcnow
from runtime.campaigns.phones import normalize
from runtime.campaigns.uploads import RowError

__all__ = ["PoolError", "ImportReport", "import_numbers", "import_csv", "list_pools", "pool_numbers", "load_picker",
           "take_slot", "record_outcome", "judge_pool", "explain_pick", "day_of", "EARLY_HANGUP_MS", "MAX_ROWS",
           "ensure_pool", "get_pool", "answered_outcome", "unrest", "import_csv_bytes"]

pools_t: Table = CallerPool.__table__  # type: ignore[attr-defined]
numbers_t: Table = CallerNumber.__table__  # type: ignore[attr-defined]
days_t: Table = CallerDay.__table__  # type: ignore[attr-defined]

#: a connected call shorter than this counts as an early hang-up
EARLY_HANGUP_MS = 5000
#: an import file may hold at most this many numbers (a pool is tens to hundreds)
MAX_ROWS = 20000
MAX_CAP = 100000
_NAME_MAX = 64


class PoolError(UserError):
    """A pool name, a number or a file row that is not acceptable; the message says which."""


@dataclass
class ImportReport:
    pool: str
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


def answered_outcome(outcome: str) -> bool:
    return outcome == "connected"


def day_of(now: datetime, tz: str) -> str:
    return now.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _NAME_MAX or any(c in name for c in "\r\n\t"):
        raise PoolError(f"pool name: 1..{_NAME_MAX} characters on one line, got {name[:80]!r}", key="pool_name",
                        params={"max": _NAME_MAX})
    return name


def get_pool(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(pools_t).where(pools_t.c.name == name)).first()
    return dict(row._mapping) if row is not None else None


def ensure_pool(engine: Engine, name: str, default_cap: int | None = None, rest_hours: int | None = None) -> int:
    name = _check_name(name)
    if default_cap is not None and not 1 <= default_cap <= MAX_CAP:
        raise PoolError(f"default cap: 1..{MAX_CAP} calls a day, got {default_cap}")
    if rest_hours is not None and not 1 <= rest_hours <= 24 * 30:
        raise PoolError(f"rest hours: 1..720, got {rest_hours}")
    with engine.begin() as conn:
        pool = get_pool(conn, name)
        if pool is None:
            values: dict[str, Any] = {"name": name, "created_at": utcnow()}
            if default_cap is not None:
                values["default_cap"] = default_cap
            if rest_hours is not None:
                values["rest_hours"] = rest_hours
            pk = conn.execute(insert(pools_t).values(**values)).inserted_primary_key
            assert pk is not None
            return int(pk[0])
        changes = {k: v for k, v in (("default_cap", default_cap), ("rest_hours", rest_hours)) if v is not None}
        if changes:
            conn.execute(update(pools_t).where(pools_t.c.id == pool["id"]).values(**changes))
        return int(pool["id"])


def import_numbers(engine: Engine, pool: str, rows: list[tuple[int, str, str | None]], region: str = "CN",
                   default_cap: int | None = None) -> ImportReport:
    """``rows``: (line, number, cap or None). Bad rows are reported by line and skipped; a number
    already in the pool gets its cap updated."""
    report = ImportReport(pool)
    pool_id = ensure_pool(engine, pool, default_cap)
    good: dict[str, int | None] = {}
    for line, raw, cap_text in rows:
        check = normalize(raw, region)
        if not check.ok:
            report.errors.append(RowError.of_number(line, check, raw))
            continue
        cap: int | None = None
        if cap_text not in (None, ""):
            try:
                cap = int(str(cap_text).strip())
            except ValueError:
                report.errors.append(RowError(line, f"cap {str(cap_text)[:20]!r} is not a whole number",
                                              "op.row.cap_not_int", {"cap": str(cap_text)[:20]}))
                continue
            if not 1 <= cap <= MAX_CAP:
                report.errors.append(RowError(line, f"cap {cap} is not in 1..{MAX_CAP}", "op.row.cap_range",
                                              {"cap": cap, "max": MAX_CAP}))
                continue
        good[str(check.e164)] = cap
    now = utcnow()
    with engine.begin() as conn:
        have = {r.number: r.id for r in conn.execute(select(numbers_t.c.id, numbers_t.c.number).where(numbers_t.c.pool_id == pool_id))}
        for number, cap in good.items():
            if number in have:
                conn.execute(update(numbers_t).where(numbers_t.c.id == have[number]).values(cap=cap))
                report.updated += 1
                continue
            r = region_of(number)
            conn.execute(insert(numbers_t).values(pool_id=pool_id, number=number, province=r.province, city=r.city,
                                                  operator=r.operator, label=r.label, operator_label=r.operator_label,
                                                  cap=cap, created_at=now))
            report.added += 1
    return report


def import_csv(engine: Engine, pool: str, path: Path, region: str = "CN", default_cap: int | None = None) -> ImportReport:
    """One number a row, optional second column the daily cap; a header row (``number,cap``) is allowed."""
    try:
        with path.open("rb") as f:
            data = f.read(64 * MAX_ROWS + 1)
    except OSError as e:
        raise PoolError(f"cannot read {path}: {e.strerror}") from None
    return import_csv_bytes(engine, pool, data, str(path), region, default_cap)


def import_csv_bytes(engine: Engine, pool: str, data: bytes, name: str = "upload.csv", region: str = "CN",
                     default_cap: int | None = None) -> ImportReport:
    """:func:`import_csv` over bytes already read (an upload); ``name`` is used in messages."""
    if len(data) > 64 * MAX_ROWS:
        raise PoolError(f"{name}: too large for a caller-id pool (at most {MAX_ROWS} numbers)", key="pool_file_large",
                        params={"name": name, "max": MAX_ROWS})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise PoolError(f"{name}: not UTF-8 text (byte {e.start})", key="pool_file_encoding",
                        params={"name": name}) from None
    rows: list[tuple[int, str, str | None]] = []
    for line, rec in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not rec or not rec[0].strip() or rec[0].lstrip().startswith("#"):
            continue
        if line == 1 and not any(ch.isdigit() for ch in rec[0]):
            continue  # header
        rows.append((line, rec[0], rec[1] if len(rec) > 1 else None))
        if len(rows) > MAX_ROWS:
            raise PoolError(f"{name}: more than {MAX_ROWS} numbers", key="pool_file_large",
                            params={"name": name, "max": MAX_ROWS})
    return import_numbers(engine, pool, rows, region, default_cap)


def list_pools(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        n = numbers_t
        counts: dict[int, int] = {int(k): int(v) for k, v in conn.execute(select(n.c.pool_id, func.count()).group_by(n.c.pool_id)).all()}
        return [dict(r._mapping) | {"numbers": int(counts.get(r.id, 0))}
                for r in conn.execute(select(pools_t).order_by(pools_t.c.name))]


def _pool_or_fail(conn: Connection, name: str) -> dict[str, Any]:
    pool = get_pool(conn, name)
    if pool is None:
        raise PoolError(f"no caller-id pool named {name[:80]!r} (create it with `huashu callerid import`)",
                        key="no_pool", params={"pool": name[:80]})
    return pool


def _numbers_today(engine: Engine, pool: str, now: datetime, columns: list[Any],
                   order_by: Any) -> tuple[dict[str, Any], str, Sequence[Row[Any]]]:
    """(pool, its day at ``now``, ``columns`` of its numbers joined to that day's counts)."""
    with engine.connect() as conn:
        p = _pool_or_fail(conn, pool)
        day = day_of(now, str(p["timezone"]))
        n, d = numbers_t, days_t
        rows = conn.execute(
            select(*columns)
            .select_from(n.outerjoin(d, (d.c.number_id == n.c.id) & (d.c.day == day)))
            .where(n.c.pool_id == p["id"]).order_by(order_by)).all()
    return p, day, rows


def pool_numbers(engine: Engine, pool: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each number with today's health (attempts, answer and early hang-up rates) and rest flag."""
    now = now or utcnow()
    n, d = numbers_t, days_t
    p, day, rows = _numbers_today(engine, pool, now, [n, d.c.attempts, d.c.answered, d.c.early_hangups], n.c.number)
    out = []
    for r in rows:
        m = dict(r._mapping)
        att, ans, early = int(m.pop("attempts") or 0), int(m.pop("answered") or 0), int(m.pop("early_hangups") or 0)
        rested = m["rested_until"] is not None and _aware(m["rested_until"]) > now
        out.append(m | {"day": day, "attempts": att, "answered": ans, "early_hangups": early,
                        "answer_rate": ans / att if att else None, "early_rate": early / ans if ans else None,
                        "effective_cap": int(m["cap"] or p["default_cap"]), "rested": rested})
    return out


def _aware(t: datetime) -> datetime:
    from datetime import UTC

    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def load_picker(engine: Engine, pool: str, now: datetime | None = None) -> tuple[Picker, dict[str, Any]]:
    """A picker over the pool's numbers with today's counts and rest times (all nodes')."""
    now = now or utcnow()
    n, d = numbers_t, days_t
    p, _day, rows = _numbers_today(engine, pool, now, [n.c.id, n.c.number, n.c.province, n.c.city, n.c.operator, n.c.label,
                                                       n.c.operator_label, n.c.cap, n.c.rested_until, d.c.attempts], n.c.id)
    default_cap = int(p["default_cap"])
    nums = [PoolNumber(int(r.id), r.number, Region(r.province, r.city, r.operator, r.label, r.operator_label),
                       int(r.cap or default_cap), int(r.attempts or 0),
                       _aware(r.rested_until) if r.rested_until is not None else None) for r in rows]
    return Picker(nums), p


def take_slot(engine: Engine, number_id: int, cap: int, day: str) -> bool:
    """Count one attempt on the number's day row unless it is at its cap. True: the slot is ours."""
    d = days_t
    for _ in range(3):
        with engine.begin() as conn:
            res = conn.execute(update(d).where(d.c.number_id == number_id, d.c.day == day, d.c.attempts < cap)
                               .values(attempts=d.c.attempts + 1))
            if res.rowcount:
                return True
            if conn.execute(select(d.c.id).where(d.c.number_id == number_id, d.c.day == day)).first() is not None:
                return False  # at the cap
        try:
            with engine.begin() as conn:
                conn.execute(insert(d).values(number_id=number_id, day=day, attempts=1))
            return True
        except IntegrityError:
            continue  # another node created the row first: go through the conditional update
    return False


def record_outcome(engine: Engine, number_id: int, day: str, outcome: str, talk_ms: int) -> None:
    """The health side of a finished call: answered, and answered but hung up early."""
    if not answered_outcome(outcome):
        return
    early = 1 if talk_ms < EARLY_HANGUP_MS else 0
    d = days_t
    with engine.begin() as conn:
        conn.execute(update(d).where(d.c.number_id == number_id, d.c.day == day)
                     .values(answered=d.c.answered + 1, early_hangups=d.c.early_hangups + early))


def judge_pool(engine: Engine, pool: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Run the health test on every number of the pool for today; rest the ones it flags for the
    pool's ``rest_hours``. Returns the newly rested numbers with the reason."""
    now = now or utcnow()
    rows = pool_numbers(engine, pool, now)
    tot_a = sum(int(r["attempts"]) for r in rows)
    tot_ans = sum(int(r["answered"]) for r in rows)
    tot_e = sum(int(r["early_hangups"]) for r in rows)
    rested = []
    with engine.begin() as conn:
        p = _pool_or_fail(conn, pool)
        until = now + timedelta(hours=int(p["rest_hours"]))
        for r in rows:
            if r["rested"]:
                continue
            a, ans, e = int(r["attempts"]), int(r["answered"]), int(r["early_hangups"])
            v = rest_verdict(a, ans, e, tot_a - a, tot_ans - ans, tot_e - e)
            if v.rest:
                conn.execute(update(numbers_t).where(numbers_t.c.id == r["id"]).values(rested_until=until, rest_reason=v.reason))
                rested.append({"number": r["number"], "until": until.isoformat(), "reason": v.reason})
    return rested


def unrest(engine: Engine, pool: str, number: str) -> bool:
    """An operator puts a rested number back to work before its time is up."""
    check = normalize(number)
    with engine.begin() as conn:
        p = _pool_or_fail(conn, pool)
        res = conn.execute(update(numbers_t).where(numbers_t.c.pool_id == p["id"], numbers_t.c.number == (check.e164 or number))
                           .values(rested_until=None, rest_reason=None))
        return bool(res.rowcount)


def explain_pick(engine: Engine, pool: str, callee: str, region: str = "CN", now: datetime | None = None) -> Pick:
    """Which caller id a call to ``callee`` would use now, and why; counts nothing."""
    check = normalize(callee, region)
    if not check.ok:
        raise PoolError(f"callee: {check.message}")
    picker, _ = load_picker(engine, pool, now)
    return picker.pick(str(check.e164), now or utcnow(), explain=True)
