"""Day-2 operations on what a request built: change its parameters, rotate its credentials, and
what a person owns that is live.

An update and a rotation are ordinary apply requests on the live stack, opened through
Submissions like any other: the intent-stage rules (which see the live intent as `previous`),
the plan, the plan-stage rules, approvals (another team's resource needs its owners, by the
ownership rules), the audit trail, and secrets only to the owning team. What this module adds is
the new intent: the live one (of the request that last changed the stack, not necessarily the
one named) with the changes, or with `credentials_version` one higher.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.clock import Clock
from bot.errors import NotAllowed
from bot.store import RequestRow, ResourceRow, Store, repository
from bot.workflow import ownership, rows
from bot.workflow import transitions as T
from bot.workflow.model import OPEN_STATES, Request, RequestCost, RequestState, format_request_id
from bot.workflow.submissions import Submissions
from intents.catalog import Catalog
from intents.intent import Intent
from intents.updates import updated_intent
from rulebook import Actor

# More keys an update may not change than intents.FIXED_KEYS: the team a resource belongs to
# changes only by an admin's transfer.
FIXED_BY_OWNERSHIP = {
    ownership.TEAM_PARAM: "it says which team owns the resource; a platform admin can hand it over "
    "with `/platform transfer`",
}


@dataclass(frozen=True)
class LiveTarget:
    """The live resource a day-2 command names, and the intent it was last applied with."""

    named: str  # the request the command named, e.g. PB-3
    stack_name: str
    intent: Intent
    last_request: str  # the request that last changed it (the named one, or a later update)
    owner_team: str | None
    owner: str | None


@dataclass(frozen=True)
class LiveResource:
    """One line of `/platform list mine`: a live resource and what it costs a month."""

    stack_name: str
    path: str
    name: str
    env: str
    created_by: str
    last_request: str
    owner_team: str | None
    owner: str | None
    expires_at: datetime | None
    # The run-rate its last request recorded; None: no estimate stored.
    monthly: Decimal | None
    currency: str | None


class DayTwo:
    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        clock: Clock,
        submissions: Submissions,
        rotatable: Collection[str] | None = None,
    ) -> None:
        """`rotatable`: the golden paths whose programs issue new credentials on a rotation
        (GoldenPathProgram.rotates_credentials); None lets every path try."""
        self._store = store
        self._catalog = catalog
        self._clock = clock
        self._submissions = submissions
        self._rotatable = None if rotatable is None else frozenset(rotatable)

    def target(self, request_id: str | int) -> LiveTarget:
        """What `request_id` built, if it is live now; NotAllowed saying why not otherwise
        (RequestNotFound for no such request)."""
        row = rows.read(self._store, request_id)
        assert row.id is not None
        name = format_request_id(row.id)
        if row.action != "apply":
            raise NotAllowed(f"{name} is a destroy request: it built nothing to change.")
        if row.state in OPEN_STATES:
            state = "being planned" if row.state == RequestState.EVALUATED else row.state.replace("_", " ")
            raise NotAllowed(
                f"{name} is still {state}: it has built nothing yet. Change it once it has succeeded, "
                f"or cancel it and send a new request."
            )
        if row.state != RequestState.SUCCEEDED:
            raise NotAllowed(f"{name} ended {row.state.replace('_', ' ')}: it built nothing to change.")
        with self._store.read() as session:
            live = repository.get_resource(session, row.stack_name)
            intent = rows.live_intent(session, live)
        if row.destroyed_at is not None or live is None or intent is None or live.created_by > row.id:
            raise NotAllowed(f"What {name} built is not live any more (it was destroyed).")
        return LiveTarget(
            named=name,
            stack_name=row.stack_name,
            intent=intent,
            last_request=format_request_id(live.request_id),
            owner_team=live.owner_team,
            owner=live.owner,
        )

    def update(
        self,
        request_id: str | int,
        changes: Sequence[tuple[str, str]],
        actor: Actor,
        channel: str,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        """A new apply request: the live intent with `changes`. IntentError lists every problem."""
        target = self.target(request_id)
        intent = updated_intent(self._catalog, target.intent, changes, fixed=FIXED_BY_OWNERSHIP)
        request = self._submissions.submit(intent, actor, channel, dedupe_key=dedupe_key)
        detail = {"of": target.named, "live": target.last_request, "changed": sorted({k for k, _ in changes})}
        self._record(request, "request.update_of", actor, detail)
        return request

    def rotate(
        self, request_id: str | int, actor: Actor, channel: str, *, dedupe_key: str | None = None
    ) -> Request:
        """A new apply request: the live intent with `credentials_version` one higher."""
        target = self.target(request_id)
        path = target.intent.path
        if self._rotatable is not None and path not in self._rotatable:
            raise NotAllowed(f"`{path}` has no generated credentials the bot can rotate.")
        version = target.intent.credentials_version + 1
        intent = target.intent.model_copy(update={"credentials_version": version})
        note = f"(rotation {version} of its credentials)"
        request = self._submissions.submit(intent, actor, channel, dedupe_key=dedupe_key, note=note)
        detail = {"of": target.named, "live": target.last_request, "credentials_version": version}
        self._record(request, "request.rotation_of", actor, detail)
        return request

    def owned_by(self, actor: Actor) -> list[LiveResource]:
        """Every live resource of `actor`'s teams, or owned by them in person, oldest first."""
        teams = set(actor.teams)
        with self._store.read() as session:
            found = repository.live_resources_with_cost(session)
        mine = [(r, q) for r, q in found if r.owner == actor.user_id or (r.owner_team or "") in teams]
        return [_line(r, q) for r, q in sorted(mine, key=lambda pair: pair[0].created_by)]

    def _record(self, request: Request, event: str, actor: Actor, detail: dict[str, Any]) -> None:
        # After submit: a retry (same dedupe key) returns the first request, audited once.
        with self._store.write() as session:
            row = rows.locked(session, request.number)
            trail = repository.audit_trail(session, request.number)
            if not any(e.event == event for e in trail):
                T.record(session, row, event, actor=actor.user_id, at=self._clock.now(), detail=detail)


def _line(live: ResourceRow, last: RequestRow) -> LiveResource:
    intent = Intent.model_validate(last.intent)
    cost = RequestCost.from_row(last)
    return LiveResource(
        stack_name=live.stack_name,
        path=live.path,
        name=intent.name,
        env=intent.env,
        created_by=format_request_id(live.created_by),
        last_request=format_request_id(live.request_id),
        owner_team=live.owner_team,
        owner=live.owner,
        expires_at=live.expires_at,
        # The same run-rate `/platform costs` counts for it.
        monthly=last.cost_monthly,
        currency=cost.estimate.currency if cost is not None else None,
    )
