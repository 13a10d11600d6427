"""The launch wizard with a saved audience as the numbers: pick it, see the screen's counts,
Start, and the task runs with the audience's members queued (the screen's verdicts kept)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
from op_helpers import Seed, post
from sqlalchemy import select
from sqlmodel import Session

from runtime.audience.control import set_policy
from runtime.audience.store import save_audience
from runtime.campaigns import tables as T
from runtime.campaigns.blacklist import add as blacklist_add
from runtime.campaigns.loading import load_pending_runs
from runtime.campaigns.scheduler import fire_due
from tests.support.scripts import import_approved, library_doc

HTML = {"accept": "text/html"}
PHONES = ["13800130001", "13800130002", "12345", "13800130004", "13800130005"]


def _balance_script(engine: Any) -> str:
    """The library's data-pack script, its one variable renamed to a field audience members carry."""
    doc = json.loads(json.dumps(library_doc()).replace("extra_fee", "balance"))
    doc["id"] = "balance-offer"
    return import_approved(engine, doc)


def _audience(engine: Any) -> int:
    frame = {"customer_id": np.arange(1, 6, dtype=np.int64), "phone": np.asarray(PHONES, dtype=object),
             "balance": np.asarray([30.0, 25.0, 10.0, 40.0, 15.0])}
    with Session(engine) as s:
        set_policy(s, 0.0, "wizard-salt")  # no hold-out group: every member is called
        aud = save_audience(s, "winback", frame, np.arange(5), None, "rule")
        s.commit()
        assert aud.id is not None
        return aud.id


def _wizard(c: Any, script: str) -> str:
    r = c.get(f"/launch/new?script={script}&version=1", headers=HTML, follow_redirects=False)
    m = re.match(r"/launch/([0-9a-f]+)/numbers$", r.headers["location"])
    assert m, r.headers["location"]
    return m.group(1)


def _no_rows(task: Any, errors: Any) -> Any:
    raise AssertionError("an audience task must not read a data source")


def test_launch_from_a_saved_audience(client_as: Any, op_app: Any, seed: Seed) -> None:
    engine = op_app.state.engine
    script = _balance_script(engine)
    aid = _audience(engine)
    blacklist_add(engine, PHONES[1], reason="complained")
    c = client_as("operator")
    wid = _wizard(c, script)
    page = c.get(f"/launch/{wid}/numbers", headers=HTML).text
    assert f'value="{aid}"' in page and "winback" in page  # the saved audience is offered
    form = {"script": f"{script}@1", "name": "winback call", "business": "winback", "numbers": "audience",
            "audience_id": str(aid)}
    r = post(c, f"/launch/{wid}/preview", htmx=True, data=form)
    assert r.status_code == 200, r.text
    assert 'id="count-total">5<' in r.text and 'id="count-call">3<' in r.text and 'id="count-dropped">2<' in r.text
    for reason in ("blacklisted", "invalid_number"):
        assert f'data-reason="{reason}"' in r.text
    r = post(c, f"/launch/{wid}/numbers", data=form, files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code in (302, 303) and r.headers["location"].endswith("/settings"), r.text
    r = post(c, f"/launch/{wid}/settings", data={"schedule": "now", "windows": "", "max_concurrent": "2",
                                                "calls_per_second": "1"})
    assert r.status_code in (302, 303) and r.headers["location"].endswith("/review"), r.text
    review = c.get(f"/launch/{wid}/review", headers=HTML).text
    assert 'id="count-call">3<' in review and "winback" in review
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code in (302, 303), r.text
    tid = int(r.headers["location"].rsplit("/", 1)[1])
    with engine.connect() as conn:
        task = conn.execute(select(T.tasks).where(T.tasks.c.id == tid)).one()
    assert task.status == "running" and task.audience_id == aid and task.source_id is None
    fire_due(engine)
    (stats,) = load_pending_runs(engine, "node-a", _no_rows).values()
    assert (stats.total, stats.queued, stats.dropped) == (5, 3, 2)
    with engine.connect() as conn:
        jobs = conn.execute(select(T.jobs.c.dial_phone, T.jobs.c.state, T.jobs.c.variables)
                            .where(T.jobs.c.task_id == tid)).all()
    queued = {j.dial_phone for j in jobs if j.state == "queued"}
    assert queued == {"+86" + p for p in (PHONES[0], PHONES[3], PHONES[4])}
    assert all('"balance"' in (j.variables or "") for j in jobs if j.state == "queued")  # members bring their variables


def test_a_script_variable_the_audience_lacks_is_refused_before_any_call(client_as: Any, op_app: Any,
                                                                        seed: Seed) -> None:
    """The data-pack script needs $extra_fee, which no audience member carries: each call would be
    cancelled before dialling. The wizard says so (in the page's language) and Start is refused."""
    engine = op_app.state.engine
    aid = _audience(engine)
    c = client_as("operator")
    c.cookies.set("lang", "zh")
    wid = _wizard(c, seed.script_id)
    form = {"script": f"{seed.script_id}@1", "name": "t", "business": "b", "numbers": "audience",
            "audience_id": str(aid)}
    r = post(c, f"/launch/{wid}/preview", htmx=True, data=form)
    assert "话术需要变量 $extra_fee" in r.text and 'id="count-call"' not in r.text
    r = post(c, f"/launch/{wid}/numbers", data=form, files={"file": ("", b"", "application/octet-stream")})
    assert r.status_code == 400 and 'id="err-audience_id"' in r.text
    with engine.connect() as conn:
        before = conn.execute(select(T.tasks.c.id)).all()
    r = post(c, f"/launch/{wid}/start", data={"action": "start"})
    assert r.status_code in (302, 303) and r.headers["location"].endswith("/numbers")
    with engine.connect() as conn:
        assert conn.execute(select(T.tasks.c.id)).all() == before
