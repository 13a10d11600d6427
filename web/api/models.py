"""API clients and their access tokens. Secrets are argon2-hashed, tokens sha256-hashed:
the database never holds anything a caller could present."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

__all__ = ["ApiClient", "ApiToken", "SCOPES"]

#: scope -> what it allows
SCOPES: dict[str, str] = {
    "config:read": "read scripts, voices and lines",
    "tasks:read": "read call tasks and their progress",
    "tasks:write": "create tasks, add numbers, change status",
    "calls:read": "read calls and their results",
    "personal:erase": "erase everything held about a number (POST /api/v1/privacy/erase)",
    "personal:read": "phone numbers, names and transcripts unmasked (without it they are masked: 138****5678)",
}


class ApiClient(SQLModel, table=True):
    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(index=True, unique=True)
    secret_hash: str
    name: str
    scopes: str  # space-separated
    created_by: str | None = None
    created_at: datetime
    revoked_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True)
    client_id: str = Field(index=True)
    scopes: str
    created_at: datetime
    expires_at: datetime
