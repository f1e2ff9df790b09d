"""Tables for imported bills (FinOps FOCUS exports, issue 14): one row per file, one per charge.

bot.cost.imports writes them in one transaction (a file is stored whole or not at all); the file's
SHA-256 is unique, so the same export cannot be counted twice. Each charge keeps the attribution it
was given at import (team, golden path, stack, request), so a report reads the same later.
Revision 0010 creates them (tests/unit/bot/store/test_migrations.py compares the two).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.models import Money, UTCDateTime


class CostImportRow(SQLModel, table=True):
    __tablename__ = "cost_imports"
    __table_args__ = (UniqueConstraint("sha256", name="uq_cost_imports_sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str
    filename: str
    imported_at: datetime = Field(sa_type=UTCDateTime)
    # Who ran the import (the OS user of `platformbot costs import`).
    imported_by: str
    rows: int
    currency: str | None = Field(default=None, nullable=True)
    total: Decimal = Field(sa_type=Money)
    attributed: Decimal = Field(sa_type=Money)
    period_start: datetime = Field(sa_type=UTCDateTime)
    period_end: datetime = Field(sa_type=UTCDateTime)


class CostImportChargeRow(SQLModel, table=True):
    __tablename__ = "cost_import_charges"
    __table_args__ = (
        Index("ix_cost_import_charges_import_id", "import_id"),
        Index("ix_cost_import_charges_team", "team"),
    )

    id: int | None = Field(default=None, primary_key=True)
    import_id: int = Field(foreign_key="cost_imports.id")
    line: int
    billing_period_start: datetime = Field(sa_type=UTCDateTime)
    billing_period_end: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    billed_cost: Decimal | None = Field(default=None, sa_type=Money, nullable=True)
    effective_cost: Decimal | None = Field(default=None, sa_type=Money, nullable=True)
    # The amount compared with estimates (EffectiveCost, else BilledCost).
    cost: Decimal = Field(sa_type=Money)
    currency: str | None = Field(default=None, nullable=True)
    resource_id: str
    resource_name: str
    service_name: str
    tags: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # The file's x_ columns, as they were.
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    team: str | None = Field(default=None, nullable=True)
    path: str | None = Field(default=None, nullable=True)
    stack_name: str | None = Field(default=None, nullable=True)
    request_id: int | None = Field(default=None, nullable=True)
    # "tags", "resource" or "" (not attributed): see bot.cost.attribution.
    matched_by: str = ""
