"""form engine state (dialog version, prompt message) and join-link reservation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 18:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dialogs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("prompt_message_id", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("join_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reserved_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("reserved_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("join_links", schema=None) as batch_op:
        batch_op.drop_column("reserved_until")
        batch_op.drop_column("reserved_by")
    with op.batch_alter_table("dialogs", schema=None) as batch_op:
        batch_op.drop_column("prompt_message_id")
        batch_op.drop_column("version")
