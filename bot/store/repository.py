"""Reads and writes on a session, one function per thing the workflow needs.

State changes are compare-and-set: `UPDATE requests SET state=... WHERE id=? AND state IN (...)`,
and the caller learns from the row count whether it won. A Slack retry, a double click or a second
bot thread that loses the race changes nothing.

The audit trail has an append function and read functions only; the database refuses the rest.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, update

from bot.store.models import ApprovalRow, AuditEventRow, RequestRow, ResourceRow, RunRow, StackLockRow


def insert_request(session: Session, row: RequestRow) -> RequestRow:
    session.add(row)
    session.flush()  # assigns the PB-<n> number from the database's sequence
    return row


def get_request(session: Session, number: int, *, for_update: bool = False) -> RequestRow | None:
    """The row; `for_update` locks it on PostgreSQL until commit (SQLite's BEGIN IMMEDIATE already has)."""
    statement = select(RequestRow).where(RequestRow.id == number)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def find_by_dedupe_key(session: Session, key: str) -> RequestRow | None:
    return session.exec(select(RequestRow).where(RequestRow.dedupe_key == key)).first()


def compare_and_set(
    session: Session,
    number: int,
    from_states: Collection[str],
    to_state: str,
    at: datetime,
    **values: Any,
) -> bool:
    """Move the request to `to_state` if, and only if, it is in one of `from_states` right now."""
    statement = (
        update(RequestRow)
        .where(col(RequestRow.id) == number, col(RequestRow.state).in_(list(from_states)))
        .values(state=to_state, updated_at=at, **values)
    )
    return _rowcount(session.exec(statement)) == 1


def update_request(session: Session, number: int, at: datetime, **values: Any) -> bool:
    """Change fields other than the state (the thread a request was posted in, ...)."""
    statement = update(RequestRow).where(col(RequestRow.id) == number).values(updated_at=at, **values)
    return _rowcount(session.exec(statement)) == 1


def requests_in_states(
    session: Session,
    states: Collection[str],
    *,
    requester: str | None = None,
    stack_name: str | None = None,
    limit: int | None = None,
) -> Sequence[RequestRow]:
    statement = select(RequestRow).where(col(RequestRow.state).in_(list(states)))
    if requester is not None:
        statement = statement.where(RequestRow.requester == requester)
    if stack_name is not None:
        statement = statement.where(RequestRow.stack_name == stack_name)
    statement = statement.order_by(col(RequestRow.id))
    if limit is not None:
        statement = statement.limit(limit)
    return session.exec(statement).all()


def recent_requests(
    session: Session, *, requester: str | None = None, limit: int = 20
) -> Sequence[RequestRow]:
    statement = select(RequestRow)
    if requester is not None:
        statement = statement.where(RequestRow.requester == requester)
    return session.exec(statement.order_by(col(RequestRow.id).desc()).limit(limit)).all()


def due_for_expiry(session: Session, now: datetime) -> Sequence[RequestRow]:
    statement = select(RequestRow).where(
        RequestRow.state == "awaiting_approval",
        col(RequestRow.approvals_expire_at).is_not(None),
        col(RequestRow.approvals_expire_at) <= now,
    )
    return session.exec(statement.order_by(col(RequestRow.id))).all()


def open_destroy_for(session: Session, target: int, closed_states: Collection[str]) -> RequestRow | None:
    statement = select(RequestRow).where(
        RequestRow.target_request_id == target,
        RequestRow.action == "destroy",
        col(RequestRow.state).not_in(list(closed_states)),
    )
    return session.exec(statement).first()


# Approvals ------------------------------------------------------------------------------------


def add_approval(session: Session, row: ApprovalRow) -> ApprovalRow:
    session.add(row)
    session.flush()
    return row


def current_approvals(session: Session, number: int, approval_round: int) -> Sequence[ApprovalRow]:
    statement = select(ApprovalRow).where(
        ApprovalRow.request_id == number,
        ApprovalRow.approval_round == approval_round,
        col(ApprovalRow.voided_at).is_(None),
    )
    return session.exec(statement.order_by(col(ApprovalRow.id))).all()


def all_approvals(session: Session, number: int) -> Sequence[ApprovalRow]:
    statement = select(ApprovalRow).where(ApprovalRow.request_id == number)
    return session.exec(statement.order_by(col(ApprovalRow.id))).all()


def void_approvals(session: Session, number: int, approval_round: int, at: datetime, reason: str) -> int:
    statement = (
        update(ApprovalRow)
        .where(
            col(ApprovalRow.request_id) == number,
            col(ApprovalRow.approval_round) == approval_round,
            col(ApprovalRow.voided_at).is_(None),
        )
        .values(voided_at=at, void_reason=reason)
    )
    return _rowcount(session.exec(statement))


# Audit (append-only) --------------------------------------------------------------------------


def append_audit(session: Session, event: AuditEventRow) -> None:
    session.add(event)
    session.flush()


def audit_trail(session: Session, number: int) -> Sequence[AuditEventRow]:
    statement = select(AuditEventRow).where(AuditEventRow.request_id == number)
    return session.exec(statement.order_by(col(AuditEventRow.id))).all()


def count_audit(session: Session, number: int, event: str | None = None) -> int:
    statement = select(func.count()).select_from(AuditEventRow).where(AuditEventRow.request_id == number)
    if event is not None:
        statement = statement.where(AuditEventRow.event == event)
    return int(session.exec(statement).one())


# Runs -----------------------------------------------------------------------------------------


def start_run(session: Session, row: RunRow) -> int:
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def finish_run(session: Session, run_id: int, at: datetime, outcome: str, **values: Any) -> None:
    statement = (
        update(RunRow)
        .where(col(RunRow.id) == run_id, col(RunRow.outcome) == "running")
        .values(outcome=outcome, finished_at=at, **values)
    )
    session.exec(statement)


def runs_for(session: Session, number: int) -> Sequence[RunRow]:
    statement = select(RunRow).where(RunRow.request_id == number).order_by(col(RunRow.id))
    return session.exec(statement).all()


def fail_running_runs(session: Session, number: int, at: datetime, error: str) -> int:
    statement = (
        update(RunRow)
        .where(col(RunRow.request_id) == number, col(RunRow.outcome) == "running")
        .values(outcome="failed", finished_at=at, error=error)
    )
    return _rowcount(session.exec(statement))


# Stack locks ----------------------------------------------------------------------------------


def try_lock_stack(session: Session, lock: StackLockRow) -> bool:
    """Take the stack's lock row; False when someone holds it. INSERT ... ON CONFLICT DO NOTHING,
    so losing is a normal answer and not an exception that would spoil the transaction."""
    values = lock.model_dump()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(StackLockRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["stack_name"])
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT here.
        .returning(col(StackLockRow.stack_name))
    )
    return session.exec(statement).first() is not None


def get_lock(session: Session, stack_name: str) -> StackLockRow | None:
    return session.get(StackLockRow, stack_name)


def all_locks(session: Session) -> Sequence[StackLockRow]:
    return session.exec(select(StackLockRow).order_by(col(StackLockRow.acquired_at))).all()


def release_lock(session: Session, stack_name: str, number: int | None = None) -> bool:
    """Delete the lock; with `number`, only if that request still holds it."""
    statement = delete(StackLockRow).where(col(StackLockRow.stack_name) == stack_name)
    if number is not None:
        statement = statement.where(col(StackLockRow.request_id) == number)
    return _rowcount(session.exec(statement)) == 1


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


# Ownership ------------------------------------------------------------------------------------


def get_resource(session: Session, stack_name: str) -> ResourceRow | None:
    return session.get(ResourceRow, stack_name)


def resource_changed(
    session: Session, row: RequestRow, at: datetime, new_owner: tuple[str | None, str | None]
) -> int | None:
    """A successful apply of `row`: the resource is created (owned by `new_owner`, (team, user),
    see bot.workflow.ownership.owner_of_new) or now last changed by it. Returns the request it
    supersedes, if any."""
    assert row.id is not None
    live = session.get(ResourceRow, row.stack_name)
    if live is None:
        session.add(
            ResourceRow(
                stack_name=row.stack_name,
                path=row.path,
                owner_team=new_owner[0],
                owner=new_owner[1],
                created_by=row.id,
                request_id=row.id,
                created_at=at,
                updated_at=at,
            )
        )
        session.flush()
        return None
    previous = live.request_id
    before = session.get(RequestRow, previous)
    if before is not None and _rotations(row.intent) > _rotations(before.intent):
        live.credentials_from_team = None  # rotated: what the old team held no longer works
    live.request_id, live.updated_at = row.id, at
    if live.owner is None and row.requester_team == live.owner_team:
        live.owner = row.requester  # a transfer left the team without an owner: the first to change it
    session.add(live)
    session.flush()
    return previous if previous != row.id else None


def _rotations(intent: dict[str, Any]) -> int:
    # The intent's credentials_version (bot.workflow.day2 raises it); absent in older rows.
    value = intent.get("credentials_version")
    return value if isinstance(value, int) else 0


def resource_destroyed(session: Session, stack_name: str) -> None:
    live = session.get(ResourceRow, stack_name)
    if live is not None:
        session.delete(live)
        session.flush()


def transfer_resource(
    session: Session,
    stack_name: str,
    team: str,
    owner: str | None,
    at: datetime,
    credentials_from_team: str | None = None,
) -> bool:
    """Hand the resource to `team`; `credentials_from_team`: who its unrotated credentials were
    issued to (kept from an earlier transfer when already set)."""
    live = session.get(ResourceRow, stack_name)
    issued_to = (live.credentials_from_team if live is not None else None) or credentials_from_team
    statement = (
        update(ResourceRow)
        .where(col(ResourceRow.stack_name) == stack_name)
        .values(
            owner_team=team,
            owner=owner,
            updated_at=at,
            # Handed back to the team the credentials were issued to: nobody else holds them.
            credentials_from_team=None if issued_to == team else issued_to,
        )
    )
    return _rowcount(session.exec(statement)) == 1


def mark_destroyed(session: Session, stack_name: str, by: int, at: datetime) -> list[int]:
    """Every succeeded apply on the stack that is not yet marked destroyed now is: returns their ids."""
    statement = select(RequestRow.id).where(
        col(RequestRow.stack_name) == stack_name,
        col(RequestRow.action) == "apply",
        col(RequestRow.state) == "succeeded",
        col(RequestRow.destroyed_at).is_(None),
    )
    numbers = [n for n in session.exec(statement).all() if n is not None]
    if numbers:
        session.exec(
            update(RequestRow)
            .where(col(RequestRow.id).in_(numbers))
            .values(destroyed_at=at, destroyed_by=by, updated_at=at)
        )
    return numbers


# Cost -----------------------------------------------------------------------------------------


def live_resources_with_cost(
    session: Session, *, team: str | None = None
) -> Sequence[tuple[ResourceRow, RequestRow]]:
    """Every live resource (of `team`, when given) with the request that last changed it: that
    request's estimate is the resource's monthly run-rate now (earlier requests on the stack were
    folded into it), so a resized database is counted once, at its new price."""
    statement = select(ResourceRow, RequestRow).join(
        RequestRow, col(RequestRow.id) == col(ResourceRow.request_id)
    )
    if team is not None:
        statement = statement.where(col(ResourceRow.owner_team) == team)
    found = session.exec(statement.order_by(col(ResourceRow.stack_name))).all()
    return [(resource, request) for resource, request in found]


def live_change(session: Session, stack_name: str) -> tuple[bool, RequestRow | None]:
    """(whether `stack_name` is live, the request that last changed it): a new estimate on the
    stack adds its delta to that request's run-rate."""
    live = session.get(ResourceRow, stack_name)
    if live is None:
        return False, None
    return True, session.get(RequestRow, live.request_id)
