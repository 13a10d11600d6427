"""``/oauth/token`` and ``/api/v1``: configuration, tasks, numbers, status, calls, reach, privacy.

One controller per area (:mod:`web.api.config`, :mod:`~web.api.tasks`, :mod:`~web.api.calls`,
:mod:`~web.api.reach_routes`, :mod:`~web.api.privacy_routes`, :mod:`~web.api.token`), each naming
the scope its area needs once in ``opt`` (a write overrides it); the bearer guard and the
engine/settings dependencies are set once, here, on the ``/api/v1`` router. The guard turns a
missing/unknown/expired bearer token into 401 and a missing scope into 403. Every error has one
JSON shape per surface (``web.api.errors``): ``/api`` answers ``{"error", "status", "detail",
"status_code"[, "extra"]}``, ``/oauth`` answers RFC 6749's ``{"error", "error_description"}``.
Malformed bodies are 400 from Litestar's validation; the service's :class:`UserError` is 400
(404 :class:`NotFound`, 409 :class:`Conflict`) with its message.
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)

from web.api.calls import CallsController
from web.api.config import ConfigController
from web.api.deps import bearer_guard
from web.api.errors import error_response
from web.api.privacy_routes import PrivacyController
from web.api.reach_routes import CallerIdController, TaskReachController
from web.api.tasks import MAX_NUMBERS, TasksController
from web.api.token import OAuthController

__all__ = ["router", "MAX_NUMBERS"]

_v1 = Router(
    path="/api/v1",
    route_handlers=[ConfigController, TasksController, CallsController, CallerIdController, TaskReachController,
                    PrivacyController],
    guards=[bearer_guard],
)

# every exception under /api and /oauth, Litestar's own included, answered in the surface's shape;
# the classes the app's own handler names are named again, or its handler would win (by the MRO)
_HANDLERS: dict[Any, Any] = dict.fromkeys(
    (HTTPException, NotAuthorizedException, PermissionDeniedException, NotFoundException, ValidationException, Exception),
    error_response,
)
router = Router(path="/", route_handlers=[OAuthController, _v1], exception_handlers=_HANDLERS)
