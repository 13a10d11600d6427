"""The pages and the JSON endpoints the pages call, grouped one module per screen."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

__all__ = ["page_routes"]


def page_routes() -> list[ControllerRouterHandler]:
    from web.pages.audit import audit_routes
    from web.pages.checks import check_routes
    from web.pages.editor import editor_routes
    from web.pages.lab import lab_routes
    from web.pages.privacy import privacy_routes
    from web.pages.review import review_routes
    from web.pages.scripts import script_routes
    from web.pages.speech import speech_routes
    from web.pages.users import user_routes

    return [*script_routes(), *editor_routes(), *review_routes(), *check_routes(), *lab_routes(), *speech_routes(),
            *user_routes(), *audit_routes(), *privacy_routes()]
