"""outbox: an index to find an argument's card row by its argument

Marking the cards a burst's answers carried looked through every pending row for each card
(34 ms for 200 cards with 500 pending, in the SQLite write lock); by (debate, kind, number)
it is one index probe each.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_debate_kind_ref", ["debate_id", "kind", "ref"])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_debate_kind_ref")
