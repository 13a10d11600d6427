"""The operator pages as one Litestar ``Router`` (mounted by ``web.app`` when this module exists)."""

from __future__ import annotations

from litestar import Router

from web.operator.blacklist_routes import blacklist_routes
from web.operator.call_routes import call_routes
from web.operator.reach_routes import reach_routes
from web.operator.recording import recording_routes
from web.operator.settings_routes import settings_routes
from web.operator.task_routes import task_routes

__all__ = ["router"]

router = Router(
    path="/",
    route_handlers=[*task_routes(), *call_routes(), *recording_routes(), *blacklist_routes(), *settings_routes(),
                    *reach_routes()],
)
