"""GIS tokens with expiry and revocation

Revision ID: h14api0001
Revises: f5forecast0001
Create Date: 2026-12-02 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h14api0001"
down_revision: str | None = "f5forecast0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gis_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_gis_token_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_gis_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gis_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_gis_token_token_hash")),
    )
    with op.batch_alter_table("gis_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gis_token_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gis_token_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gis_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gis_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_gis_token_tenant_id"))
    op.drop_table("gis_token")
