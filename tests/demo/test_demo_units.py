"""The pure parts of the demo (virtual day, names, accounts) and the runtime node's health server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import create_engine

from huashu.demo.accounts import ensure_accounts
from huashu.demo.dayclock import VirtualDay, slot_of_local
from huashu.demo.names import address_for
from runtime.health import HealthServer, MeteredRunner


def _minute(t) -> int:
    return t.hour * 60 + t.minute


def test_virtual_day_places_attempts_inside_the_windows_deterministically():
    day = VirtualDay(seed=3)
    times = [day.time_of(f"1380000{i:04d}", a) for i in range(500) for a in (1, 2)]
    assert all(9 * 60 <= _minute(t) < 12 * 60 or 13 * 60 + 30 <= _minute(t) < 21 * 60 for t in times)
    assert times == [VirtualDay(seed=3).time_of(f"1380000{i:04d}", a) for i in range(500) for a in (1, 2)]
    assert len({slot_of_local(t) for t in times}) == 21  # every open half hour is used
    assert day.at_fraction(0.0) == day.date + timedelta(hours=9)
    assert day.at_fraction(0.999999).hour == 20
    assert VirtualDay(seed=4).time_of("13800000001", 1) != day.time_of("13800000001", 1)


def test_address_is_a_surname_and_a_title_by_gender():
    assert address_for(5, "M").endswith("先生") and address_for(5, "F").endswith("女士")
    assert address_for(5, "M")[0] == address_for(5, "F")[0]
    assert address_for(6, None).endswith("客户")
    assert len({address_for(i, "M") for i in range(200)}) > 10


def test_accounts_get_a_password_only_when_created(tmp_path):
    from huashu.core.db import init_db, make_engine
    from web.auth.users import authenticate, create_user

    engine = make_engine(f"sqlite:///{tmp_path / 'users.db'}")
    init_db(engine)
    create_user(engine, "admin", "old-password-12345", "admin")
    made = {"admin": ("old-password-12345", "admin")}
    pw = iter(["password-p1-xyz", "password-p2-xyz", "password-p3-xyz", "password-p4-xyz"])

    def new_password() -> str:
        return next(pw)

    out = ensure_accounts(engine, new_password)
    assert [(a.username, a.password) for a in out] == [("admin", None), ("designer", "password-p1-xyz"),
                                                       ("reviewer", "password-p2-xyz"), ("operator", "password-p3-xyz")]
    made.update({a.username: (str(a.password), a.role) for a in out if a.created})
    for name, (password, role) in made.items():  # what the store holds: the old admin, the new others
        user = authenticate(engine, name, password)
        assert user is not None and user.role == role
    assert made["admin"] == ("old-password-12345", "admin") and made["operator"] == ("password-p3-xyz", "operator")
    assert all(a.password is None for a in ensure_accounts(engine, new_password))


class _Req:
    task_id = 42


class _Report:
    outcome = "connected"


def test_health_server_endpoints_and_metered_runner(tmp_path):
    good = create_engine(f"sqlite:///{tmp_path / 'ok.db'}")
    bad = create_engine(f"sqlite:///{tmp_path / 'missing' / 'nope.db'}")

    async def call(_req):
        return _Report()

    asyncio.run(MeteredRunner(call, "n1")(_Req()))
    srv, down = HealthServer(good).start(), HealthServer(bad).start()
    try:
        base = f"http://127.0.0.1:{srv.port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/readyz").status_code == 200
        metrics = httpx.get(f"{base}/metrics")
        assert metrics.status_code == 200
        assert 'huashu_call_attempts_total{campaign="42",outcome="connected"}' in metrics.text
        assert 'huashu_calls_up{node="n1"} 0.0' in metrics.text
        assert httpx.get(f"{base}/nothing").status_code == 404
        r = httpx.get(f"http://127.0.0.1:{down.port}/readyz")
        assert r.status_code == 503 and "database not reachable" in r.text
        assert httpx.get(f"http://127.0.0.1:{down.port}/healthz").status_code == 200
    finally:
        srv.close()
        down.close()
