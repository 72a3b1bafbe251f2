"""plan publication and line-up change time

Plans are drafts until the planner publishes them: ``plan.published_at`` and the change summary
shown to the crews (``plan.publish_summary_json``); ``crew_day.updated_at`` tells the map and the
board that the line-up changed after the shown plan. Plans stored as ``published`` before keep
that state (their ``published_at`` is their creation time).

Revision ID: h15live0001
Revises: h18town0001
Create Date: 2026-12-02 19:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h15live0001"
down_revision: str | None = "h18town0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("publish_summary_json", sa.JSON(), nullable=False,
                                     server_default="{}"))
    op.execute("UPDATE plan SET published_at = created_at WHERE status = 'published'")
    with op.batch_alter_table("crew_day") as batch:
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crew_day") as batch:
        batch.drop_column("updated_at")
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("publish_summary_json")
        batch.drop_column("published_at")
