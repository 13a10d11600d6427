"""The web application: pages for designers, reviewers and operators, plus the REST API.

``create_app`` wires configuration, the database, server-side sessions and the signed-in user
(:mod:`web.auth.middleware`), CSRF, the dependencies (:mod:`web.deps`), the htmx and flash
plugins, templates and static files; the routes are one ``Controller`` per area in
``web.auth.routes``, ``web.pages``, ``web.operator``, ``web.analytics`` and ``web.api``.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.flash import FlashConfig, FlashPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler
from sqlalchemy import text
from sqlalchemy.engine import Engine

from huashu import __version__
from huashu.core import metrics
from huashu.core.config import Settings, get_settings
from huashu.core.db import init_db, make_engine
from huashu.core.logs import protect_access_log
from huashu.core.private_files import private_dir
from web.analytics.routes import TEMPLATES as ANALYTICS_TEMPLATES
from web.analytics.routes import router as analytics_router
from web.api import errors as api_errors
from web.api.routes import router as api_router
from web.audit_context import AuditContextMiddleware
from web.auth.middleware import SessionUserMiddleware
from web.auth.routes import SESSION_COOKIE, AuthController
from web.bad_input import IdRangeMiddleware, bad_input_message
from web.csp import SelfHostedSwagger, add_security_headers
from web.deps import DEPENDENCIES, EngineDep
from web.launch.routes import LaunchController, TaskProgressController
from web.operator.routes import router as operator_router
from web.pages import page_routes
from web.render import is_htmx, page, wants_html
from web.secret import server_secret
from web.sessions import SessionConfig, session_sweeper

__all__ = ["create_app", "WEB_DIR", "MAX_UPLOAD_BYTES", "SESSION_MAX_AGE_S", "AREA_ROUTERS"]

WEB_DIR = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 12 * 1024 * 1024  # a 10 MB script plus the multipart envelope; more is refused early
SESSION_MAX_AGE_S = 8 * 3600
# Middleware exclusions are regular expressions searched anywhere in the path: each one is
# anchored at the start and ends at a path-segment boundary, so a user named "apibob", a script
# id "api-bill" or "static-probe" is never exempt (issue 15, finding 3).
_STATIC_PREFIXES = ["^/static/", "^/vendor/"]
# Only these take no CSRF token: the bearer-token API and the OAuth token endpoint (a client
# without a browser session); every form and fetch of the pages carries one.
_CSRF_EXEMPT = ["^/api/", "^/oauth/token$"]
# Probes and scrapes: no session, no login (a scraper has no account); their handlers opt out
# of CSRF. Anchored: the middleware searches the path, and "/metrics" must not exempt
# "/operator/metrics".
_PROBE_PATHS = ["^/healthz$", "^/readyz$", "^/metrics$"]
# No session user to load for these: files, probes, and the API (bearer tokens, its own guard).
_NO_USER = [*_STATIC_PREFIXES, *_PROBE_PATHS, "^/api/", "^/oauth/"]
_log = logging.getLogger(__name__)


@get("/healthz", exclude_from_csrf=True, include_in_schema=False, sync_to_thread=False)
def _healthz() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


def _database_problem(engine: Engine) -> str | None:
    """None when the database answers ``SELECT 1``, else why not (its first line)."""
    try:
        with engine.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as e:  # any driver error means "not ready", with the driver's reason
        return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return None


@get("/readyz", exclude_from_csrf=True, include_in_schema=False, sync_to_thread=True)
def _readyz(engine: EngineDep) -> Response[dict[str, str]]:
    """Ready = the database answers; 503 with the reason otherwise (the load balancer waits)."""
    problem = _database_problem(engine)
    if problem is not None:
        return Response({"status": "unavailable", "reason": f"database: {problem}"}, status_code=503)
    return Response({"status": "ok"}, status_code=200)


@get("/metrics", exclude_from_csrf=True, include_in_schema=False, sync_to_thread=True)
def _metrics(engine: EngineDep) -> Response[bytes]:
    """The web process's own figures (TTS previews, ...) plus what the database knows for the
    whole deployment: numbers queued per running campaign. Calls up, attempts and connect
    rate come from each runtime node's own /metrics (they are counted where the calls run)."""
    with contextlib.suppress(Exception):  # a database hiccup must not fail the scrape; /readyz says it
        from runtime.health import sample_queue_depth

        sample_queue_depth(engine)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def _logging_choice() -> dict[str, Any]:
    """Leave logging alone when the process has configured it (``huashu serve`` sets JSON or
    text lines before the app loads); Litestar's default setup otherwise, which would
    replace the root handler and its format."""
    return {"logging_config": None} if logging.getLogger().handlers else {}


# The API docs page loads its renderer from web/node_modules through /vendor: it must work on
# a network without internet (no CDN script, no Google Fonts, no remote favicon).
_SWAGGER = "/vendor/swagger-ui-dist"


def _openapi_config() -> OpenAPIConfig:
    """``/schema`` renders Swagger UI from the npm package ``swagger-ui-dist``; the JSON stays at
    ``/schema/openapi.json`` (schemathesis and generated clients read it)."""
    docs = SelfHostedSwagger(
        js_url=f"{_SWAGGER}/swagger-ui-bundle.js",
        css_url=f"{_SWAGGER}/swagger-ui.css",
        standalone_preset_js_url=f"{_SWAGGER}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{_SWAGGER}/favicon-32x32.png'>",
        path="/",
    )
    return OpenAPIConfig(title="Huashu", version=__version__, path="/schema", render_plugins=[docs])


def _is_loopback(host: str) -> bool:
    return host in {"127.0.0.1", "localhost", "::1"}


def _error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """HTML for browser navigations (sign-in redirect, error page), JSON for fetch and htmx.

    Under ``/api`` and ``/oauth`` the API's own shapes, for routing errors (404/405) too: those
    never reach the API router's handlers."""
    if api_errors.handles(request.url.path):
        return api_errors.error_response(request, exc)
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    if (bad := bad_input_message(exc, request.scope.get("path_params"))) is not None:
        status, detail = HTTP_400_BAD_REQUEST, bad
    if status == 500:
        _log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    if status == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        detail = f"the upload is too large (the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB)"
    if wants_html(request) and not is_htmx(request):
        if isinstance(exc, NotAuthorizedException):
            return Redirect(path=f"/login?next={request.url.path}")
        resp: Response[Any] = page(request, "error.html", status_code=status, status=status, detail=detail)
        return resp
    return Response({"error": detail, "status": status}, status_code=status)


# The areas beside the designer's pages; the names are what templates test in ``areas`` (the
# navigation shows the mounted areas). Plain imports: a missing module stops the start.
AREA_ROUTERS: dict[str, ControllerRouterHandler] = {
    "api": api_router,
    "operator": operator_router,
    "analytics": analytics_router,
}


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    *,
    secure_cookies: bool | None = None,
    debug: bool = False,
) -> Litestar:
    """Build the app. ``secure_cookies`` defaults to True unless the server listens on loopback only."""
    settings = settings or get_settings()
    settings.ensure_dirs()
    protect_access_log()  # query strings with client_secret/access_token never reach the access log
    if engine is None:
        engine = make_engine(settings.db_url)
    init_db(engine)
    secure = (not _is_loopback(settings.host)) if secure_cookies is None else secure_cookies
    secret = server_secret(settings)
    sessions_dir = private_dir(Path(settings.data_dir) / "sessions")

    handlers: list[ControllerRouterHandler] = [_healthz, _readyz, _metrics, AuthController, *page_routes(),
                                               LaunchController, TaskProgressController]
    handlers.append(
        create_static_files_router(path="/static", directories=[WEB_DIR / "static"], include_in_schema=False)
    )
    handlers.append(
        create_static_files_router(path="/vendor", directories=[WEB_DIR / "node_modules"], include_in_schema=False)
    )
    handlers.extend(AREA_ROUTERS.values())

    session_config = SessionConfig(  # no session for anonymous requests (web.sessions)
        store="sessions",
        key=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        secure=secure,
        httponly=True,
        samesite="lax",
        exclude=[*_STATIC_PREFIXES, *_PROBE_PATHS],
    )
    csrf_config = CSRFConfig(
        secret=secret,
        cookie_name="huashu_csrf",
        header_name="x-csrftoken",
        cookie_secure=secure,
        cookie_samesite="lax",
        exclude=[*_CSRF_EXEMPT, *_STATIC_PREFIXES],
    )
    # one loader for every area's templates (the analytics pages extend the shared base.html)
    template_config = TemplateConfig(directory=[WEB_DIR / "templates", ANALYTICS_TEMPLATES],
                                     engine=JinjaTemplateEngine)
    stores: dict[str, Any] = {
        "sessions": FileStore(sessions_dir, create_directories=True) if not debug else MemoryStore()  # files 0600
    }
    app = Litestar(
        route_handlers=handlers,
        middleware=[IdRangeMiddleware(), session_config.middleware,
                    DefineMiddleware(SessionUserMiddleware, exclude=_NO_USER), AuditContextMiddleware],
        dependencies=DEPENDENCIES,
        plugins=[HTMXPlugin(), FlashPlugin(FlashConfig(template_config=template_config))],
        before_send=[add_security_headers],
        csrf_config=csrf_config,
        stores=stores,
        template_config=template_config,
        openapi_config=_openapi_config(),
        exception_handlers={
            HTTPException: _error_response,
            NotAuthorizedException: _error_response,
            PermissionDeniedException: _error_response,
            NotFoundException: _error_response,
            Exception: _error_response,
        },
        request_max_body_size=MAX_UPLOAD_BYTES,
        lifespan=[session_sweeper],  # expired sessions deleted at start and every 10 minutes
        debug=debug,
        **_logging_choice(),
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.areas = frozenset(AREA_ROUTERS)
    return app
