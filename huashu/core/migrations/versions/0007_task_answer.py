"""per-task answer classification settings (campaign_task.answer_*)

Revision ID: 0007_task_answer
Revises: 0006_sms
Create Date: 2026-12-07 14:40:00

A task switches answer classification on or off for its own calls (``answer_mode``: node | on
| off) and chooses what happens when a machine answers (issue 21 point 2); NULL in the other
three columns means "the node's [answer] setting".
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007_task_answer"
down_revision = "0006_sms"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_mode", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default="node"))
        batch_op.add_column(sa.Column("answer_on_machine", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("answer_message", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("answer_screener_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_task", schema=None) as batch_op:
        for name in ("answer_screener_text", "answer_message", "answer_on_machine", "answer_mode"):
            batch_op.drop_column(name)
