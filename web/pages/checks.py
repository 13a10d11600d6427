"""The editor's live check (validation + QA of the draft on screen) and test talk.

Both take the document in the request body rather than reading the stored draft: the panel
must show findings for what the user sees now, even while an autosave is in flight. Findings
come in the UI language (the ``lang`` cookie / Accept-Language, or ``"lang"`` in the body).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.exceptions import ClientException
from litestar.params import JSONBody
from litestar.types import ControllerRouterHandler

from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.checking import check_document
from web.render import language_of, translator

__all__ = ["check_routes"]


@post("/check", guards=[require_permission], opt={"permission": Permission.VIEW_SCRIPTS}, sync_to_thread=True, status_code=200)
def check_draft(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    doc = data.get("doc")
    if not isinstance(doc, dict):
        raise ClientException("the body must be {\"doc\": <script document>}")
    lang = data.get("lang") or language_of(request)
    if lang not in ("zh", "en"):
        raise ClientException(f"\"lang\" must be \"zh\" or \"en\", not {lang!r}")
    return check_document(doc, lang)


@post("/talk", guards=[require_permission], opt={"permission": Permission.TEST_TALK}, sync_to_thread=True, status_code=200)
def test_talk(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    from web.talk import TalkError, replay

    doc = data.get("doc")
    replies = data.get("replies", [])
    variables = data.get("variables") or {}
    if not isinstance(doc, dict) or not isinstance(replies, list) or not isinstance(variables, dict):
        raise ClientException("the body must be {\"doc\": {...}, \"replies\": [...], \"variables\": {...}}")
    try:
        return replay(doc, variables, replies, translator(request))
    except TalkError as e:
        raise ClientException(str(e)) from None


def check_routes() -> list[ControllerRouterHandler]:
    return [check_draft, test_talk]
