"""per-source statement timeout

Revision ID: 0002_source_timeout
Revises: 0001
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_source_timeout"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statement_timeout_s", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_source", schema=None) as batch_op:
        batch_op.drop_column("statement_timeout_s")
