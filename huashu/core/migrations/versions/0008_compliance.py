"""compliance: hash-chained audit trail (entries + head row), opt-outs, task business type

Revision ID: 0008_compliance
Revises: 0007_task_answer
Create Date: 2026-12-07 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_compliance"
down_revision = "0007_task_answer"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=160), nullable=False),
        sa.Column("address", sa.String(length=80), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_kind", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=200), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_actor", "audit_entry", ["actor"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    op.create_index("ix_audit_entry_target", "audit_entry", ["target_kind", "target_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table(
        "privacy_opt_out",
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_table(
        "privacy_suppression",
        sa.Column("number_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("number_hash"),
    )
    with op.batch_alter_table("campaign_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_type", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("region_policy", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_task", schema=None) as batch_op:
        batch_op.drop_column("region_policy")
        batch_op.drop_column("business_type")
    op.drop_table("privacy_suppression")
    op.drop_table("privacy_opt_out")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entry_target", table_name="audit_entry")
    op.drop_index("ix_audit_entry_action", table_name="audit_entry")
    op.drop_index("ix_audit_entry_actor", table_name="audit_entry")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
