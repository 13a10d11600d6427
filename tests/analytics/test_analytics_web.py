"""The analytics pages: report HTML with the paper's sections, JSON, XLSX, CSV; operators only."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from litestar.testing import TestClient

from huashu.core.config import Settings
from huashu.core.db import make_engine
from runtime.analytics.demo import build_demo

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
        assert r.status_code == 200 and 'id="comparison"' in r.text and "t-test" in r.text
        assert c.get("/analytics/compare/1/9", headers={"accept": "application/json"}).status_code == 404
        # rates as percentages, differences in percentage points, p-values in words, a verdict
        row = re.search(r'<tr data-metric="connect_rate".*?</tr>', r.text, re.S).group(0)  # type: ignore[union-attr]
        assert re.search(r"<td>\d+\.\d%</td>", row) and " pp … " in row and "p = 0.0" not in row
        assert re.search(r"(p &lt; 0\.001|p = \d\.\d{3})", row) and "significant at 95 %" in row.lower()
        assert "0.2281" not in r.text
        # the report links to it: pick the other campaign
        report = c.get("/analytics/1", headers={"accept": "text/html"}).text
        assert 'id="compare-form"' in report and '<option value="2">Campaign 2</option>' in report
        go = c.get("/analytics/compare?a=1&b=2", headers={"accept": "text/html"}, follow_redirects=False)
        assert go.status_code in (302, 303) and go.headers["location"] == "/analytics/compare/1/2"
        # the same campaign twice: a clear 400 page, in both languages
        same = c.get("/analytics/compare/1/1", headers={"accept": "text/html"})
        assert same.status_code == 400 and "Campaign 1 cannot be compared with itself" in same.text
        same = c.get("/analytics/compare?a=2&b=2", headers={"accept": "text/html", "accept-language": "zh"})
        assert same.status_code == 400 and "任务 2 不能与自身对比" in same.text
        assert c.get("/analytics/compare/1/1", headers={"accept": "application/json"}).status_code == 400


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
        # the form comes back with what was typed and the reason, in the user's language
        assert r.status_code == 400 and 'value="nope"' in r.text
        assert "Condition 2: the file has no field nope." in r.text
        r = c.post("/analytics/audiences/rule", data=bad, headers={"accept-language": "zh-CN"}, follow_redirects=False)
        assert "条件 2：文件中没有字段 nope。" in r.text
        r = c.post("/analytics/audiences/rule", data=dict(body, customers="../../etc/passwd"), follow_redirects=False)
        assert r.status_code == 400 and "no customer file ../../etc/passwd" in r.text


# ---- both languages: every analytics string comes from the catalogue ----

_ANALYTICS_TEMPLATES = "web/analytics/templates"
# English words the pages showed in Chinese before the catalogue (the audit's list), and words
# any untranslated label would carry. Data (node ids, file names, commands) is in <code>.
_ENGLISH_ONLY = ("Attempts", "Connected", "effective", "rest", "metric", "difference", "customers called",
                 "talked >", "no_answer", "invalid_number", "treated", "control", "two-proportion", "significant",
                 "Outcomes", "class", "share", "avg talk", "recharge_rate", "mean_recharge", "Campaign",
                 "Audiences", "Field", "Operator", "equals", "None yet", "Refresh")
_ALLOWED_ASCII = {"CSV", "XLSX", "JSON", "UTC", "AUC", "Qini", "AND", "OR", "Welch", "cron", "customer_id", "phone",
                  "Parquet", "Huashu", "pp", "winback", "UTF", "GBK", "nope"}


def _main_text(html: str) -> str:
    """The visible text of <main>: no scripts, templates or <code> (data and commands)."""
    main = html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|template|code|datalist)\b.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r"<[^>]+>", " ", main)
    main = re.sub(r"[\w.-]+\.(parquet|csv|xlsx)\b", " ", main)  # file names
    return re.sub(r"\s+", " ", main)


def _analytics_pages(c: TestClient[Any]) -> dict[str, str]:
    out = {}
    for lang in ("en", "zh"):
        for path in ("/analytics", "/analytics/1", "/analytics/all", "/analytics/compare/1/2",
                     "/analytics/compare/1/1", "/analytics/audiences/list", "/analytics/audiences/new",
                     "/analytics/audiences/model"):
            r = c.get(path, headers={"accept": "text/html", "accept-language": lang})
            assert r.status_code in (200, 400), (path, r.text[:300])
            out[f"{lang} {path}"] = r.text
        token = c.cookies.get("huashu_csrf")
        for name, body in (("preview", {"field0": "status", "op0": "in", "value0": "suspended"}),
                           ("preview-total", {}), ("preview-bad", {"field0": "nope", "op0": "==", "value0": "1"})):
            r = c.post("/analytics/audiences/preview", data={"_csrf_token": token, "customers": "customers.parquet",
                                                             "combinator": "all", **body},
                       headers={"accept-language": lang, "hx-request": "true"})
            assert r.status_code == 200
            out[f"{lang} {name}"] = f"<main>{r.text}</main>"
    return out


def test_every_analytics_page_speaks_one_language(app) -> None:
    from runtime.analytics.simulate import CampaignSpec, simulate_campaign
    from runtime.analytics.store import AnalyticsStore
    from runtime.audience.frame import write_frame
    from runtime.audience.synth import synth_customers

    settings = app.state.settings
    with AnalyticsStore(settings.data_dir / "analytics.duckdb") as st:
        if 2 not in st.campaigns():
            calls, business = simulate_campaign(synth_customers(3000), CampaignSpec(2, first_call_id=5_000_000))
            st.add_calls(calls)
            st.add_business(business)
    write_frame(synth_customers(2000), settings.data_dir / "customers.parquet")
    with TestClient(app) as c:
        _sign_in(c, "op")
        pages = _analytics_pages(c)
    for name, html in pages.items():
        text = _main_text(html)
        assert not re.search(r"\b(an|upload)\.[a-z_]+\.?[a-z_]*\b", text), (name, "a catalogue key shows raw")
        if name.startswith("zh"):
            for word in _ENGLISH_ONLY:
                assert not re.search(rf"(?<![\w.]){re.escape(word)}(?![\w.])", text), (name, word)
            leftovers = {w for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", text) if w not in _ALLOWED_ASCII}
            assert not leftovers, (name, sorted(leftovers))
        else:
            assert not re.search(r"[\u4e00-\u9fff]", text), (name, re.findall(r".{20}[\u4e00-\u9fff]+.{5}", text)[:3])
    # the charts' words come from the catalogue too
    zh_labels = json.loads(re.search(r'id="chart-labels">(.*?)</script>', pages["zh /analytics/1"], re.S).group(1))  # type: ignore[union-attr]
    assert zh_labels["effective"] == "有效接触" and zh_labels["funnel"][0] == "呼叫客户"
    assert "任务 1" not in _main_text(pages["en /analytics/1"]) and "Campaign 1" in pages["en /analytics/1"]


def test_catalogue_names_every_analytics_key_and_code() -> None:
    from pathlib import Path

    from runtime.analytics.records import CATEGORY_LEVEL
    from runtime.audience.rules import OPS
    from web.analytics.present import CATEGORY_CODES, CLASS_CODES, OUTCOME_CODES
    from web.i18n import catalogue

    root = Path(__file__).resolve().parents[2]
    used: set[str] = set()
    for p in [*(root / _ANALYTICS_TEMPLATES).glob("*.html"), root / "web/analytics/routes.py",
              root / "web/analytics/jobs.py"]:
        used |= set(re.findall(r"""\bt\(\s*['"]((?:an|upload)\.[A-Za-z_.]*[A-Za-z_])['"]""", p.read_text(encoding="utf-8")))
    assert len(used) > 100
    used |= {f"an.outcome.{c}" for c in OUTCOME_CODES} | {f"an.category.{c}" for c in CATEGORY_CODES}
    used |= {f"an.class.{c}" for c in CLASS_CODES} | {f"an.op.{o}" for o in OPS}
    used |= {f"an.metric.{m}" for m in ("connect_rate", "recharge_rate", "mean_recharge", "balance", "recharge_amount")}
    used |= {"an.test.two_proportion_z", "an.test.Welch_t", "an.funnel.called", "an.funnel.talked"}
    used |= {f"an.job.state.{s}" for s in ("running", "done", "failed")}
    used |= {f"an.job.step.{s}" for s in ("read", "prepare", "rank", "fit", "save_model", "score", "save_audience")}
    assert set(CATEGORY_LEVEL) <= set(CATEGORY_CODES)
    for lang in ("en", "zh"):
        missing = sorted(k for k in used if k not in catalogue(lang))
        assert not missing, (lang, missing)
        for k in used:
            has_cjk = bool(re.search(r"[\u4e00-\u9fff]", catalogue(lang)[k]))
            assert has_cjk == (lang == "zh"), (lang, k, catalogue(lang)[k])


def test_numbers_read_like_a_report() -> None:
    from web.analytics.present import p_text, pct, pp, pp_interval

    assert pct(0.2281) == "22.8%" and pct(None) == "—"
    assert pp(0.013726) == "+1.4 pp" and pp(-0.0004) == "0.0 pp"
    assert pp_interval(-0.001693, 0.029144) == "\u22120.2 pp … 2.9 pp"
    assert p_text(0.0) == "p < 0.001" and p_text(0.08652) == "p = 0.087"


def test_rule_builder_preselects_the_customer_base_and_counts_matches(app) -> None:
    from runtime.audience.frame import write_frame
    from runtime.audience.synth import synth_customers

    settings = app.state.settings
    frame = synth_customers(1500)
    write_frame(frame, settings.data_dir / "customers.parquet")
    # files that sort before it and are not customer lists (no phone column)
    write_frame({"customer_id": frame["customer_id"], "arm": frame["status"]}, settings.data_dir / "a-business.parquet")
    with TestClient(app) as c:
        _sign_in(c, "op")
        form = c.get("/analytics/audiences/new", headers={"accept": "text/html"}).text
        assert '<option value="customers.parquet" selected>' in form
        assert "a-business.parquet — not a customer list" in form
        assert '<option value="&gt;=" >at least</option>' in form or ">at least</option>" in form
        zh = c.get("/analytics/audiences/new", headers={"accept": "text/html", "accept-language": "zh"}).text
        assert ">至少（≥）</option>" in zh and 'id="add-row"' in zh and "id=\"row-template\"" in zh
        token = c.cookies.get("huashu_csrf")
        # rows come with gaps (added and removed on the page): all of them count
        body = {"_csrf_token": token, "customers": "customers.parquet", "combinator": "all",
                "field0": "status", "op0": "in", "value0": "suspended,semi_suspended",
                "field7": "age", "op7": ">=", "value7": "30"}
        r = c.post("/analytics/audiences/preview", data=body, headers={"hx-request": "true"})
        want = int(((frame["status"] != "active") & (frame["age"] >= 30)).sum())
        assert f'data-n="{want}"' in r.text and "of 1,500 customers match" in r.text
        r = c.post("/analytics/audiences/preview", data=dict(body, value7=""), headers={"hx-request": "true"})
        assert 'id="match-problem"' in r.text and "Condition 2" in r.text
        r = c.post("/analytics/audiences/rule", data=dict(body, name="older-suspended"), follow_redirects=False)
        assert r.status_code in (302, 303)
        listing = c.get("/analytics/audiences/list", headers={"accept": "text/html"}).text
        assert "older-suspended" in listing


def test_customer_files_upload_into_the_data_directory(app) -> None:
    import io

    from openpyxl import Workbook

    from runtime.audience.frame import read_frame

    settings = app.state.settings
    csv_text = "customer_id,phone,age,status\n1,13800000001,30,active\n2,13800000002,41,suspended\n3,,50,active\n4,1\n"
    wb = Workbook()
    ws = wb.active
    ws.append(["customer_id", "phone", "plan"])
    ws.append(["C-1", "13900000001", "4g_38"])
    ws.append(["C-2", "13900000002", "5g_128"])
    xbuf = io.BytesIO()
    wb.save(xbuf)
    with TestClient(app) as c:
        _sign_in(c, "op")
        token = c.cookies.get("huashu_csrf")

        def up(name: str, data: bytes, **extra: str) -> Any:
            return c.post("/analytics/audiences/upload", data={"_csrf_token": token, **extra},
                          files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)

        r = up("my list.csv", csv_text.encode("gbk"))
        assert r.status_code in (302, 303) and r.headers["location"].endswith("customers=my_list.parquet")
        page = c.get(r.headers["location"], headers={"accept": "text/html"}).text
        assert "Saved my_list.parquet: 3 customers, 2 with a customer id and a phone number." in page
        assert "line 5" in page  # the short row is reported with its line
        saved = read_frame(settings.data_dir / "my_list.parquet")
        assert list(saved["age"]) == [30, 41, 50]
        assert up("my list.csv", csv_text.encode()).status_code == 400  # exists: needs "replace"
        assert up("my list.csv", csv_text.encode(), replace="1").status_code in (302, 303)
        assert up("book.xlsx", xbuf.getvalue()).status_code in (302, 303)
        assert len(read_frame(settings.data_dir / "book.parquet")["customer_id"]) == 2
        r = up("nophone.csv", b"customer_id,name\n1,a\n")
        assert r.status_code == 400 and "nophone.csv lacks the column(s) phone" in r.text
        r = up("x.txt", b"hello")
        assert r.status_code == 400 and "x.txt: this kind of file cannot be read" in r.text
        r = up("fake.xlsx", b"not a workbook", **{})
        assert r.status_code == 400 and "fake.xlsx cannot be read" in r.text
        r = c.post("/analytics/audiences/upload", data={"_csrf_token": token},
                   files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
                   headers={"accept-language": "zh"}, follow_redirects=False)
        assert r.status_code == 400 and "x.csv 缺少列 customer_id, phone" in r.text
        assert not (settings.data_dir / "nophone.parquet").exists()


def test_train_a_model_and_select_an_audience_with_progress(app) -> None:
    import time

    from runtime.analytics.simulate import CampaignSpec, customer_outcomes, simulate_campaign
    from runtime.audience.frame import write_frame
    from runtime.audience.synth import synth_customers

    settings = app.state.settings
    frame = synth_customers(3000)
    calls, business = simulate_campaign(frame, CampaignSpec(9, first_call_id=9_000_000))
    write_frame(frame, settings.data_dir / "customers.parquet")
    write_frame(customer_outcomes(frame, calls, business), settings.data_dir / "customers-outcomes.parquet")

    def wait(c: TestClient[Any], location: str, lang: str = "en") -> str:
        job = location.split("job=")[1]
        for _ in range(240):
            html = c.get(f"/analytics/jobs/{job}", headers={"accept": "text/html", "accept-language": lang}).text
            if 'data-state="running"' not in html:
                return html
            assert 'hx-trigger="every 1s"' in html and "<progress" in html  # the page keeps asking
            time.sleep(0.25)
        raise AssertionError("the job did not finish")

    with TestClient(app) as c:
        _sign_in(c, "op")
        page = c.get("/analytics/audiences/model", headers={"accept": "text/html", "accept-language": "zh"}).text
        assert 'id="train-form"' in page and "<option selected>customers-outcomes.parquet</option>" in page
        token = c.cookies.get("huashu_csrf")
        r = c.post("/analytics/audiences/train", data={"_csrf_token": token, "customers": "customers.parquet",
                                                       "outcomes": "customers-outcomes.parquet", "target": "recharged",
                                                       "kind": "tree", "name": "web-tree"},
                   follow_redirects=False)
        assert r.status_code in (302, 303) and "/analytics/audiences/model?job=" in r.headers["location"]
        done = wait(c, r.headers["location"], "zh")
        assert 'data-state="done"' in done, done
        assert "准备数据" in done and "拟合决策树（depth=" in done and "已保存模型版本" in done
        model_id = re.search(r"已保存模型版本 (\d+)", done).group(1)  # type: ignore[union-attr]
        r = c.post("/analytics/audiences/select", data={"_csrf_token": token, "name": "web-top", "model": model_id,
                                                        "customers": "customers.parquet", "top": "500"},
                   follow_redirects=False)
        done = wait(c, r.headers["location"])
        assert 'data-state="done"' in done and "Audience saved: 500 to call" in done
        assert "web-top" in c.get("/analytics/audiences/list", headers={"accept": "text/html"}).text
        # mistakes are said before anything runs; a failing job says why
        r = c.post("/analytics/audiences/train", data={"_csrf_token": token, "customers": "customers.parquet",
                                                       "outcomes": "customers.parquet", "target": "recharged",
                                                       "kind": "tree"}, follow_redirects=False)
        assert r.status_code == 400 and "customers.parquet has no column recharged." in r.text
        r = c.post("/analytics/audiences/select", data={"_csrf_token": token, "name": "x", "model": "999",
                                                        "customers": "customers.parquet", "top": "5"},
                   follow_redirects=False)
        failed = wait(c, r.headers["location"])
        assert 'data-state="failed"' in failed and "no model version 999" in failed
        assert c.get("/analytics/jobs/424242", headers={"accept": "application/json"}).status_code == 404
