"""Audiences in the database: top N walks past control members, audience_numbers never yields them."""

from __future__ import annotations

import numpy as np
import pytest
from sqlmodel import Session

from huashu.core.db import make_engine
from runtime.audience.control import control_mask, get_policy, is_control, set_policy
from runtime.audience.store import (
    audience_numbers,
    audience_targets,
    get_audience,
    pick_members,
    save_audience,
)
from runtime.audience.synth import SynthOptions, synth_customers
from tests.support.dbfiles import fresh_sqlite

pytestmark = pytest.mark.offline


@pytest.fixture
def session(tmp_path):
    engine = make_engine(fresh_sqlite(tmp_path / "a.db"))
    with Session(engine, expire_on_commit=False) as s:
        yield s


def test_control_group_is_stable_and_nested() -> None:
    ids = np.arange(1, 200_001)
    a = control_mask(ids, "salt", 0.1)
    assert a.mean() == pytest.approx(0.1, abs=0.005)
    assert np.array_equal(a, control_mask(ids, "salt", 0.1))
    assert not (a & ~control_mask(ids, "salt", 0.2)).any()  # raising the share keeps every member
    assert (a != control_mask(ids, "other", 0.1)).any()
    assert is_control(int(ids[a][0]), "salt", 0.1)
    with pytest.raises(ValueError):
        control_mask(ids, "salt", 1.0)


def test_policy_is_persisted(session) -> None:
    p1 = get_policy(session)
    p2 = get_policy(session)
    assert p1 is not None and p2 is not None and p1.salt == p2.salt
    assert set_policy(session, 0.05).fraction == 0.05


def test_pick_members_top_n_counts_only_callable() -> None:
    scores = np.asarray([0.9, 0.8, 0.7, 0.6, 0.5])
    control = np.asarray([False, True, False, True, False])
    pos = pick_members(np.arange(5), scores, control, top_n=2, threshold=None)
    assert pos.tolist() == [0, 1, 2]
    assert pick_members(np.arange(5), scores, control, None, 0.65).tolist() == [0, 1, 2]


def test_audience_numbers_for_call_tasks(session) -> None:
    f = synth_customers(3000, SynthOptions(seed=4))
    scores = np.linspace(1, 0, 3000)
    policy = get_policy(session)
    assert policy is not None
    control = control_mask(f["customer_id"], policy.salt, policy.fraction)
    pos = pick_members(f["customer_id"], scores, control, top_n=500, threshold=None)
    aud = save_audience(session, "top", f, pos, scores, "model", top_n=500)
    assert aud.size == 500 and aud.held_out == int(control[pos].sum()) > 0
    assert aud.id is not None
    rows = list(audience_numbers(session, aud.id))
    assert len(rows) == 500
    ids = [r[0] for r in rows]
    assert not control[np.asarray(ids) - 1].any()
    assert [r[3]["score"] for r in rows] == sorted((r[3]["score"] for r in rows), reverse=True)
    cid, phone, secondary, variables = rows[0]
    assert phone == f["phone"][cid - 1] and secondary == f["secondary_phone"][cid - 1]
    assert variables["plan"] == f["plan"][cid - 1]
    assert len(variables["answer_by_half_hour"]) == 48
    t = audience_targets(session, aud.id, 9)
    assert len(t["customer_id"]) == len(pos) and int((t["arm"] == "control").sum()) == aud.held_out
    assert set(t["campaign_id"].tolist()) == {9}
    # saving again under the same name replaces the members
    save_audience(session, "top", f, pos[:50], scores, "model")
    assert get_audience(session, "top").size == int((~control[pos[:50]]).sum())
    assert len(list(audience_numbers(session, aud.id))) == get_audience(session, aud.id).size
    with pytest.raises(KeyError):
        get_audience(session, "missing")


def test_rows_without_id_or_phone_are_not_reachable() -> None:
    from runtime.audience.store import reachable

    f = {"customer_id": np.asarray([1, -1, 3], dtype=np.int64), "phone": np.asarray(["138", "139", ""], dtype=object)}
    assert reachable(f).tolist() == [True, False, False]
