"""work records: re-opening a closed day with a reason (issue 17)

``record_day_reopening`` keeps who re-opened a closed day, when, why and the closing it undid;
``booking.reopening_id`` marks the bookings of that closing as superseded (kept, no longer
booked). See docs/records.md.

Revision ID: h17close0001
Revises: h16duty0001
Create Date: 2026-12-03 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h17close0001"
down_revision: str | None = "h16duty0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_day_reopening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=120), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("summary_json", sa.JSON(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(), nullable=False),
        sa.Column("reopened_by", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("fk_record_day_reopening_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_day_reopening")),
    )
    op.create_index(op.f("ix_record_day_reopening_date"), "record_day_reopening", ["date"])
    op.create_index(op.f("ix_record_day_reopening_tenant_id"), "record_day_reopening",
                    ["tenant_id"])
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopening_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_booking_reopening_id"), ["reopening_id"],
                              unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_booking_reopening_id_record_day_reopening"),
            "record_day_reopening", ["reopening_id"], ["id"], ondelete="RESTRICT")


def downgrade() -> None:
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_booking_reopening_id_record_day_reopening"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_booking_reopening_id"))
        batch_op.drop_column("reopening_id")
    op.drop_index(op.f("ix_record_day_reopening_tenant_id"), table_name="record_day_reopening")
    op.drop_index(op.f("ix_record_day_reopening_date"), table_name="record_day_reopening")
    op.drop_table("record_day_reopening")
