"""The app every API test runs against: a fresh SQLite database with the library's
``data-pack-upgrade`` script approved, behind the real ``web.app.create_app``."""

from __future__ import annotations

import pytest

from tests.support.web_client import api_app


@pytest.fixture
def app_env(tmp_path):
    with api_app(tmp_path) as env:
        yield env
