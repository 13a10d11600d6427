"""``POST /oauth/token``: OAuth2 client credentials (RFC 6749 section 4.4) -> a bearer token.

Errors take RFC 6749's shape (``web.api.errors.oauth_error``). Attempts are counted per client
and address before argon2 runs (``web.auth.throttle``), in a worker thread; argon2 runs in its
own pool (``web.auth.hashing_pool``): nothing here holds the event loop.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import URLEncodedBody

from web.api.errors import oauth_error
from web.api.oauth import OAuthError, issue_token
from web.api.schemas import TokenOut
from web.auth import throttle
from web.auth.hashing_pool import off_loop
from web.auth.routes import client_address
from web.deps import EngineDep

__all__ = ["OAuthController"]

_FORM = "application/x-www-form-urlencoded"


@dataclass
class TokenRequest:
    grant_type: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    scope: str | None = None


@dataclass
class OAuthErrorOut:
    """RFC 6749 section 5.2."""

    error: str
    error_description: str


_OAUTH_ERRORS = {
    400: ResponseSpec(data_container=OAuthErrorOut, description="RFC 6749 error: invalid_request, unsupported_grant_type, "
                      "invalid_scope"),
    401: ResponseSpec(data_container=OAuthErrorOut, description="RFC 6749 error: invalid_client"),
    429: ResponseSpec(data_container=OAuthErrorOut, description="slow_down: too many attempts for this client or "
                      "address; retry after the Retry-After header's seconds"),
}


def _not_a_token_form(request: Request[Any, Any, Any], data: TokenRequest) -> str | None:
    """Why the request is not an RFC 6749 token request (a JSON body, no body, no grant_type),
    or None. Said plainly: a JSON body parses as an empty form, and "unsupported_grant_type"
    would send the caller looking at the wrong thing."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == _FORM and data.grant_type:
        return None
    got = "no body" if not media_type else (f"Content-Type {media_type}" if media_type != _FORM else "no grant_type")
    return f"the token request must be {_FORM} with grant_type=client_credentials (got {got})"


def _credentials(request: Request[Any, Any, Any], data: TokenRequest) -> tuple[str | None, str | None] | None:
    """The client id and secret from HTTP Basic auth, else from the body; None if the Basic
    header is not base64 of ``id:secret`` text."""
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return data.client_id, data.client_secret
    try:
        client_id, _, secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, secret


class OAuthController(Controller):
    path = "/oauth"
    tags = ["oauth"]

    @post("/token", status_code=200, summary="Client credentials -> access token", responses=_OAUTH_ERRORS)
    async def token(self, request: Request[Any, Any, Any], engine: EngineDep,
                    data: URLEncodedBody[TokenRequest]) -> Response[TokenOut]:
        """RFC 6749 4.4: ``grant_type=client_credentials`` with the client id and secret in the
        body or in HTTP Basic auth; optional ``scope`` (a subset of the client's)."""
        problem = _not_a_token_form(request, data)
        if problem:
            return oauth_error("invalid_request", problem)
        credentials = _credentials(request, data)
        if credentials is None:
            return oauth_error("invalid_client", "malformed Basic credentials", 401)
        client_id, secret = credentials
        if data.grant_type != "client_credentials":
            return oauth_error("unsupported_grant_type", "only grant_type=client_credentials is supported")
        if not client_id or not secret:
            return oauth_error("invalid_request", "client_id and client_secret are required")
        account, address = ("client", client_id[:100]), client_address(request)
        refused = await anyio.to_thread.run_sync(throttle.begin, engine, account, address, time.time())
        if refused is not None:
            return oauth_error("slow_down", f"too many token requests; retry in {refused.retry_after_s} s", 429,
                               {"Retry-After": str(refused.retry_after_s)})
        try:
            issued = await off_loop(issue_token, engine, client_id, secret, data.scope)
        except OAuthError as e:
            return oauth_error(e.code, e.description, e.status)
        await anyio.to_thread.run_sync(throttle.succeeded, engine, account, address)
        return Response(TokenOut(access_token=issued.access_token, token_type="Bearer", expires_in=issued.expires_in,  # noqa: S106 (a scheme name)
                                 scope=issued.scope), headers={"Cache-Control": "no-store"})
