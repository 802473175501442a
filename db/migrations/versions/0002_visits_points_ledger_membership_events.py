"""visits, points ledger, membership events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:54:57.121432
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "membership_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("dedupe_key", sa.String(length=40), nullable=False),
        sa.Column("tier_before", sa.String(length=20), nullable=True),
        sa.Column("tier_after", sa.String(length=20), nullable=True),
        sa.Column("valid_until_before", sa.Date(), nullable=True),
        sa.Column("valid_until_after", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_membership_events_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_membership_events_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_events")),
        sa.UniqueConstraint(
            "member_id",
            "kind",
            "dedupe_key",
            name=op.f("uq_membership_events_member_id_kind_dedupe_key"),
        ),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("car_id", sa.Integer(), nullable=True),
        sa.Column("order_no", sa.String(length=40), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("mileage", sa.Integer(), nullable=True),
        sa.Column("advisor", sa.String(length=40), nullable=True),
        sa.Column("recorded_by", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["car_id"], ["cars.id"], name=op.f("fk_visits_car_id_cars"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_visits_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_visits_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint("store_id", "order_no", name=op.f("uq_visits_store_id_order_no")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index("ix_visits_member_date", ["member_id", "visit_date"], unique=False)

    op.create_table(
        "points_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=40), nullable=False),
        sa.Column("cumulative", sa.Integer(), nullable=False),
        sa.Column("redeemable", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("actor_user_id", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_points_entries_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_points_entries_store_id_stores")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visits.id"],
            name=op.f("fk_points_entries_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_entries")),
        sa.UniqueConstraint(
            "member_id",
            "kind",
            "dedupe_key",
            name=op.f("uq_points_entries_member_id_kind_dedupe_key"),
        ),
    )
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.create_index("ix_points_entries_member_id_id", ["member_id", "id"], unique=False)

    with op.batch_alter_table("cars", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_service_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_mileage", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_mileage_date", sa.Date(), nullable=True))

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tier_floor", sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column("source", sa.String(length=10), nullable=False, server_default="chat")
        )
        batch_op.alter_column("consent_at", existing_type=sa.DateTime(timezone=True), nullable=True)


def downgrade() -> None:

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column(
            "consent_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.drop_column("source")
        batch_op.drop_column("tier_floor")

    with op.batch_alter_table("cars", schema=None) as batch_op:
        batch_op.drop_column("last_mileage_date")
        batch_op.drop_column("last_mileage")
        batch_op.drop_column("last_service_date")

    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_points_entries_member_id_id")

    op.drop_table("points_entries")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_member_date")

    op.drop_table("visits")
    op.drop_table("membership_events")
