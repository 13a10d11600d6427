"""``/schema/openapi.json`` documents every body of the API: each ``/api/v1`` (and ``/oauth``)
operation that takes a body names a typed request schema, and each answers a 2xx schema with
properties (an object's, or a list's items'), so a generated client knows every field. A
handler returning ``dict[str, Any]`` shows as a bare object and fails here."""

from __future__ import annotations

from typing import Any

import pytest

_BODY_METHODS = ("post", "put", "patch")
_METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _has_properties(spec: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """An object schema with declared properties, directly or as a list's items (a list of
    typed rows is documented); a ``oneOf``/``anyOf`` of them counts when every branch does."""
    if not schema:
        return False
    schema = _resolve(spec, schema)
    if schema.get("type") == "array":
        return _has_properties(spec, schema.get("items"))
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [b for b in schema[key] if _resolve(spec, b).get("type") != "null"]
            return bool(branches) and all(_has_properties(spec, b) for b in branches)
    return bool(schema.get("properties"))


def _json_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    for media in (content or {}).values():
        return media.get("schema")
    return None


def _problems(spec: dict[str, Any]) -> list[str]:
    out = []
    for path, item in spec["paths"].items():
        if not path.startswith(("/api/v1", "/oauth")):
            continue
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{method.upper()} {path}"
            if method in _BODY_METHODS and not _has_properties(spec, _json_schema(op.get("requestBody", {}).get("content"))):
                out.append(f"{where}: no typed request body")
            ok = {code: r for code, r in op.get("responses", {}).items() if code.startswith("2")}
            if not ok:
                out.append(f"{where}: no 2xx response")
            for code, resp in ok.items():
                if code == "204":
                    continue  # no content, by definition
                if not _has_properties(spec, _json_schema(resp.get("content"))):
                    out.append(f"{where}: the {code} answer has no schema with properties")
    return out


@pytest.fixture
def spec(app_env: Any) -> dict[str, Any]:
    client, _ = app_env
    r = client.get("/schema/openapi.json")
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def test_every_api_operation_documents_its_bodies(spec: dict[str, Any]) -> None:
    ops = [p for p in spec["paths"] if p.startswith("/api/v1")]
    assert len(ops) >= 15, ops  # the walk below saw the API, not an empty schema
    assert _problems(spec) == []


def test_the_check_catches_an_untyped_answer_and_a_missing_body(spec: dict[str, Any]) -> None:
    """The check itself, on a copy of the real schema with one answer and one body made bare."""
    import copy

    bad = copy.deepcopy(spec)
    bad["paths"]["/api/v1/tasks"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "object"}
    del bad["paths"]["/api/v1/tasks/{task_id}/status"]["post"]["requestBody"]
    assert sorted(_problems(bad)) == ["GET /api/v1/tasks: the 200 answer has no schema with properties",
                                      "POST /api/v1/tasks/{task_id}/status: no typed request body"]


def test_a_task_is_one_shape_in_and_out(spec: dict[str, Any]) -> None:
    """The body and the answer are TaskSpec's fields: the body renames ``schedule_kind`` to
    ``schedule`` and leaves out ``once_at``; the answer adds what the store gives a task."""
    from dataclasses import fields

    from runtime.campaigns.models import CallTask
    from runtime.campaigns.tasks import TaskSpec

    schemas = spec["components"]["schemas"]
    spec_fields = {f.name for f in fields(TaskSpec)}
    task_in = set(schemas["TaskIn"]["properties"])
    assert task_in == (spec_fields - {"once_at", "schedule_kind"}) | {"schedule"}
    assert "script_id" in schemas["TaskIn"]["required"]
    task_out = set(schemas["TaskOut"]["properties"])
    assert task_out == spec_fields | {"id", "status", "created_at", "updated_at", "progress"}
    assert task_out - {"progress"} == set(CallTask.model_fields)  # every stored column, nothing else


def test_row_answers_publish_every_column_of_their_table() -> None:
    """An answer built from a table's rows names each of its columns (``row`` takes only the
    declared fields, so a column missing here would silently drop out of the API)."""
    from dataclasses import fields

    from runtime.campaigns import tables as T
    from runtime.campaigns.callerid.store import numbers_t, pools_t
    from runtime.campaigns.sms.store import M, R
    from web.api.schemas import CallDetailOut, PoolNumberOut, PoolOut, SmsMessageOut, SmsRuleOut

    cases = [(CallDetailOut, T.attempts, {"customer_id", "name"}), (PoolOut, pools_t, {"numbers"}),
             (PoolNumberOut, numbers_t, {"day", "attempts", "answered", "early_hangups", "answer_rate", "early_rate",
                                         "effective_cap", "rested"}),
             (SmsRuleOut, R, {"length"}), (SmsMessageOut, M, {"rule"})]
    for cls, table, extra in cases:
        assert {f.name for f in fields(cls)} == {c.name for c in table.columns} | extra, cls.__name__
