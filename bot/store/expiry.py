"""Expiring live resources (issue 15, ttl=): setting, extending and keeping an expiry, and claiming
each step before it (warnings, the destroy) once.

A step is claimed with a compare-and-set on (expires_at, expiry_notice): two replicas that both see
a resource due for its 1 h warning race on one UPDATE and only the winner sends it, and an expiry
moved by Extend in between makes the stale claim miss.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col, select

from bot.store.models import ResourceRow

# The steps of one expiry, in order, with how long before it each is due.
WARN_DAY, WARN_HOUR, EXPIRED = "24h", "1h", "expired"
STEPS: tuple[tuple[str, timedelta], ...] = (
    (WARN_DAY, timedelta(hours=24)),
    (WARN_HOUR, timedelta(hours=1)),
    (EXPIRED, timedelta(0)),
)
_ORDER = {step: index for index, (step, _) in enumerate(STEPS)}


def set_expiry(session: Session, stack_name: str, expires_at: datetime | None) -> bool:
    """Give the live resource a new expiry (None: it no longer expires); its steps start again."""
    statement = (
        update(ResourceRow)
        .where(col(ResourceRow.stack_name) == stack_name)
        .values(expires_at=expires_at, expiry_notice=None)
    )
    return _changed_one(session.exec(statement))


def move_expiry(
    session: Session, stack_name: str, seen: datetime, expires_at: datetime | None, now: datetime
) -> bool:
    """Extend or Keep: move the expiry only if it is still the one the person saw (`seen`), so a
    double click, or a click on an older DM after someone else extended it, changes nothing; its
    steps start again. Refused once the expiry moment has passed (`now`), even before the job has
    asked for the destroy: the moment the DM named is the one that holds, not the job's next run."""
    statement = (
        update(ResourceRow)
        .where(
            col(ResourceRow.stack_name) == stack_name,
            col(ResourceRow.expires_at) == seen,
            col(ResourceRow.expires_at) > now,
            (col(ResourceRow.expiry_notice).is_(None)) | (col(ResourceRow.expiry_notice) != EXPIRED),
        )
        .values(expires_at=expires_at, expiry_notice=None)
    )
    return _changed_one(session.exec(statement))


def start_expiry(session: Session, stack_name: str, created_by: int, ttl: timedelta) -> datetime | None:
    """The expiry of a resource the request `created_by` has just created with ttl=: `ttl` after
    its creation. None (nothing set) when the resource was there before that request (an update
    keeps the expiry it has: Keep and Extend are not undone by a later change)."""
    live = session.get(ResourceRow, stack_name)
    if live is None or live.created_by != created_by or live.expires_at is not None:
        return None
    live.expires_at = live.created_at + ttl
    live.expiry_notice = None
    session.add(live)
    session.flush()
    return live.expires_at


def extended(live: ResourceRow, step: timedelta, longest: timedelta) -> datetime | None:
    """The expiry after one Extend: `step` later, but never past `longest` after it was created; None
    when it is already there (nothing to extend) or the resource does not expire."""
    if live.expires_at is None:
        return None
    cap = live.created_at + longest
    moved = min(live.expires_at + step, cap)
    return moved if moved > live.expires_at else None


def due_step(live: ResourceRow, now: datetime) -> str | None:
    """The latest step of the resource's expiry that is due at `now` and not yet taken."""
    if live.expires_at is None:
        return None
    taken = _ORDER[live.expiry_notice] if live.expiry_notice in _ORDER else -1
    due = None
    for index, (step, before) in enumerate(STEPS):
        if index > taken and now >= live.expires_at - before:
            due = step
    return due


def due_resources(session: Session, now: datetime) -> Sequence[ResourceRow]:
    """Resources with an expiry within a day (the earliest step), soonest first."""
    horizon = now + STEPS[0][1]
    statement = (
        select(ResourceRow)
        .where(col(ResourceRow.expires_at).is_not(None), col(ResourceRow.expires_at) <= horizon)
        .order_by(col(ResourceRow.expires_at))
    )
    return session.exec(statement).all()


def claim_step(session: Session, live: ResourceRow, step: str) -> bool:
    """Mark `step` of the expiry `live` was read with as taken; False when another process took it
    first or the expiry changed since (then the step is not taken here)."""
    statement = (
        update(ResourceRow)
        .where(
            col(ResourceRow.stack_name) == live.stack_name,
            col(ResourceRow.expires_at) == live.expires_at,
        )
        .values(expiry_notice=step)
    )
    if live.expiry_notice is None:
        statement = statement.where(col(ResourceRow.expiry_notice).is_(None))
    else:
        statement = statement.where(col(ResourceRow.expiry_notice) == live.expiry_notice)
    return _changed_one(session.exec(statement))


def _changed_one(result: object) -> bool:
    assert isinstance(result, CursorResult)
    return int(result.rowcount) == 1
