"""The pages and the JSON endpoints the pages call: one controller per screen."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

__all__ = ["page_routes"]


def page_routes() -> list[ControllerRouterHandler]:
    from web.pages.audit import AuditController
    from web.pages.editor import EditorController
    from web.pages.lab import LabController
    from web.pages.privacy import PrivacyController
    from web.pages.review import ReviewController, ReviewQueueController
    from web.pages.scripts import ScriptsController, home
    from web.pages.speech import SpeechController
    from web.pages.users import UsersController

    return [home, ScriptsController, EditorController, ReviewController, ReviewQueueController, LabController,
            SpeechController, UsersController, AuditController, PrivacyController]
