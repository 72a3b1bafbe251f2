"""supervised jobs, unique plan versions, server-side login sessions and login attempts

Revision ID: h14platform0001
Revises: h14api0001
Create Date: 2026-12-02 19:50:00

Before the unique constraint on (tenant_id, date_from, version), plans that already share one
(stored by two racing workers) get new versions above the town's highest; before the partial
unique index on running jobs, extra running jobs of a town are re-queued.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h14platform0001"
down_revision: str | None = "h14api0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _renumber_duplicate_plan_versions(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text("SELECT id, tenant_id, date_from, version FROM plan ORDER BY id")
    ).all()
    top: dict[int, int] = {}
    for r in rows:
        top[r.tenant_id] = max(top.get(r.tenant_id, 0), r.version)
    seen: set[tuple[int, object, int]] = set()
    for r in rows:
        key = (r.tenant_id, r.date_from, r.version)
        if key in seen:
            top[r.tenant_id] += 1
            conn.execute(sa.text("UPDATE plan SET version = :v WHERE id = :i"),
                         {"v": top[r.tenant_id], "i": r.id})
        else:
            seen.add(key)


def _requeue_extra_running_jobs(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text("SELECT id, tenant_id FROM job WHERE status = 'running' ORDER BY id")
    ).all()
    seen: set[int] = set()
    for r in rows:
        if r.tenant_id in seen:
            conn.execute(sa.text("UPDATE job SET status = 'queued', worker_id = NULL, "
                                 "heartbeat_at = NULL WHERE id = :i"), {"i": r.id})
        seen.add(r.tenant_id)


def upgrade() -> None:
    conn = op.get_bind()
    _renumber_duplicate_plan_versions(conn)
    _requeue_extra_running_jobs(conn)
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_plan_tenant_day_version", ["tenant_id", "date_from", "version"]
        )
    op.create_index(
        "uq_job_running_per_tenant", "job", ["tenant_id"], unique=True,
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenant.id"],
                                name=op.f("fk_auth_session_tenant_id_tenant"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_auth_session_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("sid_hash", name=op.f("uq_auth_session_sid_hash")),
    )
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_session_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_auth_session_user_id"), ["user_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index("ix_login_attempt_username_at", "login_attempt", ["username", "at"])
    op.create_index("ix_login_attempt_address_at", "login_attempt", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempt_address_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_username_at", table_name="login_attempt")
    op.drop_table("login_attempt")
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_auth_session_tenant_id"))
    op.drop_table("auth_session")
    op.drop_index("uq_job_running_per_tenant", table_name="job")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint("uq_plan_tenant_day_version", type_="unique")
