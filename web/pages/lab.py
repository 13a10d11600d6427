"""The script test lab's JSON endpoint: a test-talk conversation saved as a regression case.

The editor sends the draft on screen with the replies so far; the answer is the case (replies
plus the path and intent they take now), which the editor puts into the draft's ``cases`` and
saves like any other edit. The attack itself comes with ``POST /check`` (``"attack"``).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import ClientException
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from web.auth.guards import require_permission
from web.auth.roles import Permission

__all__ = ["lab_routes"]


@post("/lab/case", guards=[require_permission], opt={"permission": Permission.EDIT_SCRIPTS}, sync_to_thread=True,
      status_code=200)
def make_case(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    from designer.schema import schema_errors
    from runtime.lab.suites import CaseError, case_from_replies

    doc, name = data.get("doc"), data.get("name")
    replies, variables = data.get("replies"), data.get("variables") or {}
    if not isinstance(doc, dict) or not isinstance(name, str) or not isinstance(replies, list) \
            or not isinstance(variables, dict):
        raise ClientException('the body must be {"doc": {...}, "name": "...", "replies": [...], "variables": {...}}')
    errors = schema_errors(doc)
    if errors:
        raise ClientException(f"fix the script's structure first: {errors[0].path}: {errors[0].message}")
    texts = [r.get("text", "") if isinstance(r, dict) else r for r in replies]
    texts = ["<silence>" if isinstance(r, dict) and r.get("silence") else t for r, t in zip(replies, texts, strict=True)]
    if not all(isinstance(t, str) for t in texts):
        raise ClientException("every reply must be text or {\"silence\": true}")
    try:
        return {"case": case_from_replies(doc, name, [t or "<silence>" for t in texts], variables)}
    except CaseError as e:
        raise ClientException(str(e)) from None


def lab_routes() -> list[ControllerRouterHandler]:
    return [make_case]
