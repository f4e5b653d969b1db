"""Question desk (晓苏问答): deskquestion and deskanswer tables.

Revision ID: 0002_desk
Revises: 0001_initial
Create Date: 2026-11-28 02:40:08.349459
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_desk"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deskquestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("client_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("citizen_token_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "received",
                "routed",
                "answered",
                "returned",
                "published",
                "resolved_by_existing",
                "withdrawn",
                name="questionstate",
            ),
            nullable=False,
        ),
        sa.Column("suggested_department_id", sa.Integer(), nullable=True),
        sa.Column("suggested_category_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("routed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("due_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_by_doc", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
        ),
        sa.ForeignKeyConstraint(
            ["suggested_category_id"],
            ["category.id"],
        ),
        sa.ForeignKeyConstraint(
            ["suggested_department_id"],
            ["department.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("deskquestion", schema=None) as batch_op:
        batch_op.create_index("ix_deskquestion_client_created", ["client_key", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deskquestion_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deskquestion_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deskquestion_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deskquestion_state"), ["state"], unique=False)

    op.create_table(
        "deskanswer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("submitted", "returned", "published", "withdrawn", name="answerstate"),
            nullable=False,
        ),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["deskquestion.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("deskanswer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deskanswer_question_id"), ["question_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deskanswer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deskanswer_question_id"))

    op.drop_table("deskanswer")
    with op.batch_alter_table("deskquestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deskquestion_state"))
        batch_op.drop_index(batch_op.f("ix_deskquestion_due_at"))
        batch_op.drop_index(batch_op.f("ix_deskquestion_department_id"))
        batch_op.drop_index(batch_op.f("ix_deskquestion_created_at"))
        batch_op.drop_index("ix_deskquestion_client_created")

    op.drop_table("deskquestion")
    # PostgreSQL keeps enum types after their tables; SQLite has none (checkfirst makes it a no-op).
    sa.Enum(name="answerstate").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="questionstate").drop(op.get_bind(), checkfirst=True)
