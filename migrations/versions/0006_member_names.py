"""names: members and places as Discord last showed them; a debate's names when it closed

``members`` holds each server member's display name and username as the bot last saw them
in an interaction; ``places`` the names of servers, channels and threads. When a debate
closes, the names of everyone it mentions are copied into ``debate_names`` and the server,
channel and thread names onto the debate, so its exports keep the names of that moment.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_members")),
    )
    op.create_table(
        "places",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places")),
    )
    op.create_table(
        "debate_names",
        sa.Column(
            "debate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["debate_id"],
            ["debates.id"],
            name=op.f("fk_debate_names_debate_id_debates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("debate_id", "user_id", name=op.f("pk_debate_names")),
    )
    with op.batch_alter_table("debates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("guild_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("channel_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("thread_name", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debates", schema=None) as batch_op:
        batch_op.drop_column("thread_name")
        batch_op.drop_column("channel_name")
        batch_op.drop_column("guild_name")
    op.drop_table("debate_names")
    op.drop_table("places")
    op.drop_table("members")
