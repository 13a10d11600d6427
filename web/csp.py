"""The browser-side security headers of every response, and the API docs page made to live with them.

A Content-Security-Policy without inline script means that even if some text of a script, a
task or a call ever reached a page as markup, the browser would not run it: scripts load only
from this server's own files (``/static``, ``/vendor``). The pages therefore carry no inline
``<script>`` and no ``on...=`` handlers; JSON data for the scripts sits in
``<script type="application/json">`` blocks, which the browser never executes.

Styles: ``style-src 'self'`` refuses ``<style>`` blocks; ``style-src-attr 'unsafe-inline'`` keeps
``style="..."`` attributes working (progress bars in the operator pages, the chart library's
tooltips build them), which cannot run code.
"""

from __future__ import annotations

import html
import json
from typing import Any

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.types import Message, Scope

__all__ = ["CSP", "SECURITY_HEADERS", "add_security_headers", "SelfHostedSwagger", "SWAGGER_INIT"]

_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data: blob:",  # data: for the empty favicon and Swagger UI's icons
    "media-src": "'self' blob:",  # TTS previews play from a blob URL
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CSP = "; ".join(f"{k} {v}" for k, v in _DIRECTIVES.items())

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: every HTTP response gets :data:`SECURITY_HEADERS` -- pages, JSON,
    static files, and the 404/405 answers of the router, which app middleware never sees. A
    header the handler set itself is left as it is."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS:
        if name.decode() not in headers:
            headers[name.decode()] = value.decode()


SWAGGER_INIT = "/static/swagger-init.js"
_VENDOR = "/vendor/swagger-ui-dist"


def _json_block(value: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: the browser reads it raw (no entity
    decoding), so ``<``, ``>`` and ``&`` are written as JSON escapes, never as HTML ones."""
    if isinstance(value, bytes):
        value = json.loads(value or b"{}")
    text = json.dumps(value or {}, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class SelfHostedSwagger(SwaggerRenderPlugin):
    """Swagger UI without Litestar's inline start-up script (the CSP refuses it): the page names
    the spec URL and the CSRF cookie/header in data attributes, ``/static/swagger-init.js`` starts it."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        csrf = request.app.csrf_config
        data = {
            "spec-url": self.get_openapi_json_route(request),
            "csrf-cookie": csrf.cookie_name if csrf and not csrf.cookie_httponly else "",
            "csrf-header": csrf.header_name if csrf else "",
        }
        attrs = " ".join(f'data-{k}="{html.escape(v, quote=True)}"' for k, v in data.items())
        title = html.escape(str(openapi_schema.get("info", {}).get("title", "API")))
        page = f"""<!DOCTYPE html><html><head><title>{title}</title>{self.favicon}
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link href="{html.escape(self.css_url, quote=True)}" rel="stylesheet">
<script src="{html.escape(self.js_url, quote=True)}"></script>
<script src="{html.escape(self.standalone_preset_js_url, quote=True)}"></script>
<script src="{SWAGGER_INIT}" defer></script>
</head><body><div id="swagger-container" {attrs}></div>
<script type="application/json" id="swagger-oauth">{_json_block(self.init_oauth)}</script>
</body></html>"""
        return page.encode("utf-8")

    @staticmethod
    def render_oauth2_redirect() -> bytes:
        """Swagger UI's OAuth2 redirect page, its script from the package (Litestar's copy is inline)."""
        return (f'<!doctype html><html lang="en-US"><body><script src="{_VENDOR}/oauth2-redirect.js"></script>'
                "</body></html>").encode()
