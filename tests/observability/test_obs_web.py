"""The web app's probes: /metrics (no login, Prometheus text after a real call), /readyz against the database."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from obs_helpers import sample, simulated_call
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from huashu.core.config import Settings
from huashu.core.db import make_engine
from runtime.speech.cache import PromptCache
from runtime.speech.tts import FallbackTts
from web.app import create_app

NAMES = {
    "huashu_calls_up", "huashu_call_attempts", "huashu_connect_rate", "huashu_asr_latency_seconds",
    "huashu_tts_latency_seconds", "huashu_dial_queue_depth",
}


@pytest.fixture
def app(tmp_path: Path) -> Any:
    settings = Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)
    return create_app(settings, make_engine(settings.db_url), secure_cookies=False)


def test_metrics_need_no_login_and_show_a_call_and_a_render(app: Any, tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    from huashu.core.metrics import observe_attempt
    from runtime.speech.tts_espeak import EspeakProvider

    res = simulated_call("obs-web-1", node="web-test")
    observe_attempt("obs-web", res.outcome.value)  # what the dialer records for the attempt
    FallbackTts([EspeakProvider()], cache=PromptCache(tmp_path / "prompts")).render("Hello, this is a test.")
    with TestClient(app) as client:
        r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "set-cookie" not in r.headers  # a scrape opens no session
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert set(families) >= NAMES, NAMES - set(families)
    values = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    assert values[("huashu_call_attempts_total", (("campaign", "obs-web"), ("outcome", "connected")))] >= 1
    assert values[("huashu_tts_latency_seconds_count", (("cache", "miss"), ("provider", "espeak")))] >= 1
    assert values[("huashu_calls_up", (("node", "web-test"),))] == 0  # the call is over
    assert values[("huashu_tts_latency_seconds_count", (("cache", "miss"), ("provider", "espeak")))] == sample(
        "huashu_tts_latency_seconds_count", provider="espeak", cache="miss"
    )


def test_probes_are_public_while_pages_still_need_a_login(app: Any) -> None:
    with TestClient(app) as client:
        health = client.get("/healthz")
        ready = client.get("/readyz")
        page = client.get("/scripts", headers={"accept": "application/json"}, follow_redirects=False)
    assert health.json()["status"] == "ok" and "set-cookie" not in health.headers
    assert ready.status_code == 200 and ready.json() == {"status": "ok"} and "set-cookie" not in ready.headers
    # anonymous: no session file, no session cookie (issue 15 finding 8); signed in, pages have one
    assert page.status_code == 401 and "huashu_session" not in page.headers.get("set-cookie", "")


def test_readyz_is_503_when_postgres_is_not_listening(app: Any) -> None:
    # port 1: nothing listens there; connect_timeout keeps a filtered port from hanging the test
    app.state.engine = create_engine("postgresql+psycopg://huashu@127.0.0.1:1/huashu", connect_args={"connect_timeout": 2})
    with TestClient(app) as client:
        r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["reason"].startswith("database: ")
    assert "127.0.0.1" in body["reason"] or "connection" in body["reason"].lower()


def test_readyz_is_503_when_the_sqlite_folder_is_gone(app: Any, tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    app.state.engine = make_engine(f"sqlite:///{gone / 'huashu.db'}")
    gone.rmdir()
    with TestClient(app) as client:
        r = client.get("/readyz")
    assert r.status_code == 503 and "unable to open database file" in r.json()["reason"]


def test_the_app_keeps_the_logging_that_serve_configured(tmp_path: Path) -> None:
    from huashu.core.logs import JsonFormatter, configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("info", json_lines=True)
        ours = root.handlers[0]
        settings = Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)
        app = create_app(settings, make_engine(settings.db_url), secure_cookies=False)
        with TestClient(app) as client:  # startup is where Litestar would install its own handler
            client.get("/healthz")
            handlers = root.handlers[:]
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    assert handlers == [ours] and isinstance(ours.formatter, JsonFormatter)


def test_web_metrics_carry_the_queue_depth_from_the_database(tmp_path: Path) -> None:
    """The web process dials nothing, but it knows from the database how many numbers wait."""
    from datetime import UTC, datetime

    from runtime.campaigns import tables as T

    settings = Settings(data_dir=tmp_path / "var", secret_key="test-secret-" + "x" * 32)
    engine = make_engine(settings.db_url)
    app = create_app(settings, engine, secure_cookies=False)
    with TestClient(app) as client:
        now = datetime.now(UTC)
        with engine.begin() as c:
            tid = c.execute(T.tasks.insert().values(name="q", business="b", status="running",
                                                    created_at=now, updated_at=now)).inserted_primary_key[0]
            c.execute(T.jobs.insert(), [{"task_id": tid, "run_id": 1, "business": "b", "created_at": now,
                                         "phone": f"+8613800000{i:03d}", "state": "queued"} for i in range(7)])
        r = client.get("/metrics")
    values = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for f in text_string_to_metric_families(r.text) for s in f.samples}
    assert values[("huashu_dial_queue_depth", (("campaign", str(tid)),))] == 7
