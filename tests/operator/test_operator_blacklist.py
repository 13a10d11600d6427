"""Blacklist add / remove / CSV import with line-level errors, and the frequency-cap settings page."""

from __future__ import annotations

from typing import Any

from op_helpers import csrf_of, post

from runtime.campaigns import blacklist as bl
from runtime.campaigns.models import GLOBAL
from web.operator.caps import read_caps

HTML = {"accept": "text/html"}


_SEEDED: dict[int, set[str]] = {}


def _phones(engine: Any, task_id: int | None = None) -> set[str]:
    """Entries added by the test (the seeded campaign may have opt-outs on the list already)."""
    now = {e["phone"] for e in bl.entries(engine, task_id)}
    return now - _SEEDED.get(id(engine), set())


def _mark(engine: Any) -> None:
    _SEEDED[id(engine)] = {e["phone"] for e in bl.entries(engine)}


def test_add_and_remove_a_number(client_as: Any, op_app: Any) -> None:
    engine = op_app.state.engine
    _mark(engine)
    c = client_as("operator")
    r = post(c, "/operator/blacklist", {"phone": "139 0000 1234", "reason": "complaint"})
    assert r.status_code in (302, 303)
    assert _phones(engine, GLOBAL) == {"+8613900001234"}
    page = c.get("/operator/blacklist", headers=HTML).text
    # an operator sees numbers masked (docs/compliance.md: only personal.view shows them whole)
    assert "+86139****1234" in page and "+8613900001234" not in page and "complaint" in page
    post(c, "/operator/blacklist", {"phone": "13900001234"})
    assert "already on the blacklist" in c.get("/operator/blacklist", headers=HTML).text
    post(c, "/operator/blacklist", {"phone": "12345"})
    assert "12345" in c.get("/operator/blacklist", headers=HTML).text and _phones(engine) == {"+8613900001234"}
    post(c, "/operator/blacklist", {"phone": "13900005678", "task": "2"})
    assert _phones(engine, 2) == {"+8613900005678"}
    post(c, "/operator/blacklist/remove", {"phone": "+8613900001234", "task": "0"})
    assert _phones(engine) == {"+8613900005678"}
    hx = c.get("/operator/blacklist?q=5678", headers={**HTML, "hx-request": "true"}).text
    assert hx.lstrip().startswith('<div id="bl-table"') and "+86139****5678" in hx


def test_csv_import_reports_each_bad_line_and_keeps_the_good_ones(client_as: Any, op_app: Any) -> None:
    engine = op_app.state.engine
    _mark(engine)
    c = client_as("operator")
    body = b"name,phone\nA,13900000001\nB,not-a-number\nC,\nD,+86 139 0000 0002\nE,13900000001\n"
    r = c.post("/operator/blacklist/import", files={"file": ("bl.csv", body, "text/csv")},
               headers={"x-csrftoken": csrf_of(c), "accept": "application/json"})
    assert r.status_code == 200
    out = r.json()
    assert out["added"] == 2
    assert [e.split(":")[0] for e in out["errors"]] == ["line 3", "line 4"]
    assert _phones(engine) == {"+8613900000001", "+8613900000002"}
    # the HTML form shows the same list of bad lines
    r = c.post("/operator/blacklist/import", files={"file": ("bl.csv", b"13900000009\nxyz\n", "text/csv")},
               headers={"x-csrftoken": csrf_of(c), "accept": "text/html"})
    assert r.status_code == 200 and 'id="import-errors"' in r.text and "line 2" in r.text
    assert "+8613900000009" in _phones(engine)
    r = c.post("/operator/blacklist/import", files={"file": ("bl.csv", b"\xff\xfe\x00bad", "text/csv")},
               headers={"x-csrftoken": csrf_of(c), "accept": "application/json"})
    assert r.status_code == 422 and "bl.csv" in r.json()["errors"][0]


def test_blacklist_and_settings_need_the_operator_role(client_as: Any, op_app: Any) -> None:
    _mark(op_app.state.engine)
    c = client_as("designer")
    assert c.get("/operator/blacklist", headers={"accept": "application/json"}).status_code == 403
    assert post(c, "/operator/blacklist", {"phone": "13900001234"}, accept="application/json").status_code == 403
    assert post(c, "/operator/settings", {"cap_day": "9"}, accept="application/json").status_code == 403
    assert _phones(op_app.state.engine) == set()


def test_frequency_caps_are_validated_and_saved(client_as: Any, op_app: Any) -> None:
    engine = op_app.state.engine
    c = client_as("admin")
    assert 'id="cap_day"' in c.get("/operator/settings", headers=HTML).text
    good = {"cap_day": "3", "cap_week": "6", "cap_month": "12", "dedupe_days": "15", "number_format": "e164"}
    assert post(c, "/operator/settings", good).status_code in (302, 303)
    caps = read_caps(engine)
    assert (caps["cap_day"], caps["cap_week"], caps["cap_month"], caps["dedupe_days"], caps["number_format"]) == (3, 6, 12, 15, "e164")
    r = post(c, "/operator/settings", {**good, "cap_week": "2"})
    assert r.status_code == 400 and "per day (3) &lt;= per 7 days (2)" in r.text
    assert 'value="2"' in r.text  # what was typed is shown again
    r = post(c, "/operator/settings", {**good, "cap_month": "many"})
    assert r.status_code == 400 and "Calls per number per 30 days: &#39;many&#39; is not a whole number." in r.text
    assert read_caps(engine)["cap_week"] == 6
