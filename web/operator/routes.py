"""The operator pages as one Litestar ``Router`` of controllers (mounted by ``web.app``)."""

from __future__ import annotations

from litestar import Router

from web.operator.blacklist_routes import BlacklistController
from web.operator.call_routes import CallsController
from web.operator.reach_routes import CallerIdsController, ReachController
from web.operator.recording import RecordingController
from web.operator.settings_routes import SettingsController
from web.operator.task_routes import TasksController, operator_home

__all__ = ["router"]

router = Router(
    path="/",
    route_handlers=[operator_home, TasksController, CallsController, RecordingController, BlacklistController,
                    SettingsController, CallerIdsController, ReachController],
)
