"""The store side of showback: every live resource with the run-rate its last request recorded,
and every stack's history of run-rates (from the succeeded applies and the destroys that ended them)."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.cost.history import StackChange
from bot.cost.showback import LiveCost
from bot.store import RequestRow, ResourceRow, Store, repository


def live_costs(store: Store, *, team: str | None = None) -> list[LiveCost]:
    with store.read() as session:
        found = repository.live_resources_with_cost(session, team=team)
        return [
            LiveCost(
                stack_name=resource.stack_name,
                path=resource.path,
                team=resource.owner_team,
                monthly=request.cost_monthly,
                request_id=resource.request_id,
            )
            for resource, request in found
        ]


def stack_changes(store: Store) -> list[StackChange]:
    """Each succeeded apply (from its finish, at its run-rate) and each destroy (from `destroyed_at`).

    A stack is counted under one team for all its history: its owner now if it is live (a transfer
    moves its past with it, as showback shows it now), else the team that owned it last.
    """
    with store.read() as session:
        applies = session.exec(
            select(RequestRow).where(
                col(RequestRow.action) == "apply",
                col(RequestRow.state) == "succeeded",
                col(RequestRow.finished_at).is_not(None),
            )
        ).all()
        owners = {r.stack_name: r.owner_team for r in session.exec(select(ResourceRow)).all()}
    last_team: dict[str, str | None] = {}
    for row in sorted(applies, key=lambda r: (r.finished_at, r.id or 0)):
        last_team[row.stack_name] = _team_of(row)
    changes: list[StackChange] = []
    for row in applies:
        assert row.finished_at is not None and row.id is not None
        team = owners[row.stack_name] if row.stack_name in owners else last_team.get(row.stack_name)
        common: dict[str, Any] = {
            "stack_name": row.stack_name,
            "path": row.path,
            "team": team,
            "request_id": row.id,
        }
        changes.append(StackChange(at=row.finished_at, live=True, monthly=row.cost_monthly, **common))
        if row.destroyed_at is not None:
            changes.append(StackChange(at=row.destroyed_at, live=False, monthly=None, **common))
    return changes


def _team_of(row: RequestRow) -> str | None:
    """The team a request's resource belonged to: the live owner it was decided on, else the team
    it declared (bot.workflow.ownership.TEAM_PARAM), else the requester's."""
    owner = (row.resource or {}).get("owner_team")
    if isinstance(owner, str) and owner:
        return owner
    declared = (row.intent.get("params") or {}).get("team")
    if isinstance(declared, str) and declared:
        return declared
    return row.requester_team
