"""work records: closed days, corrections, frozen bookings (issue 17)

``record_day`` (a day closed after the day-end review), ``booking_correction`` (append-only
corrections with reason) and ``booking`` (the frozen bookings of closed days: person-hours,
machine-hours and vehicle-km to cost centre, cost object and order). See docs/records.md.

Revision ID: h17records0001
Revises: h15finish0001
Create Date: 2026-12-03 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h17records0001"
down_revision: str | None = "h15finish0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=120), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("summary_json", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("fk_record_day_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_day")),
        sa.UniqueConstraint("tenant_id", "date", name=op.f("uq_record_day_tenant_id_date")),
    )
    op.create_index(op.f("ix_record_day_date"), "record_day", ["date"])
    op.create_index(op.f("ix_record_day_tenant_id"), "record_day", ["tenant_id"])

    op.create_table(
        "booking_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("crew_day_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum("work_min", "vehicle_km", "members", name="correction_kind",
                                  native_enum=False, create_constraint=True, length=10),
                  nullable=False),
        sa.Column("value_json", sa.Text(), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("by_user", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["crew_day_id"], ["crew_day.id"], ondelete="CASCADE",
                                name=op.f("fk_booking_correction_crew_day_id_crew_day")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], ondelete="SET NULL",
                                name=op.f("fk_booking_correction_task_id_task")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("fk_booking_correction_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_correction")),
    )
    op.create_index(op.f("ix_booking_correction_date"), "booking_correction", ["date"])
    op.create_index(op.f("ix_booking_correction_crew_day_id"), "booking_correction",
                    ["crew_day_id"])
    op.create_index(op.f("ix_booking_correction_tenant_id"), "booking_correction", ["tenant_id"])

    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("crew_day_id", sa.Integer(), nullable=True),
        sa.Column("crew", sa.String(length=120), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("site_name", sa.String(length=300), nullable=False),
        sa.Column("task_type", sa.String(length=40), nullable=False),
        sa.Column("cost_centre", sa.String(length=40), nullable=False),
        sa.Column("cost_object", sa.String(length=80), nullable=False),
        sa.Column("order_ref", sa.String(length=80), nullable=False),
        sa.Column("resource_kind", sa.Enum("person", "machine", "vehicle", name="resource_kind",
                                           native_enum=False, create_constraint=True, length=7),
                  nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("resource_name", sa.String(length=200), nullable=False),
        sa.Column("resource_group", sa.String(length=80), nullable=False),
        sa.Column("share", sa.Enum("work", "drive", "setup", name="booking_share",
                                   native_enum=False, create_constraint=True, length=5),
                  nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("rate_ct", sa.Integer(), nullable=False),
        sa.Column("amount_ct", sa.BigInteger(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["crew_day_id"], ["crew_day.id"], ondelete="SET NULL",
                                name=op.f("fk_booking_crew_day_id_crew_day")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], ondelete="SET NULL",
                                name=op.f("fk_booking_task_id_task")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], ondelete="SET NULL",
                                name=op.f("fk_booking_site_id_site")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE",
                                name=op.f("fk_booking_tenant_id_tenant")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    op.create_index(op.f("ix_booking_date"), "booking", ["date"])
    op.create_index(op.f("ix_booking_crew_day_id"), "booking", ["crew_day_id"])
    op.create_index(op.f("ix_booking_tenant_id"), "booking", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("booking")
    op.drop_table("booking_correction")
    op.drop_table("record_day")
