"""Property-based tests of the REST API with schemathesis against the OpenAPI the app serves:
no input the schema allows (or a malformed one) may produce a server error or a non-JSON answer."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance
from sqlmodel import Session

from designer import store
from runtime.config import Settings
from runtime.db import init_db, make_engine
from web.api.oauth import create_client, issue_token

_TMP = Path(tempfile.mkdtemp(prefix="hs_api_st_"))
_SETTINGS = Settings(data_dir=_TMP, database_url=f"sqlite:///{_TMP / 'api.db'}", secret_key="schemathesis")
_ENGINE = make_engine(_SETTINGS.db_url)
init_db(_ENGINE)
with Session(_ENGINE) as _s:
    _v = store.import_document(
        _s, json.loads((Path(__file__).resolve().parents[2] / "scripts_library" / "data_pack_upgrade.json").read_text()), actor="d"
    )
    store.submit(_s, _v.script_id, _v.number, actor="d")
    store.approve(_s, _v.script_id, _v.number, actor="r")
    _s.commit()
_CID, _SECRET = create_client(_ENGINE, "schemathesis", "config:read tasks:read tasks:write calls:read")
_TOKEN = issue_token(_ENGINE, _CID, _SECRET).access_token


def _app():
    from web.app import create_app

    return create_app(_SETTINGS, _ENGINE, debug=True)


schema = schemathesis.openapi.from_asgi("/schema/openapi.json", _app()).include(path_regex=r"^/(api/v1|oauth)/")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_on_generated_input(case):
    headers = {"Authorization": f"Bearer {_TOKEN}"}
    case.call_and_validate(headers=headers, checks=[not_a_server_error, content_type_conformance, response_schema_conformance])
