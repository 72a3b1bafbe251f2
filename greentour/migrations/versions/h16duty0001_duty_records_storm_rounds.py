"""duty of care: inspection records (append-only, hash chain per town), follow-ups, storm rounds

Revision ID: h16duty0001
Revises: h17records0001
Create Date: 2026-12-03 00:03:41.564139
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h16duty0001"
down_revision: str | None = "h17records0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "duty_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_duty_chain_head_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_chain_head")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_duty_chain_head_tenant_id")),
    )
    with op.batch_alter_table("duty_chain_head", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duty_chain_head_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inspection_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("site_name", sa.String(length=300), nullable=False),
        sa.Column("inspection_type", sa.String(length=40), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("device_time", sa.DateTime(), nullable=True),
        sa.Column("inspector_user_id", sa.Integer(), nullable=True),
        sa.Column("inspector_staff_id", sa.Integer(), nullable=True),
        sa.Column("inspector_name", sa.String(length=200), nullable=False),
        sa.Column("device_token_id", sa.Integer(), nullable=True),
        sa.Column("device_name", sa.String(length=120), nullable=False),
        sa.Column("checklist_json", sa.JSON(), nullable=False),
        sa.Column("findings_json", sa.JSON(), nullable=False),
        sa.Column("condition_json", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sa.String(length=500), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["inspection_record.id"],
            name=op.f("fk_inspection_record_corrects_id_inspection_record"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_inspection_record_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_record")),
        sa.UniqueConstraint(
            "tenant_id", "client_uuid", name=op.f("uq_inspection_record_tenant_id_client_uuid")
        ),
        sa.UniqueConstraint("tenant_id", "seq", name=op.f("uq_inspection_record_tenant_id_seq")),
    )
    with op.batch_alter_table("inspection_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_record_corrects_id"), ["corrects_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_record_inspected_on"), ["inspected_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspection_record_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspection_record_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "storm_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("max_gust_ms", sa.Float(), nullable=False),
        sa.Column("threshold_ms", sa.Float(), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_storm_round_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storm_round")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "first_day", name=op.f("uq_storm_round_tenant_id_kind_first_day")
        ),
    )
    with op.batch_alter_table("storm_round", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storm_round_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "inspection_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("finding_index", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["inspection_record.id"],
            name=op.f("fk_inspection_follow_up_record_id_inspection_record"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_inspection_follow_up_task_id_task"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_inspection_follow_up_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_follow_up")),
        sa.UniqueConstraint(
            "record_id",
            "finding_index",
            name=op.f("uq_inspection_follow_up_record_id_finding_index"),
        ),
    )
    with op.batch_alter_table("inspection_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_follow_up_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_follow_up_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "inspection_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("photo_path", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["inspection_record.id"],
            name=op.f("fk_inspection_photo_record_id_inspection_record"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_inspection_photo_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_photo")),
        sa.UniqueConstraint(
            "record_id", "sha256", name=op.f("uq_inspection_photo_record_id_sha256")
        ),
    )
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_photo_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_photo_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_photo_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_photo_record_id"))
    op.drop_table("inspection_photo")
    with op.batch_alter_table("inspection_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_follow_up_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_follow_up_record_id"))

    op.drop_table("inspection_follow_up")
    with op.batch_alter_table("storm_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storm_round_tenant_id"))

    op.drop_table("storm_round")
    with op.batch_alter_table("inspection_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_record_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_record_site_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_record_inspected_on"))
        batch_op.drop_index(batch_op.f("ix_inspection_record_corrects_id"))

    op.drop_table("inspection_record")
    with op.batch_alter_table("duty_chain_head", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duty_chain_head_tenant_id"))

    op.drop_table("duty_chain_head")
