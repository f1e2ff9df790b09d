"""What the workflow hands out: frozen snapshots, never ORM rows.

A snapshot is taken after a transaction commits, so it shows what is true in the database and
can cross threads (the adapter renders it on Bolt's threads, the worker on its own).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.cost import Estimate
from bot.cost.budgets import BudgetUse
from bot.errors import RequestNotFound
from bot.store import ApprovalRow, AuditEventRow, RequestRow, StackLockRow

# Re-exported: the states are the store's (its CHECK constraint), the rest of the bot reads them here.
from bot.store.states import FINAL_STATES as FINAL_STATES
from bot.store.states import OPEN_STATES as OPEN_STATES
from bot.store.states import RequestState as RequestState
from intents.intent import Intent
from provisioners.plan import Plan
from rulebook import Actor, Decision

REQUEST_PREFIX = "PB-"
_REQUEST_ID = re.compile(r"^\s*pb-(\d{1,18})\s*$", re.IGNORECASE)
BOT_ACTOR = "platformbot"


class Step(StrEnum):
    """Background work on one request, what an Executor runs: plan it, or apply it."""

    PLAN = "plan"
    APPLY = "apply"


def format_request_id(number: int) -> str:
    return f"{REQUEST_PREFIX}{number}"


def _request_id_or_none(number: int | None) -> str | None:
    return None if number is None else format_request_id(number)


def parse_request_id(request_id: str | int) -> int:
    """`PB-17`, `pb-17` or 17 -> 17. Anything else is a request that does not exist."""
    if isinstance(request_id, int):
        return request_id
    match = _REQUEST_ID.match(request_id)
    if match is None:
        raise RequestNotFound(request_id.strip()[:40])
    return int(match.group(1))


@dataclass(frozen=True)
class ResourceRef:
    """The live resource a request changes or destroys, as it was when the request was decided."""

    stack_name: str
    owner_team: str | None
    owner: str | None
    request_id: str | None


@dataclass(frozen=True)
class RequestCost:
    """The estimate of the request's current plan and its team's budget use before it."""

    estimate: Estimate
    budget: BudgetUse | None
    # The stack's monthly cost once the request is applied; None when not known.
    monthly: Decimal | None

    @classmethod
    def from_row(cls, row: RequestRow) -> RequestCost | None:
        """None without an estimate, or with one of an earlier plan (it belongs to that plan only)."""
        if row.cost is None or row.plan_hash is None or row.cost_plan_hash != row.plan_hash:
            return None
        budget = row.cost.get("budget")
        return cls(
            estimate=Estimate.model_validate(row.cost["estimate"]),
            budget=None if budget is None else BudgetUse.model_validate(budget),
            monthly=row.cost_monthly,
        )


@dataclass(frozen=True)
class Request:
    id: str
    number: int
    requester: str
    requester_team: str | None
    requester_groups: tuple[str, ...]
    channel: str
    thread_ts: str | None
    action: str
    target_request_id: str | None
    path: str
    intent: Intent
    intent_text: str
    stack_name: str
    state: RequestState
    intent_decision: Decision
    plan: Plan | None
    plan_hash: str | None
    plan_decision: Decision | None
    rulebook_version: str | None
    required_approvals: dict[str, int]
    approval_round: int
    approvals_expire_at: datetime | None
    outputs: dict[str, Any] | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    planned_at: datetime | None
    approved_at: datetime | None
    apply_started_at: datetime | None
    finished_at: datetime | None
    destroyed_at: datetime | None
    destroyed_by: str | None = None
    superseded_by: str | None = None
    # None for a request that creates its resource.
    resource: ResourceRef | None = None
    # Every team of the requester (rulebook `actor.teams`); `requester_team` alone when unknown.
    requester_teams: tuple[str, ...] = ()
    # When the current approval round was asked for.
    approval_requested_at: datetime | None = None
    # The cost estimate of the current plan (None: no estimate, or not planned yet).
    cost: RequestCost | None = None
    # Approvals the current round still lacks per group, for a request awaiting approval (what
    # views show instead of what was required); None when not read with the votes (rows.request_of).
    missing_approvals: dict[str, int] | None = None

    @property
    def actor(self) -> Actor:
        return Actor(
            user_id=self.requester,
            team=self.requester_team,
            teams=self.requester_teams,
            groups=self.requester_groups,
        )

    @property
    def decision(self) -> Decision:
        """The most complete decision so far (plan stage once planned)."""
        return self.plan_decision or self.intent_decision

    @classmethod
    def from_row(cls, row: RequestRow, missing_approvals: dict[str, int] | None = None) -> Request:
        assert row.id is not None
        return cls(
            id=format_request_id(row.id),
            missing_approvals=missing_approvals,
            number=row.id,
            requester=row.requester,
            requester_team=row.requester_team,
            requester_groups=tuple(row.requester_groups),
            requester_teams=tuple(row.requester_teams or ()),
            approval_requested_at=row.approval_requested_at,
            cost=RequestCost.from_row(row),
            channel=row.channel,
            thread_ts=row.thread_ts,
            action=row.action,
            target_request_id=None
            if row.target_request_id is None
            else format_request_id(row.target_request_id),
            path=row.path,
            intent=Intent.model_validate(row.intent),
            intent_text=row.intent_text,
            stack_name=row.stack_name,
            state=RequestState(row.state),
            intent_decision=Decision.model_validate(row.intent_decision),
            plan=None if row.plan is None else Plan.model_validate(row.plan),
            plan_hash=row.plan_hash,
            plan_decision=None if row.plan_decision is None else Decision.model_validate(row.plan_decision),
            rulebook_version=row.rulebook_version,
            required_approvals=dict(row.required_approvals),
            approval_round=row.approval_round,
            approvals_expire_at=row.approvals_expire_at,
            outputs=None if row.outputs is None else dict(row.outputs),
            error=row.error,
            created_at=row.created_at,
            updated_at=row.updated_at,
            planned_at=row.planned_at,
            approved_at=row.approved_at,
            apply_started_at=row.apply_started_at,
            finished_at=row.finished_at,
            destroyed_at=row.destroyed_at,
            destroyed_by=_request_id_or_none(row.destroyed_by),
            superseded_by=_request_id_or_none(row.superseded_by),
            resource=None
            if row.resource is None
            else ResourceRef(
                stack_name=row.stack_name,
                owner_team=row.resource.get("owner_team"),
                owner=row.resource.get("owner"),
                request_id=row.resource.get("request_id"),
            ),
        )


@dataclass(frozen=True)
class LockHolder:
    """Who holds a stack's lease: the request, the holding process's random token, the fencing token."""

    stack_name: str
    request_id: str
    owner: str
    fencing_token: int
    acquired_at: datetime

    @classmethod
    def from_row(cls, row: StackLockRow) -> LockHolder:
        number = format_request_id(row.request_id)
        return cls(row.stack_name, number, row.owner, row.fencing_token, row.acquired_at)


@dataclass(frozen=True)
class ApprovalRecord:
    group: str
    approver: str
    plan_hash: str
    approval_round: int
    approved_at: datetime
    voided_at: datetime | None
    void_reason: str | None

    @classmethod
    def from_row(cls, row: ApprovalRow) -> ApprovalRecord:
        return cls(
            row.group,
            row.approver,
            row.plan_hash,
            row.approval_round,
            row.approved_at,
            row.voided_at,
            row.void_reason,
        )


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    event: str
    from_state: str | None
    to_state: str | None
    rulebook_version: str | None
    plan_hash: str | None
    detail: dict[str, Any]

    @classmethod
    def from_row(cls, row: AuditEventRow) -> AuditEntry:
        return cls(
            row.at,
            row.actor,
            row.event,
            row.from_state,
            row.to_state,
            row.rulebook_version,
            row.plan_hash,
            dict(row.detail),
        )


@dataclass(frozen=True)
class RequestStatus:
    """Everything `/platform status PB-n` shows."""

    request: Request
    # Approvals of the current round that count, and how many are still missing per group.
    approvals: tuple[ApprovalRecord, ...]
    remaining: dict[str, int]
    audit: tuple[AuditEntry, ...]
    # The lock on the request's stack, whoever holds it.
    lock: LockHolder | None


@dataclass(frozen=True)
class Transfer:
    """A live resource handed to another team by an admin (bot.workflow.transfers)."""

    stack_name: str
    actor: str
    from_team: str | None
    from_owner: str | None
    to_team: str
    to_owner: str | None
    # Who owned it and does not now (the old team's members and owner, minus the new team's).
    previous_owners: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanChange:
    """How a re-preview differs from the plan that was approved (resource addresses)."""

    old_hash: str | None
    new_hash: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def lines(self, name: Callable[[str], str] = str) -> list[str]:
        """`+ added`, `- removed`, `~ changed`, each address shown through `name`."""
        return (
            [f"+ {name(a)}" for a in self.added]
            + [f"- {name(r)}" for r in self.removed]
            + [f"~ {name(c)}" for c in self.changed]
        )


@dataclass(frozen=True)
class Outcome:
    """The result of a state-changing call: `changed` is False for a retry or a lost race."""

    request: Request
    changed: bool
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
