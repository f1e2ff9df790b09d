"""A later request on the same resource supersedes the earlier one, when it comes from the inside.

Two open requests on one stack would leave an old plan approvable after a newer one changed what
it was decided on. When a request is planned (not denied), every older request on its stack that is
still open and not applying ends `cancelled` through the ordinary cancel transition, names the
request that superseded it, and loses its approvals, provided the newer requester is the older
one's requester, a member of the resource's owning team or of the older requester's team, or an
admin. An outsider cannot cancel the owners' request this way: their request only learns which
others are open on the resource (recorded in its audit trail).
"""

from __future__ import annotations

from collections.abc import Collection, Set
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.store import RequestRow, repository
from bot.workflow import rows
from bot.workflow import transitions as T
from bot.workflow.model import format_request_id


@dataclass(frozen=True)
class Superseding:
    """What planning `request` did to the other open requests on its stack."""

    superseded: tuple[int, ...] = ()
    # Older open requests an outsider's request could not supersede.
    also_open: tuple[int, ...] = ()


def teams_of(row: RequestRow) -> set[str]:
    teams = set(row.requester_teams or ())
    if row.requester_team:
        teams.add(row.requester_team)
    return teams


def may_supersede(
    newer: RequestRow, older: RequestRow, owner_team: str | None, owner: str | None, admins: Set[str]
) -> bool:
    """Whether `newer`'s requester may end `older`: its own requester, the resource's owner or a
    member of its owning team, a member of the older requester's team, or an admin."""
    if newer.requester in (older.requester, owner) or newer.requester in admins:
        return True
    insiders = {t for t in (owner_team, older.requester_team) if t}
    return bool(teams_of(newer) & insiders)


def supersede_older(
    session: Session, newer: RequestRow, at: datetime, *, admins: Collection[str] = ()
) -> Superseding:
    """Inside the write transaction that decided `newer` (its stack lock held): end the older open
    requests on its stack that `newer`'s requester may end; name the others."""
    assert newer.id is not None
    live = repository.get_resource(session, newer.stack_name)
    owner_team = live.owner_team if live is not None else None
    owner = live.owner if live is not None else None
    name = format_request_id(newer.id)
    superseded: list[int] = []
    also_open: list[int] = []
    others = repository.requests_in_states(session, T.CANCELLABLE, stack_name=newer.stack_name)
    for other in others:
        if other.id is None or other.id >= newer.id:
            continue
        older = rows.locked(session, other.id)
        if older.state not in T.CANCELLABLE:
            continue
        if not may_supersede(newer, older, owner_team, owner, frozenset(admins)):
            also_open.append(other.id)
            continue
        ended = T.transition(
            session,
            older,
            T.CANCELLED,
            actor=newer.requester,
            at=at,
            detail={"superseded_by": name},
            error=f"Superseded by {name}.",
            finished_at=at,
            superseded_by=newer.id,
        )
        if ended:
            repository.void_approvals(session, other.id, older.approval_round, at, f"superseded by {name}")
            superseded.append(other.id)
    if also_open:
        T.record(
            session,
            newer,
            "request.also_open",
            actor=newer.requester,
            at=at,
            detail={"open": [format_request_id(n) for n in also_open]},
        )
    return Superseding(tuple(superseded), tuple(also_open))
