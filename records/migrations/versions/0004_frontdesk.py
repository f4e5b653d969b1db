"""Front line: entry feedback (helpful or not), citations for calls, gap reports.

Revision ID: 0004_frontdesk
Revises: 0003_dead_letter
Create Date: 2026-11-28 04:29:55.034529
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_frontdesk"
down_revision: str | None = "0003_dead_letter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("call_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.create_index("ix_citation_agent_created", ["agent_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_citation_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_citation_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "entryfeedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("client_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entry.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("entryfeedback", schema=None) as batch_op:
        batch_op.create_index("ix_entryfeedback_client_created", ["client_key", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_entryfeedback_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_entryfeedback_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "gapreport",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("missing", "wrong", name="gapkind"), nullable=False),
        sa.Column("state", sa.Enum("unassigned", "open", "closed", name="gapstate"), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("suggested_department_id", sa.Integer(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entry.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["suggested_department_id"],
            ["department.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gapreport", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gapreport_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_gapreport_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gapreport_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gapreport_reporter_id"), ["reporter_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_gapreport_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gapreport", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gapreport_state"))
        batch_op.drop_index(batch_op.f("ix_gapreport_reporter_id"))
        batch_op.drop_index(batch_op.f("ix_gapreport_entry_id"))
        batch_op.drop_index(batch_op.f("ix_gapreport_department_id"))
        batch_op.drop_index(batch_op.f("ix_gapreport_created_at"))

    op.drop_table("gapreport")
    with op.batch_alter_table("entryfeedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entryfeedback_entry_id"))
        batch_op.drop_index(batch_op.f("ix_entryfeedback_created_at"))
        batch_op.drop_index("ix_entryfeedback_client_created")

    op.drop_table("entryfeedback")
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citation_entry_id"))
        batch_op.drop_index(batch_op.f("ix_citation_created_at"))
        batch_op.drop_index("ix_citation_agent_created")

    op.drop_table("citation")
    sa.Enum(name="gapstate").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="gapkind").drop(op.get_bind(), checkfirst=True)
