"""The buttons of an expiry warning: Extend, Keep (and its approval), Destroy now.

Each click names the stack and the expiry the DM was sent about (`seen`). Only the resource's
owners (its team, or its owner when it has none) may click; anyone else is answered privately and
nothing changes. A click on a DM that no longer holds (extended, kept, destroyed since) says what
happened instead. Every change is a compare-and-set on the expiry that was seen, so a double click
or two owners clicking at once change it once.

Keep asks the rulebook (`action == "keep"`): allowed, the expiry goes; approvals required, the
request's thread gets an ask, and one member of any group the rulebook names (not the person who
asked) removes it; denied, nothing changes and the reasons are told.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.errors import NotAllowed, WorkflowError
from bot.store import ResourceRow, Store, repository
from bot.store import expiry as store_expiry
from bot.workflow import ownership, rows
from bot.workflow import transitions as T
from bot.workflow.expiry import OpenDestroy, in_words, policy_of
from bot.workflow.model import FINAL_STATES, Request, format_request_id, parse_request_id
from bot.workflow.ports import Directory, Rulebook
from intents.catalog import Catalog
from rulebook import Actor, Decision, Verdict


def when(moment: datetime) -> str:
    """A moment without Slack: the adapter hands in its own (a date token each reader sees in their zone)."""
    return f"{moment:%a %d %b %H:%M} UTC"


@dataclass(frozen=True)
class Click:
    """What an expiry button says: the stack, the request it came from and the expiry it was sent about."""

    stack_name: str
    request_id: str
    seen: datetime


class ActionNotifier(Protocol):
    def expiry_changed(
        self, request: Request, kind: str, actor: str, expires_at: datetime | None, seen: datetime
    ) -> None:
        """The thread: `actor` extended (kind "extended") or kept ("kept") the resource; the warnings
        and Keep asks about the expiry `seen` say so, without buttons."""
        ...

    def keep_asked(self, request: Request, click: Click, asker: str, groups: tuple[str, ...]) -> None:
        """The thread: `asker` wants to keep it; one of `groups` must approve (a button)."""
        ...

    def destroy_asked(self, request: Request, destroy: Request, cause: str, seen: datetime) -> None: ...


class ExpiryActions:
    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        rulebook: Rulebook,
        directory: Directory,
        clock: Clock,
        notifier: ActionNotifier,
        open_destroy: OpenDestroy,
        actor_of: Callable[[str], Actor],
        moment: Callable[[datetime], str] = when,
        every: timedelta | None = None,
    ) -> None:
        """`moment`: how answers show a moment; `every`: how often the expiry job runs (what a click
        after the expiry is told about the destroy's start; None: not known, or switched off)."""
        self._store = store
        self._catalog = catalog
        self._rulebook = rulebook
        self._directory = directory
        self._clock = clock
        self._notifier = notifier
        self._open_destroy = open_destroy
        self._actor_of = actor_of
        self._moment = moment
        self._every = every

    # The three buttons ----------------------------------------------------------------------

    def extend(self, click: Click, user: str) -> str:
        live = self._current(click, user)
        self._not_past(click)
        policy = policy_of(self._catalog, live.path)
        if policy is None:
            return f"{click.request_id}'s golden path no longer lets it expire; nothing to extend."
        moved = store_expiry.extended(live, policy.step, policy.longest)
        if moved is None:
            return (
                f"{click.request_id} cannot be extended: it already expires {policy.max} after it was "
                f"created (the most its golden path allows). Keep it, or let it go."
            )
        if not self._move(live, click, moved, user, "resource.expiry_extended"):
            return self._stale(click)
        request = rows.snapshot(self._store, live.request_id)
        self._notifier.expiry_changed(request, "extended", user, moved, click.seen)
        return f"Extended by {policy.extend}: {click.request_id} now expires {self._moment(moved)}."

    def keep(self, click: Click, user: str) -> str:
        live = self._current(click, user)
        self._not_past(click)
        request = rows.snapshot(self._store, live.request_id)
        decision = self._keep_decision(live, request, user)
        if decision.verdict is Verdict.DENY:
            return T.deny_message(decision).replace("Denied:", "Keep refused:", 1) + " Nothing changed."
        if decision.allowed:
            if not self._move(live, click, None, user, "resource.expiry_kept"):
                return self._stale(click)
            self._notifier.expiry_changed(request, "kept", user, None, click.seen)
            return f"Kept: {click.request_id} no longer expires."
        required, groups = self._keep_groups(live, decision, user)
        if not groups:
            return (
                f"Keeping {click.request_id} needs an approval from {_either(required)}, and nobody there "
                "but you could give it (not the person who asked). Nothing changed."
            )
        self._notifier.keep_asked(request, click, user, groups)
        with self._store.write() as session:
            row = rows.locked(session, live.request_id)
            detail = {"groups": list(groups), "expires_at": click.seen.isoformat()}
            T.record(session, row, "resource.keep_asked", actor=user, at=self._clock.now(), detail=detail)
        return (
            f"Keeping {click.request_id} needs an approval from {_either(groups)}: asked in its thread. "
            f"Until then it still expires {self._moment(click.seen)}."
        )

    def approve_keep(self, click: Click, asker: str, user: str) -> str:
        """An approver's click on a Keep ask in the thread (not limited to the owners)."""
        live = self._live(click)
        self._not_past(click)
        if user == asker:
            return "You asked to keep it: someone else must approve."
        request = rows.snapshot(self._store, live.request_id)
        decision = self._keep_decision(live, request, asker)
        if decision.verdict is Verdict.DENY:
            return T.deny_message(decision) + " Nothing changed."
        if not decision.allowed:
            required, groups = self._keep_groups(live, decision, asker)
            if not any(user in self._directory.members(group) for group in groups):
                who = _either(groups or required)
                return f"Only {who} can approve keeping {click.request_id}. Nothing changed."
        if not self._move(live, click, None, user, "resource.expiry_kept", asked_by=asker):
            return self._stale(click)
        self._notifier.expiry_changed(request, "kept", user, None, click.seen)
        return f"Approved: {click.request_id} no longer expires."

    def destroy_now(self, click: Click, user: str) -> str:
        live = self._current(click, user)
        destroy = self._open_destroy(
            live.request_id,
            self._actor_of(user),
            None,
            dedupe_key=f"expiry-now:{live.stack_name}:{click.seen.isoformat()}",
        )
        with self._store.write() as session:
            row = rows.locked(session, destroy.number)
            detail = {"cause": "destroy now (expiry warning)", "target": click.request_id}
            T.record(
                session,
                row,
                "request.destroy_from_expiry_warning",
                actor=user,
                at=self._clock.now(),
                detail=detail,
            )
        self._notifier.destroy_asked(
            rows.snapshot(self._store, live.request_id), destroy, "clicked", click.seen
        )
        return (
            f"Opened {destroy.id} to destroy it, through the same rules as any destroy; "
            "its thread follows it."
        )

    # What every click checks -----------------------------------------------------------------

    def _live(self, click: Click) -> ResourceRow:
        """The resource as it is now, if the DM still holds for it; else NotAllowed saying what happened."""
        with self._store.read() as session:
            live = repository.get_resource(session, click.stack_name)
            target = repository.get_request(session, _number(click.request_id))
            destroy = (
                repository.open_destroy_for(session, target.id, FINAL_STATES)
                if target is not None and target.id is not None and live is not None
                else None
            )
        if live is None:
            by = target.destroyed_by if target is not None else None
            gone = f" by {format_request_id(by)}" if by is not None else ""
            raise NotAllowed(f"{click.request_id} was already destroyed{gone}. Nothing changed.")
        if destroy is not None:
            raise NotAllowed(
                f"{click.request_id} is being destroyed ({format_request_id(destroy.id or 0)} is open). "
                "Nothing changed."
            )
        if live.expires_at != click.seen:
            raise NotAllowed(self._stale_text(click, live))
        return live

    def _current(self, click: Click, user: str) -> ResourceRow:
        """`_live`, for the owners only: a stranger learns nothing beyond who may click."""
        with self._store.read() as session:
            live = repository.get_resource(session, click.stack_name)
        if live is not None and user not in self._owners(live):
            owners = f"team {live.owner_team}" if live.owner_team else "its owner"
            raise NotAllowed(
                f"Only {owners} can extend, keep or destroy {click.request_id}. Nothing changed."
            )
        return self._live(click)

    def _not_past(self, click: Click) -> None:
        """Extend and Keep end at the moment the DM named, not at the job's next run: what expired is
        destroyed, however late the job notices it."""
        if click.seen > self._clock.now():
            return
        start = (
            f"the bot opens its destroy within {in_words(self._every)}"
            if self._every is not None
            else "the bot opens its destroy at the expiry job's next run"
        )
        raise NotAllowed(
            f"{click.request_id} expired at {self._moment(click.seen)}: too late to extend or keep it; "
            f"{start}. Nothing changed."
        )

    def _owners(self, live: ResourceRow) -> Set[str]:
        group = ownership.owners_group(ownership.facts_of(live))
        return self._directory.members(group) if group else frozenset()

    def _keep_decision(self, live: ResourceRow, request: Request, asker: str) -> Decision:
        intent = request.intent
        facts = ownership.facts_of(live)
        return self._rulebook.evaluate(
            intent, self._actor_of(asker), self._clock.now(), action="keep", resource=facts
        )

    def _keep_groups(
        self, live: ResourceRow, decision: Decision, asker: str
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The groups the rulebook names for a Keep, and those of them that can approve it: a group
        whose only member is the asker cannot (nobody approves their own Keep), so it is not offered."""
        required = tuple(sorted(ownership.required_approvals(decision.approvals, ownership.facts_of(live))))
        return required, tuple(g for g in required if self._directory.members(g) - {asker})

    def _move(
        self,
        live: ResourceRow,
        click: Click,
        expires_at: datetime | None,
        actor: str,
        event: str,
        *,
        asked_by: str | None = None,
    ) -> bool:
        with self._store.write() as session:
            if not store_expiry.move_expiry(
                session, live.stack_name, click.seen, expires_at, self._clock.now()
            ):
                return False
            row = rows.locked(session, live.request_id)
            detail: dict[str, object] = {
                "from": click.seen.isoformat(),
                "to": expires_at.isoformat() if expires_at is not None else None,
            }
            if asked_by is not None:
                detail["asked_by"] = asked_by
            T.record(session, row, event, actor=actor, at=self._clock.now(), detail=detail)
        return True

    def _stale(self, click: Click) -> str:
        """A compare-and-set that missed: someone changed it between the read and the write."""
        try:
            self._live(click)
            self._not_past(click)
        except WorkflowError as exc:
            return exc.message
        return f"{click.request_id} changed meanwhile. Nothing changed by this click."

    def _stale_text(self, click: Click, live: ResourceRow) -> str:
        if live.expires_at is None:
            return f"{click.request_id} no longer expires: it was kept. Nothing changed."
        if live.expires_at > click.seen:
            moved = self._moment(live.expires_at)
            return f"{click.request_id} was already extended: it now expires {moved}. Nothing changed."
        return f"{click.request_id} now expires {self._moment(live.expires_at)}. Nothing changed."


def _either(groups: tuple[str, ...]) -> str:
    shown = []
    for group in groups:
        if group.startswith(ownership.TEAM_GROUP):
            shown.append("team " + group.removeprefix(ownership.TEAM_GROUP))
        elif group.startswith(ownership.OWNER_GROUP):
            shown.append(f"its owner <@{group.removeprefix(ownership.OWNER_GROUP)}>")
        else:
            shown.append(group)
    return " or ".join(shown) if shown else "nobody"


def _number(request_id: str) -> int:
    try:
        return parse_request_id(request_id)
    except (ValueError, WorkflowError):
        return 0
