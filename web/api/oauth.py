"""OAuth2 client credentials (RFC 6749 section 4.4): clients, token issue and token checks.

The paper's ClientId / ClientSecret -> AccessToken. Secrets are shown once at creation and
kept as argon2 hashes; tokens are random, kept as sha256 hashes, expire, and carry scopes
that are a subset of the client's.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from huashu.core.errors import UserError
from runtime.audit.log import record as audit_record
from runtime.campaigns.clock import as_utc, utcnow
from web.api.models import SCOPES, ApiClient, ApiToken

__all__ = ["OAuthError", "Issued", "Principal", "create_client", "issue_token", "check_token", "revoke_client", "list_clients",
           "TOKEN_TTL_S"]

TOKEN_TTL_S = 3600
_hasher = PasswordHasher()


class OAuthError(Exception):
    """An RFC 6749 error: ``code`` is the ``error`` value, ``status`` the HTTP status."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status


@dataclass(frozen=True, slots=True)
class Issued:
    access_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True, slots=True)
class Principal:
    client_id: str
    scopes: frozenset[str]


def _scopes(text: str | None) -> frozenset[str]:
    return frozenset(s for s in (text or "").split() if s)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(engine: Engine, name: str, scopes: str, created_by: str | None = None) -> tuple[str, str]:
    """Returns (client_id, client_secret); the secret is not stored and cannot be shown again."""
    wanted = _scopes(scopes)
    unknown = sorted(wanted - set(SCOPES))
    if unknown or not wanted:
        raise UserError(f"unknown scope(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(SCOPES)}")
    client_id = "hs_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with Session(engine) as s:
        s.add(ApiClient(client_id=client_id, secret_hash=_hasher.hash(secret), name=name, scopes=" ".join(sorted(wanted)),
                        created_by=created_by, created_at=utcnow()))
        audit_record(s, "client.create", "api_client", client_id, after={"name": name, "scopes": " ".join(sorted(wanted))})
        s.commit()
    return client_id, secret


def list_clients(engine: Engine) -> list[ApiClient]:
    with Session(engine) as s:
        return list(s.exec(select(ApiClient).order_by(ApiClient.id)).all())  # type: ignore[arg-type]


def revoke_client(engine: Engine, client_id: str) -> bool:
    with Session(engine) as s:
        c = s.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()
        if c is None or c.revoked_at is not None:
            return False
        c.revoked_at = utcnow()
        s.add(c)
        for t in s.exec(select(ApiToken).where(ApiToken.client_id == client_id)).all():
            s.delete(t)
        audit_record(s, "client.revoke", "api_client", client_id, before={"scopes": c.scopes})
        s.commit()
        return True


def issue_token(engine: Engine, client_id: str, client_secret: str, scope: str | None = None, ttl_s: int = TOKEN_TTL_S) -> Issued:
    with Session(engine) as s:
        c = s.exec(select(ApiClient).where(ApiClient.client_id == client_id)).first()
        ok = False
        if c is not None and c.revoked_at is None:
            try:
                ok = _hasher.verify(c.secret_hash, client_secret)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok or c is None:
            raise OAuthError("invalid_client", "unknown client or wrong secret", 401)
        allowed = _scopes(c.scopes)
        wanted = _scopes(scope) if scope else allowed
        if not wanted <= allowed:
            raise OAuthError("invalid_scope", f"scope(s) not granted to this client: {' '.join(sorted(wanted - allowed))}")
        token = secrets.token_urlsafe(32)
        now = utcnow()
        s.add(ApiToken(token_hash=_token_hash(token), client_id=client_id, scopes=" ".join(sorted(wanted)),
                       created_at=now, expires_at=now + timedelta(seconds=ttl_s)))
        s.commit()
    return Issued(token, ttl_s, " ".join(sorted(wanted)))


def check_token(engine: Engine, token: str) -> Principal | None:
    """The principal of a live token; None for an unknown, expired or revoked one."""
    with Session(engine) as s:
        t = s.exec(select(ApiToken).where(ApiToken.token_hash == _token_hash(token))).first()
        if t is None or as_utc(t.expires_at) <= utcnow():
            return None
        return Principal(t.client_id, _scopes(t.scopes))
