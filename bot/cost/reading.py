"""The store side of showback: every live resource with the run-rate its last request recorded."""

from __future__ import annotations

from bot.cost.showback import LiveCost
from bot.store import Store, repository


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
