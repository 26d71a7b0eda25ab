"""series and essays: imported essays, essay propositions as motions, debate series

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:11:02.182535
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "essays",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("reproducible", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_essays")),
    )
    with op.batch_alter_table("essays", schema=None) as batch_op:
        batch_op.create_index("ix_essays_guild_key", ["guild_id", "key"], unique=False)

    op.create_table(
        "essay_paragraphs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("essay_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["essay_id"],
            ["essays.id"],
            name=op.f("fk_essay_paragraphs_essay_id_essays"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_essay_paragraphs")),
        sa.UniqueConstraint("essay_id", "number", name=op.f("uq_essay_paragraphs_essay_id_number")),
    )
    op.create_table(
        "series",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("essay_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("schedule", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("schedule IN ('parallel', 'sequence')", name=op.f("ck_series_schedule")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_series_status")),
        sa.ForeignKeyConstraint(
            ["essay_id"], ["essays.id"], name=op.f("fk_series_essay_id_essays")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index("ix_series_guild_id", ["guild_id"], unique=False)
        batch_op.create_index("ix_series_status", ["status"], unique=False)

    op.create_table(
        "series_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "series_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "motion_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("debate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debates.id"], name=op.f("fk_series_items_debate_id_debates")
        ),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["motions.id"], name=op.f("fk_series_items_motion_id_motions")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_series_items_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series_items")),
        sa.UniqueConstraint("debate_id", name=op.f("uq_series_items_debate_id")),
        sa.UniqueConstraint(
            "series_id", "position", name=op.f("uq_series_items_series_id_position")
        ),
    )
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "essay_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_motions_essay_id_number"), ["essay_id", "number"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_motions_essay_id_essays"), "essays", ["essay_id"], ["id"]
        )


def downgrade() -> None:

    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_motions_essay_id_essays"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_motions_essay_id_number"), type_="unique")
        batch_op.drop_column("number")
        batch_op.drop_column("essay_id")

    op.drop_table("series_items")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_index("ix_series_status")
        batch_op.drop_index("ix_series_guild_id")

    op.drop_table("series")
    op.drop_table("essay_paragraphs")
    with op.batch_alter_table("essays", schema=None) as batch_op:
        batch_op.drop_index("ix_essays_guild_key")

    op.drop_table("essays")
