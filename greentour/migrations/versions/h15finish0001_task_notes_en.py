"""task.notes_en: why a task is due, in English

The generators explain each task in German (``task.notes``) and now in English too
(``task.notes_en``), so the map, the board and the tablet show the "why" in the UI language.
Tasks stored before keep an empty English text (the German one is shown).

Revision ID: h15finish0001
Revises: h15live0001
Create Date: 2026-12-03 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h15finish0001"
down_revision: str | None = "h15live0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("notes_en", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.drop_column("notes_en")
