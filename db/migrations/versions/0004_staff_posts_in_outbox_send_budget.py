"""staff posts in the outbox (pushes without a member), the shared Telegram budget

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pushes", schema=None) as batch_op:
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index("ix_pushes_claimed_by_status", ["claimed_by", "status"])
    op.create_table(
        "send_budgets",
        sa.Column("bot_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("next_free", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", name=op.f("pk_send_budgets")),
    )


def downgrade() -> None:
    op.drop_table("send_budgets")
    op.execute("DELETE FROM pushes WHERE member_id IS NULL")
    with op.batch_alter_table("pushes", schema=None) as batch_op:
        batch_op.drop_index("ix_pushes_claimed_by_status")
        batch_op.alter_column("member_id", existing_type=sa.Integer(), nullable=False)
