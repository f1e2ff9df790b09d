"""A platform admin hands a live resource to another team (ownership, bot/workflow/ownership.py)."""

from __future__ import annotations

from collections.abc import Callable, Set

from bot.clock import Clock
from bot.errors import NotAllowed
from bot.store import Store, repository
from bot.workflow import ownership, rows
from bot.workflow import transitions as T
from bot.workflow.model import Outcome, Request, RequestState, Transfer, format_request_id
from bot.workflow.ports import Directory
from bot.workflow.safe_notifier import SafeNotifier


class Transfers:
    def __init__(
        self,
        *,
        store: Store,
        directory: Directory,
        clock: Clock,
        notifier: SafeNotifier,
        admins: Set[str],
        reconsider: Callable[[str], None] | None = None,
    ) -> None:
        """`reconsider`: decides the requests waiting on the transferred stack again (the applier's
        `reconsider_waiting`); None leaves them to the apply-time check."""
        self._store = store
        self._directory = directory
        self._clock = clock
        self._notifier = notifier
        self._admins = admins
        self._reconsider = reconsider

    def transfer(self, request_id: str | int, team: str, actor: str) -> Outcome:
        """A platform admin hands the live resource `request_id` built (or last changed) to `team`.

        The owner stays when they are in the new team; otherwise the team alone owns it until one
        of its members changes it. Audited on the request as `resource.transferred`; announced in
        the request's thread, and the previous owners are told. Credentials are not rotated: the
        resource remembers whose they were, so the next delivery of them says so.
        """
        row = rows.read(self._store, request_id)
        number = row.id
        assert number is not None
        name = format_request_id(number)
        if actor not in self._admins:
            raise NotAllowed(f"Only a platform admin can transfer what {name} built.")
        members = self._directory.members(ownership.TEAM_GROUP + team)
        if not members:
            raise NotAllowed(f"There is no team `{team}` (teams come from the bot's config).")
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, number)
            live = repository.get_resource(session, row.stack_name)
            if live is None or row.action != "apply" or row.state != RequestState.SUCCEEDED:
                raise NotAllowed(f"{name} did not build a resource that is live now.")
            if live.owner_team == team:
                return Outcome(Request.from_row(row), changed=False, message=f"It already belongs to {team}.")
            owner = live.owner if live.owner in members else None
            detail = {
                "stack": row.stack_name,
                "from_team": live.owner_team,
                "to_team": team,
                "from_owner": live.owner,
                "to_owner": owner,
            }
            from_team, from_owner = live.owner_team, live.owner  # before the update refreshes `live`
            repository.transfer_resource(
                session, row.stack_name, team, owner, at, credentials_from_team=from_team
            )
            T.record(session, row, "resource.transferred", actor=actor, at=at, detail=detail)
        old_team = self._directory.members(ownership.TEAM_GROUP + from_team) if from_team else frozenset()
        previous = (set(old_team) | ({from_owner} if from_owner else set())) - set(members)
        transfer = Transfer(
            stack_name=row.stack_name,
            actor=actor,
            from_team=from_team,
            from_owner=from_owner,
            to_team=team,
            to_owner=owner,
            previous_owners=tuple(sorted(previous)),
        )
        request = rows.snapshot(self._store, number)
        self._notifier.request_updated(request)
        self._notifier.resource_transferred(request, transfer)
        if self._reconsider is not None:
            # Requests waiting for approvals asked the old owners: decided again, the new ones asked.
            self._reconsider(row.stack_name)
        return Outcome(request, changed=True, message=f"What {name} built now belongs to {team}.")
