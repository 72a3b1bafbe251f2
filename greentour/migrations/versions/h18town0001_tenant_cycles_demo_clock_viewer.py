"""tenant cycles, demo clock, read-only role, edited task types

Revision ID: h18town0001
Revises: h18inventory0001
Create Date: 2026-12-02 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h18town0001"
down_revision: str | None = "h18inventory0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _role(*values: str) -> sa.Enum:
    return sa.Enum(*values, name="role", native_enum=False, create_constraint=True)


def upgrade() -> None:
    op.create_table(
        "tenant_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("task_type", sa.String(length=40), nullable=False),
        sa.Column("sites_json", sa.JSON(), nullable=False),
        sa.Column("rule_json", sa.JSON(), nullable=False),
        sa.Column("urgency", sa.Float(), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tenant_id", "name"),
    )
    with op.batch_alter_table("tenant_cycle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tenant_cycle_tenant_id"), ["tenant_id"], unique=False)
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("demo_today", sa.Date(), nullable=True))
    with op.batch_alter_table("task_type", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=_role("planner", "admin"),
            type_=_role("planner", "admin", "viewer"),
            existing_nullable=False,
        )


def downgrade() -> None:
    op.execute("DELETE FROM membership WHERE role = 'viewer'")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.alter_column(
            "role",
            existing_type=_role("planner", "admin", "viewer"),
            type_=_role("planner", "admin"),
            existing_nullable=False,
        )
    with op.batch_alter_table("task_type", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("demo_today")
    with op.batch_alter_table("tenant_cycle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenant_cycle_tenant_id"))
    op.drop_table("tenant_cycle")
