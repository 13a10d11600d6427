"""sign-in throttle counters (auth_throttle)

Revision ID: 0004_auth_throttle
Revises: 0003_recording_paths
Create Date: 2026-12-07 13:50:00

One row per throttled key (a user name, an API client id, a client address): the attempts since
the last success and until when the key is refused (issue 15 finding 5). In the database so that
several web processes on one PostgreSQL count together.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004_auth_throttle"
down_revision = "0003_recording_paths"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auth_throttle",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.Float(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("auth_throttle")
