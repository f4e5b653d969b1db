"""Index only the dead letters, so the outbox poll finds pending rows through processed_at.

Why: every API process polls the outbox several times a second for rows that are neither
processed nor dead. With a full index on dead_at (where nearly every row is NULL), SQLite's
planner, lacking statistics, took ``dead_at IS NULL`` for selective and walked every row ever
written, then sorted them: at 100,000 published entries an idle worker spent ~16% of a core on
it. A partial index of dead letters serves the dead-letter list and leaves the poll the
processed_at index, which holds pending rows at its NULL end.

Revision ID: 0005_outbox_pending
Revises: 0004_frontdesk
Create Date: 2026-11-28 08:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_outbox_pending"
down_revision: str | None = "0004_frontdesk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEAD = sa.text("dead_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_outbox_dead_at", table_name="outbox")
    op.create_index("ix_outbox_dead_letters", "outbox", ["dead_at"], sqlite_where=DEAD, postgresql_where=DEAD)


def downgrade() -> None:
    op.drop_index("ix_outbox_dead_letters", table_name="outbox")
    op.create_index("ix_outbox_dead_at", "outbox", ["dead_at"], unique=False)
