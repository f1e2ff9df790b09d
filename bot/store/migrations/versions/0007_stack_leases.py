"""Stack locks become leases: no hostname or pid, an owner token random per process, a fencing
token and an expiry the running step renews. An expired lease is taken over by anyone, so a lock
left by a dead process (on any host) frees itself.

`requests.fencing_token` is the request's counter: every take of a lease for the request bumps it,
so an attempt that lost its lease (and the step resumed elsewhere) cannot write the request any more.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("fencing_token", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("stack_locks") as batch:
        batch.add_column(sa.Column("owner", sa.String(), nullable=True))
        batch.add_column(sa.Column("fencing_token", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("expires_at", _ts(), nullable=True))
    # A lock of the old kind: its owner is the process token; it expires at once, so the first bot
    # that looks takes it over (the old rule freed it only from the same host).
    op.execute("UPDATE stack_locks SET owner = process_token, expires_at = acquired_at")
    with op.batch_alter_table("stack_locks") as batch:
        batch.alter_column("owner", existing_type=sa.String(), nullable=False)
        batch.alter_column("expires_at", existing_type=_ts(), nullable=False)
        batch.drop_column("process_token")
        batch.drop_column("pid")
        batch.drop_column("hostname")


def downgrade() -> None:
    with op.batch_alter_table("stack_locks") as batch:
        batch.add_column(sa.Column("hostname", sa.String(), nullable=False, server_default=""))
        batch.add_column(sa.Column("pid", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("process_token", sa.String(), nullable=False, server_default=""))
    op.execute("UPDATE stack_locks SET process_token = owner")
    with op.batch_alter_table("stack_locks") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("fencing_token")
        batch.drop_column("owner")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("fencing_token")
