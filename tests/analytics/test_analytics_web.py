"""The analytics pages: report HTML with the paper's sections, JSON, XLSX, CSV; operators only."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from runtime.analytics.demo import build_demo
from runtime.config import Settings
from runtime.db import make_engine

pytestmark = pytest.mark.offline
PASSWORD = "correct-horse-1"


def _sign_in(client: TestClient[Any], user: str) -> None:
    html = client.get("/login", headers={"accept": "text/html"}).text
    token = client.cookies.get("huashu_csrf")
    if token is None:
        m = re.search(r'name="csrf-token" content="([^"]+)"', html)
        assert m
        token = m.group(1)
    r = client.post("/login", data={"username": user, "password": PASSWORD, "next": "/analytics",
                                    "_csrf_token": token}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from web.analytics.routes import router
    from web.app import create_app
    from web.auth.users import create_user

    root = tmp_path_factory.mktemp("web")
    settings = Settings(data_dir=root / "var", secret_key="test-secret-" + "x" * 32)
    engine = make_engine(settings.db_url)
    app = create_app(settings, engine, secure_cookies=False, debug=True)
    if not any(r.path.startswith("/analytics") for r in app.routes):
        app.register(router)  # web.app mounts it (OPTIONAL_ROUTERS); an older app may not
    create_user(engine, "op", PASSWORD, "operator")
    create_user(engine, "des", PASSWORD, "designer")
    build_demo(root / "demo", customers=20_000, store=settings.data_dir / "analytics.duckdb")
    return app


def test_report_pages(app) -> None:
    with TestClient(app) as c:
        _sign_in(c, "op")
        index = c.get("/analytics", headers={"accept": "text/html"})
        assert index.status_code == 200 and 'href="/analytics/1"' in index.text
        page = c.get("/analytics/1", headers={"accept": "text/html"})
        assert page.status_code == 200, page.text[:500]
        for section in ('id="slots"', 'id="best-slot"', 'id="outcome-table"', 'id="control"', "echarts.min.js"):
            assert section in page.text
        data = json.loads(re.search(r'id="report-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
        assert data["summary"]["campaign_id"] == 1
        assert c.get("/analytics/all", headers={"accept": "text/html"}).status_code == 200
        js = c.get("/analytics/1/report.json").json()
        assert len(js["outcome_table"]) == 5
        x = c.get("/analytics/1/report.xlsx")
        assert x.status_code == 200 and x.content[:2] == b"PK"
        csv = c.get("/analytics/1/csv/slots.csv")
        assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("slot,label,attempts")
        assert c.get("/analytics/1/csv/nope.csv").status_code == 404
        assert c.get("/analytics/77/report.json").status_code == 404
        aud = c.get("/analytics/audiences/list", headers={"accept": "text/html"})
        assert aud.status_code == 200 and 'id="models"' in aud.text


def test_designers_cannot_see_reports(app) -> None:
    with TestClient(app) as c:
        _sign_in(c, "des")
        assert c.get("/analytics/1/report.json").status_code == 403
    with TestClient(app) as c:
        assert c.get("/analytics/1/report.json").status_code in (401, 403)


def test_compare_page(app, tmp_path_factory) -> None:
    from runtime.analytics.simulate import CampaignSpec, simulate_campaign
    from runtime.analytics.store import AnalyticsStore
    from runtime.audience.synth import synth_customers

    settings = app.state.settings
    calls, business = simulate_campaign(synth_customers(5000), CampaignSpec(2, first_call_id=5_000_000))
    with AnalyticsStore(settings.data_dir / "analytics.duckdb") as st:
        st.add_calls(calls)
        st.add_business(business)
    with TestClient(app) as c:
        _sign_in(c, "op")
        r = c.get("/analytics/compare/1/2", headers={"accept": "text/html"})
        assert r.status_code == 200 and 'id="comparison"' in r.text and "Welch t" in r.text
        assert c.get("/analytics/compare/1/9", headers={"accept": "application/json"}).status_code == 404


def test_visual_rule_builder_creates_an_audience(app) -> None:
    from runtime.audience.frame import write_frame
    from runtime.audience.synth import synth_customers

    settings = app.state.settings
    write_frame(synth_customers(3000), settings.data_dir / "customers.parquet")
    with TestClient(app) as c:
        _sign_in(c, "op")
        form = c.get("/analytics/audiences/new", headers={"accept": "text/html"})
        assert form.status_code == 200 and 'id="rule-form"' in form.text
        assert '<option value="status">' in form.text and '<option value="activated_days">' in form.text
        token = c.cookies.get("huashu_csrf")
        body = {"_csrf_token": token, "customers": "customers.parquet", "name": "winback", "combinator": "all",
                "field0": "status", "op0": "in", "value0": "semi_suspended,suspended",
                "field1": "activated_days", "op1": ">", "value1": "365", "cron": "0 6 * * *"}
        r = c.post("/analytics/audiences/rule", data=body, follow_redirects=False)
        assert r.status_code in (302, 303) and r.headers["location"].endswith("/analytics/audiences/list")
        listing = c.get("/analytics/audiences/list", headers={"accept": "text/html"}).text
        assert "winback" in listing and "0 6 * * *" in listing
        bad = dict(body, field1="nope")
        r = c.post("/analytics/audiences/rule", data=bad, follow_redirects=False)
        assert "/analytics/audiences/new" in r.headers["location"]
        page = c.get(r.headers["location"], headers={"accept": "text/html"}).text
        assert "unknown field &#39;nope&#39;" in page or "unknown field 'nope'" in page
        r = c.post("/analytics/audiences/rule", data=dict(body, customers="../../etc/passwd"), follow_redirects=False)
        assert "/analytics/audiences/new" in r.headers["location"]
