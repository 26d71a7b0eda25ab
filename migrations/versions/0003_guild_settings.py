"""per-server settings: guild_settings holds each server's values; debates keep their timings

The old ``guild_settings`` table was never used; it is replaced by one row per server with
its values as JSON and a revision that every process polls to see changes. Each debate keeps
the phase durations it opened with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("guild_settings")
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("overrides", sa.Text(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.create_index("uq_guild_settings_revision", ["revision"], unique=True)
    with op.batch_alter_table("debates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase_minutes", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("debates", schema=None) as batch_op:
        batch_op.drop_column("phase_minutes")
    with op.batch_alter_table("guild_settings", schema=None) as batch_op:
        batch_op.drop_index("uq_guild_settings_revision")
    op.drop_table("guild_settings")
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("results_visibility", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
