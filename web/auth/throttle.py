"""Rate limit with backoff on sign-in (``/login``) and token requests (``/oauth/token``).

Every attempt is counted *before* the password or secret is checked, per account (``user:<name>``
or ``client:<id>``) and per client address (``addr:<ip>``). A key that has used its free attempts
since its last success is refused with 429 and ``Retry-After`` for a time that doubles with each
further attempt (1 s, 2 s, 4 s ... 15 min), without running argon2: a burst of wrong secrets
costs a few hashes, not one each. Counting first (an atomic ``UPDATE ... SET attempts =
attempts + 1``) is what makes 30 *concurrent* guesses meet the limit too: a check-then-count
design lets them all through before the first failure is written.

The counters live in the database (:class:`web.auth.models.AuthThrottle`), so several web
processes on one PostgreSQL share them. A success clears the account's counter and gives the
address its attempt back (an office behind one NAT signing in each morning is never refused); a
counter untouched for ``WINDOW_S`` starts again from zero.

Why not Litestar's ``RateLimitConfig``: it counts requests per fixed window and per client
(its ``identifier_for_request``), in a store of one process; it has no per-account key (the
account is in the body), no backoff and no refund on success.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine

from web.auth.models import AuthThrottle

__all__ = ["Limit", "ACCOUNT", "ADDRESS", "Refused", "begin", "succeeded", "prune", "WINDOW_S", "backoff_s"]

WINDOW_S = 15 * 60  # a counter not touched for this long starts again
MAX_LOCK_S = 15 * 60
_KEY_LEN = 160


@dataclass(frozen=True, slots=True)
class Limit:
    """``free`` attempts since the last success, then refusals with a doubling lock."""

    free: int


ACCOUNT = Limit(free=5)
ADDRESS = Limit(free=20)  # several people may share one address (a NAT, a proxy)


@dataclass(frozen=True, slots=True)
class Refused:
    """Why an attempt was not even checked, and for how long to wait (whole seconds, >= 1)."""

    key: str
    retry_after_s: int


def backoff_s(over: int) -> float:
    """The lock after the ``over``-th attempt beyond the free ones: 1, 2, 4 ... seconds, capped."""
    return float(min(2 ** max(over - 1, 0), MAX_LOCK_S))


_t = AuthThrottle.__table__  # type: ignore[attr-defined]


def _key(kind: str, value: str) -> str:
    return f"{kind}:{value.strip().lower()}"[:_KEY_LEN]


def _ensure_row(conn: Connection, key: str) -> None:
    """The key's row, created if missing. A write first, always: on SQLite a transaction that
    reads before writing can fail at once with "database is locked" when another process wrote
    meanwhile; one that starts by writing waits its turn (busy_timeout)."""
    dialect = conn.dialect.name
    values = {"key": key, "attempts": 0, "last_at": 0.0, "locked_until": 0.0}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(_t).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(_t).values(**values).on_conflict_do_nothing(index_elements=["key"]))
    else:
        from sqlalchemy.exc import IntegrityError

        if conn.execute(select(_t.c.key).where(_t.c.key == key)).first() is not None:
            return
        try:
            with conn.begin_nested():
                conn.execute(_t.insert().values(**values))
        except IntegrityError:
            pass


def _count(conn: Connection, key: str, limit: Limit, now: float) -> Refused | None:
    """Count one attempt on ``key``; a refusal when it is locked or over its free attempts."""
    _ensure_row(conn, key)
    counted = conn.execute(
        update(_t)
        .where(_t.c.key == key, _t.c.locked_until <= now)
        .values(attempts=_stale_reset(now), last_at=now)
    ).rowcount
    row = conn.execute(select(_t.c.attempts, _t.c.locked_until).where(_t.c.key == key)).one()
    if not counted:
        return Refused(key, max(1, math.ceil(row.locked_until - now)))
    over = int(row.attempts) - limit.free
    if over <= 0:
        return None
    until = now + backoff_s(over)
    conn.execute(update(_t).where(_t.c.key == key).values(locked_until=until))
    return Refused(key, max(1, math.ceil(until - now)))


def _stale_reset(now: float) -> object:
    from sqlalchemy import case

    return case((_t.c.last_at < now - WINDOW_S, 1), else_=_t.c.attempts + 1)


def begin(engine: Engine, account: tuple[str, str], address: str | None, now: float,
          limits: tuple[Limit, Limit] = (ACCOUNT, ADDRESS)) -> Refused | None:
    """Count an attempt for ``account`` (``("user", name)`` or ``("client", id)``) from ``address``;
    None when it may go on to the password check, else the refusal. Blocking (database): call
    it off the event loop."""
    keys = [(_key(*account), limits[0])]
    if address:
        keys.append((_key("addr", address), limits[1]))
    with engine.begin() as conn:
        for key, limit in keys:
            refused = _count(conn, key, limit, now)
            if refused is not None:
                return refused
    if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
        prune(engine, now)
    return None


def succeeded(engine: Engine, account: tuple[str, str], address: str | None) -> None:
    """The password or secret was right: clear the account, refund the address's attempt."""
    with engine.begin() as conn:
        conn.execute(delete(_t).where(_t.c.key == _key(*account)))
        if address:
            conn.execute(update(_t).where(_t.c.key == _key("addr", address), _t.c.attempts > 0)
                         .values(attempts=_t.c.attempts - 1))


def prune(engine: Engine, now: float) -> int:
    """Delete counters nobody touched for ``WINDOW_S`` and not locked (they would start over)."""
    with engine.begin() as conn:
        return int(conn.execute(delete(_t).where(_t.c.last_at < now - WINDOW_S, _t.c.locked_until <= now)).rowcount)
