"""How every part of the workflow reads a request row, and what it records about this process.

Reads return committed rows; `locked` is for inside a write transaction. Nothing here decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.approvals import Vote, remaining_need
from bot.errors import RequestNotFound
from bot.store import RequestRow, ResourceRow, RunRow, Store, repository
from bot.workflow import ownership
from bot.workflow.model import Request, RequestState, format_request_id, parse_request_id
from bot.workflow.ports import Directory
from intents.intent import Intent
from rulebook import Action, ResourceFacts


def read(store: Store, request_id: str | int) -> RequestRow:
    number = parse_request_id(request_id)
    with store.read() as session:
        row = repository.get_request(session, number)
    if row is None:
        raise RequestNotFound(format_request_id(number))
    return row


def snapshot(store: Store, request_id: str | int) -> Request:
    number = parse_request_id(request_id)
    with store.read() as session:
        row = repository.get_request(session, number)
        if row is None:
            raise RequestNotFound(format_request_id(number))
        return request_of(session, row)


def request_of(session: Session, row: RequestRow) -> Request:
    """The snapshot of `row` with what its approval round still lacks, so a root, `status` or the
    App Home says who is still waited for, not who was asked at the start."""
    missing = None
    if row.state == RequestState.AWAITING_APPROVAL and row.id is not None:
        votes = [
            Vote(v.group, v.approver, v.plan_hash)
            for v in repository.current_approvals(session, row.id, row.approval_round)
        ]
        missing = remaining_need(row.required_approvals, votes, row.plan_hash)
    return Request.from_row(row, missing)


def locked(session: Session, number: int) -> RequestRow:
    """The row, locked until the transaction ends (FOR UPDATE; SQLite has BEGIN IMMEDIATE)."""
    row = repository.get_request(session, number, for_update=True)
    if row is None:
        raise RequestNotFound(format_request_id(number))
    return row


def resource_facts(store: Store, stack_name: str, intent: Intent) -> ResourceFacts:
    """Who owns the live resource now (the rulebook's `resource`) and the intent it was last
    applied with (the rulebook's `previous`); for a new one, the team `intent` declares."""
    with store.read() as session:
        live = repository.get_resource(session, stack_name)
        facts = ownership.facts_of(live, intent)
        previous = live_intent(session, live)
    return facts if previous is None else facts.model_copy(update={"intent": previous})


def facts_changed(store: Store, row: RequestRow) -> bool:
    """The live resource is not the one `row` was decided on: another request created or changed
    it, or a transfer gave it other owners. Its approvals no longer hold; checked when the last one
    arrives (so nobody is told "applying") and again under the stack lock before the apply."""
    intent = Intent.model_validate(row.intent)
    return resource_facts(store, row.stack_name, intent) != ownership.loaded(row.resource, intent)


def live_intent(session: Session, live: ResourceRow | None) -> Intent | None:
    """The intent a live resource was last applied with: that of the request that last changed it."""
    if live is None:
        return None
    last = repository.get_request(session, live.request_id)
    return None if last is None else Intent.model_validate(last.intent)


def action_of(row: RequestRow) -> Action:
    return "destroy" if row.action == "destroy" else "apply"


def member_of(directory: Directory, user: str, groups: Iterable[str]) -> set[str]:
    """The groups among `groups` that `user` is in (asks the directory, maybe Slack)."""
    return {group for group in groups if user in directory.members(group)}


@dataclass(frozen=True)
class Process:
    """This process, as stack locks and runs record it. `token` tells this process's locks from
    those of an earlier process with the same host and pid (a restarted container)."""

    hostname: str
    pid: int
    token: str

    def run(self, number: int, kind: str, at: datetime) -> RunRow:
        """A run of the engine for request `number`, started now by this process."""
        return RunRow(
            request_id=number,
            kind=kind,
            outcome="running",
            hostname=self.hostname,
            pid=self.pid,
            started_at=at,
        )
