"""Secrets never reach the logs: a client secret or token sent in a query string is redacted in
uvicorn's access line (it was written verbatim), with ``huashu serve``'s logging configuration
and with uvicorn's own default one."""

from __future__ import annotations

import logging
import logging.config
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from huashu.core.logs import RedactSecrets, logging_config, redact
from tests.support.secserver_app import make_app, make_settings
from web.testing import free_port

_SECRETS = {"client_secret": "S3cretClient", "access_token": "AccessTok42", "password": "Hunter2pw", "token": "PlainTok7"}


def test_redact_keeps_other_parameters() -> None:
    assert redact("/oauth/token?grant_type=client_credentials&client_secret=abc&scope=x") == (
        "/oauth/token?grant_type=client_credentials&client_secret=[REDACTED]&scope=x")
    assert redact("/x?next=/scripts&tokens=3") == "/x?next=/scripts&tokens=3"
    assert redact("/x?ACCESS_TOKEN=abc") == "/x?ACCESS_TOKEN=[REDACTED]"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = saved, level
    logging.getLogger("uvicorn.access").filters.clear()


def _serve_and_request(tmp_path: Path, log_config: dict[str, object] | None, watch: logging.Handler | None = None) -> None:
    """Serve the app with uvicorn, send two requests with credentials in the query string.
    ``watch``: put on uvicorn's access logger once uvicorn has configured logging."""
    app = make_app(make_settings(tmp_path / "var"), users=())
    port = free_port()
    kw: dict[str, Any] = {"log_config": log_config} if log_config is not None else {}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=True, log_level="info", **kw))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    if watch is not None:
        logging.getLogger("uvicorn.access").addHandler(watch)
    try:
        query = "&".join(f"{k}={v}" for k, v in _SECRETS.items())
        httpx.get(f"http://127.0.0.1:{port}/healthz?{query}")
        httpx.post(f"http://127.0.0.1:{port}/oauth/token?{query}", data={"grant_type": "client_credentials"})
    finally:
        server.should_exit = True
        t.join(timeout=10)


def test_the_access_log_of_a_served_request_has_no_secret(tmp_path: Path, restore_logging: None,
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    """``huashu serve``'s configuration: JSON lines on stderr."""
    _serve_and_request(tmp_path, logging_config("INFO", json_lines=True))
    err = capfd.readouterr().err
    lines = [line for line in err.splitlines() if "/healthz" in line or "/oauth/token" in line]
    assert len(lines) >= 2, err
    for value in _SECRETS.values():
        assert value not in err, err
    assert "client_secret=[REDACTED]" in err


def test_uvicorns_default_log_config_is_redacted_too(tmp_path: Path, restore_logging: None) -> None:
    """``uvicorn web.asgi:app`` without huashu's configuration: the app puts the filter on the
    access logger itself, so any handler sees redacted lines."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    access = logging.getLogger("uvicorn.access")
    access.filters.clear()
    keep = Keep()
    try:
        _serve_and_request(tmp_path, None, watch=keep)
    finally:
        access.removeHandler(keep)
    assert any("/healthz" in r for r in records), records
    assert any(isinstance(f, RedactSecrets) for f in access.filters)
    for value in _SECRETS.values():
        assert all(value not in r for r in records), records
