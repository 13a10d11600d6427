"""The app every API test runs against: a fresh SQLite database with the library's
``data-pack-upgrade`` script approved, behind the real ``web.app.create_app``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlmodel import Session

from designer import store
from huashu.core.config import Settings
from huashu.core.db import init_db, make_engine

LIB = Path(__file__).resolve().parents[2] / "scripts_library"


@pytest.fixture
def app_env(tmp_path):
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'api.db'}", secret_key="test-secret")
    engine = make_engine(settings.db_url)
    init_db(engine)
    with Session(engine) as s:
        v = store.import_document(s, json.loads((LIB / "data_pack_upgrade.json").read_text()), actor="d")
        store.submit(s, v.script_id, v.number, actor="d")
        store.approve(s, v.script_id, v.number, actor="r")
        s.commit()
    app = create_app(settings, engine, debug=True)
    with TestClient(app) as client:
        yield client, engine
    engine.dispose()
