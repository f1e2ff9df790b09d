"""Imported bills (issue 14): FinOps FOCUS exports read by `platformbot costs import`, one row per
file (its SHA-256 unique, so an export is never counted twice) and one per charge with the team,
golden path, stack and request it was attributed to. Money as decimal text, as in 0008.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cost_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("total", sa.String(), nullable=False),
        sa.Column("attributed", sa.String(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("sha256", name="uq_cost_imports_sha256"),
    )
    op.create_table(
        "cost_import_charges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("cost_imports.id"), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("billing_period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("billing_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("billed_cost", sa.String(), nullable=True),
        sa.Column("effective_cost", sa.String(), nullable=True),
        sa.Column("cost", sa.String(), nullable=False),
        sa.Column("currency", sa.String(), nullable=True),
        sa.Column("resource_id", sa.String(), nullable=False),
        sa.Column("resource_name", sa.String(), nullable=False),
        sa.Column("service_name", sa.String(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("team", sa.String(), nullable=True),
        sa.Column("path", sa.String(), nullable=True),
        sa.Column("stack_name", sa.String(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("matched_by", sa.String(), nullable=False),
    )
    op.create_index("ix_cost_import_charges_import_id", "cost_import_charges", ["import_id"])
    op.create_index("ix_cost_import_charges_team", "cost_import_charges", ["team"])


def downgrade() -> None:
    op.drop_index("ix_cost_import_charges_team", table_name="cost_import_charges")
    op.drop_index("ix_cost_import_charges_import_id", table_name="cost_import_charges")
    op.drop_table("cost_import_charges")
    op.drop_table("cost_imports")
