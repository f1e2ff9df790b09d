"""Requests carry their cost estimate (issue 14): the stack's monthly run-rate once the request is
applied, its currency, the plan hash the estimate belongs to, and the estimate itself (per resource,
unpriced resources, the team's budget use when it was decided) as the thread and the ask show it.

Money is stored as decimal text, not a float: SQLite has no decimal type, and an estimate summed
from floats would not match the price book to the cent. Null: no estimate (a request older than
this revision, a golden path without prices, or a bot run without a price book), never 0.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("cost_monthly", sa.String(), nullable=True))
        batch.add_column(sa.Column("cost_currency", sa.String(), nullable=True))
        batch.add_column(sa.Column("cost_plan_hash", sa.String(), nullable=True))
        batch.add_column(sa.Column("cost", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("cost")
        batch.drop_column("cost_plan_hash")
        batch.drop_column("cost_currency")
        batch.drop_column("cost_monthly")
