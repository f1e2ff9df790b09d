"""The tables (SQLModel). Migrations in bot/store/migrations must produce exactly this metadata.

Rows are the store's business: the workflow hands out frozen snapshots (`bot.workflow.model`), not
these objects, so nothing outside the store holds an ORM object across threads or sessions.

Adding a table later (drift findings, feedback): declare it here, add a revision under
migrations/versions that creates it, and the metadata test will tell if the two disagree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, UniqueConstraint
from sqlalchemy.types import DateTime, String, TypeDecorator
from sqlmodel import Field, SQLModel

from bot.clock import as_utc
from bot.store.checks import one_of
from bot.store.states import RequestState

# The CHECK constraint on requests.state, in the order the migrations spell it.
REQUEST_STATES = tuple(state.value for state in RequestState)
ACTIONS = ("apply", "destroy")
RUN_KINDS = ("preview", "preview_destroy", "up", "destroy")
RUN_OUTCOMES = ("running", "succeeded", "failed")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend.

    SQLite keeps no time zone and hands back naive values; PostgreSQL keeps `timestamptz`. Storing
    naive UTC on SQLite and normalising on the way out means callers always compare aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Money(TypeDecorator[Decimal]):
    """Decimal amounts as text on every backend: SQLite has no decimal type, and a float would not
    add up to the price book's cents."""

    impl = String()
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class RequestRow(SQLModel, table=True):
    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(one_of("state", REQUEST_STATES), name="ck_requests_state"),
        CheckConstraint(one_of("action", ACTIONS), name="ck_requests_action"),
        UniqueConstraint("dedupe_key", name="uq_requests_dedupe_key"),
        Index("ix_requests_state", "state"),
        Index("ix_requests_requester", "requester"),
        Index("ix_requests_stack_name", "stack_name"),
        Index("ix_requests_target_request_id", "target_request_id"),
        # AUTOINCREMENT: a PB-<n> is never handed out twice on SQLite, even after the newest row is gone.
        {"sqlite_autoincrement": True},
    )

    # The PB-<n> number. It is the database's own sequence (SERIAL / AUTOINCREMENT).
    id: int | None = Field(default=None, primary_key=True)
    # Optional key from the adapter (e.g. a view submission id) so a retried submission is stored once.
    dedupe_key: str | None = Field(default=None, nullable=True)
    requester: str
    requester_team: str | None = Field(default=None, nullable=True)
    requester_groups: list[str] = Field(default_factory=list, sa_type=JSON)
    # Every team the requester is in (rulebook `actor.teams`); null on rows older than 0006.
    requester_teams: list[str] | None = Field(default=None, sa_type=JSON, nullable=True)
    channel: str
    thread_ts: str | None = Field(default=None, nullable=True)
    action: str
    target_request_id: int | None = Field(default=None, foreign_key="requests.id", nullable=True)
    path: str
    intent: dict[str, Any] = Field(sa_type=JSON)
    intent_text: str
    stack_name: str
    state: str
    intent_decision: dict[str, Any] = Field(sa_type=JSON)
    plan: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    plan_hash: str | None = Field(default=None, nullable=True)
    plan_decision: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    rulebook_version: str | None = Field(default=None, nullable=True)
    required_approvals: dict[str, int] = Field(default_factory=dict, sa_type=JSON)
    # Bumped whenever approvals are voided; only approvals of the current round count.
    approval_round: int = 0
    approvals_expire_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # When the current approval round was asked for (set on entering awaiting_approval).
    approval_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # Non-secret outputs only. Secret outputs are handed to the notifier once and never stored.
    outputs: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    error: str | None = Field(default=None, nullable=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    apply_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    destroyed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # The destroy request that removed what this one built.
    destroyed_by: int | None = Field(default=None, nullable=True)
    # A later request on the same resource that succeeded: this one no longer describes it.
    superseded_by: int | None = Field(default=None, nullable=True)
    # The live resource the request was decided on (rulebook `resource`): None for a new one.
    resource: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    # Bumped by every take of a stack lease for this request (see StackLockRow.fencing_token).
    fencing_token: int = 0
    # The cost estimate of the current plan (bot.cost): the stack's monthly run-rate once this
    # request is applied (what a team's committed spend sums), bound to `cost_plan_hash`; `cost`
    # holds the estimate and the budget use it was decided on. All null: no estimate, never 0.
    cost_monthly: Decimal | None = Field(default=None, sa_type=Money, nullable=True)
    cost_currency: str | None = Field(default=None, nullable=True)
    cost_plan_hash: str | None = Field(default=None, nullable=True)
    cost: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)


class ResourceRow(SQLModel, table=True):
    """A live resource (one stack) and who owns it: written when an apply succeeds, removed by a
    destroy. Ownership changes only by an admin's transfer."""

    __tablename__ = "resources"
    __table_args__ = (
        Index("ix_resources_owner_team", "owner_team"),
        # The expiry job reads the resources due next (bot.schedules.expiry).
        Index("ix_resources_expires_at", "expires_at"),
    )

    stack_name: str = Field(primary_key=True)
    path: str
    owner_team: str | None = Field(default=None, nullable=True)
    # None after a transfer to a team the owner is not in.
    owner: str | None = Field(default=None, nullable=True)
    # The team the resource was transferred away from while its credentials stayed the same: they
    # may still hold them (set by a transfer; the bot does not rotate credentials).
    credentials_from_team: str | None = Field(default=None, nullable=True)
    # The request that created it, and the one that last changed it.
    created_by: int = Field(foreign_key="requests.id")
    request_id: int = Field(foreign_key="requests.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # When the bot destroys it (ttl=, issue 15); None: it lives until someone destroys it.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # The last step of this expiry already taken ("24h", "1h" warned, "expired": destroy asked), so a
    # replica or a restart does not take it twice; cleared whenever expires_at changes.
    expiry_notice: str | None = Field(default=None, nullable=True)


class ApprovalRow(SQLModel, table=True):
    __tablename__ = "approvals"
    __table_args__ = (
        # The database, not only the code, refuses a second approval by the same person for the same
        # group, plan and round: a double click or a Slack retry cannot count twice.
        UniqueConstraint(
            "request_id", "approval_round", "group", "approver", "plan_hash", name="uq_approvals_vote"
        ),
        Index("ix_approvals_request_id", "request_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id")
    approval_round: int
    group: str
    approver: str
    plan_hash: str
    approved_at: datetime = Field(sa_type=UTCDateTime)
    # Set when a changed plan voids the approval; the row stays as a record.
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    void_reason: str | None = Field(default=None, nullable=True)


class RunRow(SQLModel, table=True):
    """One call into the provisioner (preview, up, destroy) for a request."""

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(one_of("kind", RUN_KINDS), name="ck_runs_kind"),
        CheckConstraint(one_of("outcome", RUN_OUTCOMES), name="ck_runs_outcome"),
        Index("ix_runs_request_id", "request_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="requests.id")
    kind: str
    outcome: str
    plan_hash: str | None = Field(default=None, nullable=True)
    hostname: str
    pid: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    summary: dict[str, Any] | None = Field(default=None, sa_type=JSON, nullable=True)
    error: str | None = Field(default=None, nullable=True)


class AuditEventRow(SQLModel, table=True):
    """Append-only: triggers on both backends refuse UPDATE and DELETE (see the first migration)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_request_id", "request_id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    request_id: int | None = Field(default=None, foreign_key="requests.id", nullable=True)
    # A Slack user id, or "platformbot" for what the bot did on its own.
    actor: str
    event: str
    from_state: str | None = Field(default=None, nullable=True)
    to_state: str | None = Field(default=None, nullable=True)
    rulebook_version: str | None = Field(default=None, nullable=True)
    plan_hash: str | None = Field(default=None, nullable=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class StackLockRow(SQLModel, table=True):
    """At most one operation per stack across the fleet: a lease (the primary key is the stack name).

    Bound to no host or pid: `owner` is a token random per process, `expires_at` is pushed on by
    the running step's heartbeat, and an expired lease is taken over by whoever asks next. The
    `fencing_token` is the holder request's counter at the take; the step's state writes check it,
    so an attempt that lost its lease writes nothing.
    """

    __tablename__ = "stack_locks"

    stack_name: str = Field(primary_key=True)
    request_id: int = Field(foreign_key="requests.id")
    owner: str
    fencing_token: int = 1
    acquired_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
