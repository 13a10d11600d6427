"""The editor's live check (validation + QA of the draft on screen), test talk, and the script test
lab's regression case.

They take the document in the request body rather than reading the stored draft: the panel
must show findings for what the user sees now, even while an autosave is in flight. Findings
come in the UI language (the ``lang`` cookie / Accept-Language, or ``"lang"`` in the body).
A test-talk conversation becomes a case (replies plus the path and intent they take now),
which the editor puts into the draft's ``cases`` and saves like any other edit; the attack
itself comes with ``POST /check`` (``"attack"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Controller, post
from litestar.exceptions import ClientException

from web.auth.guards import require_permission
from web.auth.roles import Permission
from web.checking import check_document
from web.deps import LangDep, TranslatorDep
from web.i18n.errors import say_error

__all__ = ["LabController", "CheckBody", "TalkBody", "CaseBody"]


# The JSON bodies. Fields are ``Any`` on purpose: the handler checks each one's shape and says
# what the body must be in its own words, where a decoder error would name a type instead.
@dataclass
class CheckBody:
    """``{"doc": <script document>, "lang": "zh" | "en"}`` (``lang`` defaults to the page's)."""

    doc: Any = None
    lang: Any = None


@dataclass
class TalkBody:
    """``{"doc": {...}, "replies": [...], "variables": {...}}``."""

    doc: Any = None
    replies: Any = field(default_factory=list)
    variables: Any = None


@dataclass
class CaseBody:
    """``{"doc": {...}, "name": "...", "replies": [...], "variables": {...}}``."""

    doc: Any = None
    name: Any = None
    replies: Any = None
    variables: Any = None


class LabController(Controller):
    """CPU work on a posted document: every handler runs in a worker thread."""

    path = "/"
    guards = [require_permission]
    opt = {"permission": Permission.VIEW_SCRIPTS}

    @post("/check", sync_to_thread=True, status_code=200)
    def check_draft(self, lang: LangDep, data: CheckBody) -> dict[str, Any]:
        doc = data.doc
        if not isinstance(doc, dict):
            raise ClientException("the body must be {\"doc\": <script document>}")
        lang = data.lang or lang
        if lang not in ("zh", "en"):
            raise ClientException(f"\"lang\" must be \"zh\" or \"en\", not {lang!r}")
        return check_document(doc, lang)

    @post("/talk", opt={"permission": Permission.TEST_TALK}, sync_to_thread=True, status_code=200)
    def test_talk(self, data: TalkBody, t: TranslatorDep) -> dict[str, Any]:
        from web.talk import TalkError, replay

        doc, replies, variables = data.doc, data.replies, data.variables or {}
        if not isinstance(doc, dict) or not isinstance(replies, list) or not isinstance(variables, dict):
            raise ClientException("the body must be {\"doc\": {...}, \"replies\": [...], \"variables\": {...}}")
        try:
            return replay(doc, variables, replies, t)
        except TalkError as e:
            raise ClientException(say_error(t, e, prefix="talk.")) from None

    @post("/lab/case", opt={"permission": Permission.EDIT_SCRIPTS}, sync_to_thread=True, status_code=200)
    def make_case(self, data: CaseBody) -> dict[str, Any]:
        from designer.schema import schema_errors
        from runtime.lab.suites import CaseError, case_from_replies

        doc, name, replies, variables = data.doc, data.name, data.replies, data.variables or {}
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
