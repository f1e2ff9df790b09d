"""Stack leases (`stack_locks` rows): take, take over when expired, renew, check, let go.

Every statement is a compare-and-set on the row, so two processes racing for one stack get one
answer each and neither an exception: at most one holds a live lease.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.store.models import RequestRow, StackLockRow


def take(
    session: Session, stack_name: str, number: int, owner: str, at: datetime, expires_at: datetime
) -> StackLockRow | None:
    """The stack's lease for request `number`, taken now or over from an expired holder; None
    while someone (this request included: its step runs elsewhere) holds a live one.

    The request's fencing counter goes up by one for every take, whoever held the lease before."""
    token = _bump(session, number)
    lease = StackLockRow(
        stack_name=stack_name,
        request_id=number,
        owner=owner,
        fencing_token=token,
        acquired_at=at,
        expires_at=expires_at,
    )
    values = lease.model_dump()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(StackLockRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["stack_name"])
        .returning(col(StackLockRow.stack_name))
    )
    if session.exec(statement).first() is None:
        taken_over = (
            update(StackLockRow)
            .where(col(StackLockRow.stack_name) == stack_name, col(StackLockRow.expires_at) <= at)
            .values(**{k: v for k, v in values.items() if k != "stack_name"})
        )
        if _rowcount(session.exec(taken_over)) != 1:
            return None
    return lease


def renew(session: Session, stack_name: str, number: int, token: int, expires_at: datetime) -> bool:
    """Push the lease's expiry on; False when it is no longer ours (taken over)."""
    statement = update(StackLockRow).where(*_ours(stack_name, number, token)).values(expires_at=expires_at)
    return _rowcount(session.exec(statement)) == 1


def holds(session: Session, stack_name: str, number: int, token: int) -> bool:
    """Whether the attempt with fencing `token` still holds the stack's lease (the fence)."""
    row = session.get(StackLockRow, stack_name, populate_existing=True)
    return row is not None and row.request_id == number and row.fencing_token == token


def release(session: Session, stack_name: str, number: int, token: int | None = None) -> bool:
    """Let go; with `token`, only the attempt that took it can (a stale one lets go of nothing)."""
    statement = delete(StackLockRow).where(
        col(StackLockRow.stack_name) == stack_name, col(StackLockRow.request_id) == number
    )
    if token is not None:
        statement = statement.where(col(StackLockRow.fencing_token) == token)
    return _rowcount(session.exec(statement)) == 1


def _ours(stack_name: str, number: int, token: int) -> tuple[Any, ...]:
    return (
        col(StackLockRow.stack_name) == stack_name,
        col(StackLockRow.request_id) == number,
        col(StackLockRow.fencing_token) == token,
    )


def _bump(session: Session, number: int) -> int:
    statement = (
        update(RequestRow)
        .where(col(RequestRow.id) == number)
        .values(fencing_token=col(RequestRow.fencing_token) + 1)
        .returning(col(RequestRow.fencing_token))
    )
    token = session.exec(statement).scalar_one()
    return int(token)


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
