"""site street, import status, source file, cadastre link; site revisions

Revision ID: h18inventory0001
Revises: h14platform0001
Create Date: 2026-12-02 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h18inventory0001"
down_revision: str | None = "h14platform0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("street", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("import_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("source_file", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_site_superseded_by_id"), ["superseded_by_id"],
                              unique=False)
        batch_op.create_foreign_key("fk_site_superseded_by_id_site", "site",
                                    ["superseded_by_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "site_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("change", sa.String(length=40), nullable=False),
        sa.Column("before_json", sa.JSON(), nullable=False),
        sa.Column("after_json", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("site_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_revision_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_revision_tenant_id"), ["tenant_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_revision_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_site_revision_site_id"))
    op.drop_table("site_revision")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_constraint("fk_site_superseded_by_id_site", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_site_superseded_by_id"))
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("source_file")
        batch_op.drop_column("import_status")
        batch_op.drop_column("street")
