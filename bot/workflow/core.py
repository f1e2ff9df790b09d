"""What every part of the workflow shares: its side effects, snapshots, routing a decision."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.approvals import expiry
from bot.clock import Clock, SystemClock
from bot.errors import RequestNotFound
from bot.store import RequestRow, Store, repository
from bot.workflow import ownership
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, Request, RequestState, format_request_id, parse_request_id
from bot.workflow.ports import Directory, Notifier, Rulebook, Runner, WorkflowPolicy
from bot.workflow.worker import BackgroundWorker
from intents.catalog import Catalog
from intents.intent import Intent
from rulebook import Decision, Effect, ResourceFacts, Verdict

log = logging.getLogger("bot.workflow")


class WorkflowBase:
    def __init__(
        self,
        *,
        store: Store,
        rulebook: Rulebook,
        catalog: Catalog,
        runner: Runner,
        notifier: Notifier,
        directory: Directory,
        clock: Clock | None = None,
        policy: WorkflowPolicy | None = None,
        worker: BackgroundWorker | None = None,
        hostname: str | None = None,
        pid: int | None = None,
    ) -> None:
        """`worker`: where follow-up work goes (plan after submit, apply after the last approval,
        the next apply waiting for a stack). Without one nothing is scheduled and the caller drives
        each step, which is what the unit tests do."""
        self.store = store
        self.rulebook = rulebook
        self.catalog = catalog
        self.runner = runner
        self.notifier = notifier
        self.directory = directory
        self.clock = clock or SystemClock()
        self.policy = policy or WorkflowPolicy()
        self.worker = worker
        self.hostname = hostname or socket.gethostname()
        self.pid = pid if pid is not None else os.getpid()
        # Tells this process's locks from a previous process with the same host and pid (containers).
        self.process_token = uuid.uuid4().hex

    # Implemented by the mixins (bot.workflow.requests, bot.workflow.execution).
    def plan(self, request_id: str | int) -> Request:
        raise NotImplementedError

    def apply(self, request_id: str | int) -> Request:
        raise NotImplementedError

    # Reading -----------------------------------------------------------------------------------

    def _row(self, request_id: str | int) -> RequestRow:
        number = parse_request_id(request_id)
        with self.store.read() as session:
            row = repository.get_request(session, number)
        if row is None:
            raise RequestNotFound(format_request_id(number))
        return row

    def _snapshot(self, number: int) -> Request:
        return Request.from_row(self._row(number))

    @staticmethod
    def _locked(session: Session, number: int) -> RequestRow:
        """The row, locked until the transaction ends (FOR UPDATE; SQLite has BEGIN IMMEDIATE)."""
        row = repository.get_request(session, number, for_update=True)
        if row is None:
            raise RequestNotFound(format_request_id(number))
        return row

    # Side effects ------------------------------------------------------------------------------

    def _notify(self, method: str, *args: Any) -> Any:
        """Tell people; a failing notifier is logged and never undoes a committed state."""
        try:
            return getattr(self.notifier, method)(*args)
        except Exception:
            log.exception("notifier.%s failed", method)
            return None

    def _schedule(self, fn: Callable[..., Any], *args: Any) -> None:
        if self.worker is not None:
            self.worker.submit(fn, *args)

    def _intent_text(self, intent: Intent) -> str:
        path = self.catalog.find(intent.path)
        return intent.describe(redact=path.secret_keys if path else ())

    def _members(self, approver: str, groups: Mapping[str, int] | list[str]) -> set[str]:
        return {group for group in groups if approver in self.directory.members(group)}

    def _is_admin(self, user: str) -> bool:
        return user in self.policy.admins

    def _resource_facts(self, stack_name: str) -> ResourceFacts:
        """Who owns the live resource now (the rulebook's `resource`)."""
        with self.store.read() as session:
            return ownership.facts_of(repository.get_resource(session, stack_name))

    # Routing a plan-stage decision -------------------------------------------------------------

    def _route(
        self,
        session: Session,
        row: RequestRow,
        decision: Decision,
        at: datetime,
        *,
        replanned: bool,
        values: dict[str, Any],
        resource: ResourceFacts,
        extra: dict[str, Any] | None = None,
    ) -> RequestState:
        """Move a planned (or re-planned, approved) request on: denied, awaiting approval or approved.

        `resource`: the ownership facts `decision` was made on (they resolve `owning-team`)."""
        values = {
            **values,
            "resource": ownership.stored(resource),
            "plan_decision": decision.model_dump(mode="json"),
            "rulebook_version": decision.rulebook_version,
        }
        required = ownership.required_approvals(decision.approvals, resource)
        detail = {"verdict": str(decision.verdict), "rules": list(decision.rule_ids), **(extra or {})}
        if decision.verdict is Verdict.DENY or (
            decision.verdict is Verdict.REQUIRE_APPROVAL and not required
        ):
            step = T.DENIED_BY_NEW_PLAN if replanned else T.DENIED_BY_PLAN
            T.transition(
                session,
                row,
                step,
                actor=BOT_ACTOR,
                at=at,
                detail=detail,
                error=deny_message(decision),
                finished_at=at,
                **values,
            )
            return RequestState.DENIED
        if decision.verdict is Verdict.REQUIRE_APPROVAL:
            step = T.APPROVALS_VOIDED if replanned else T.APPROVAL_REQUESTED
            T.transition(
                session,
                row,
                step,
                actor=BOT_ACTOR,
                at=at,
                detail={**detail, "required": required},
                required_approvals=required,
                approvals_expire_at=expiry(at, self.policy.approval_ttl),
                approval_round=row.approval_round + (1 if replanned else 0),
                approved_at=None,
                **values,
            )
            return RequestState.AWAITING_APPROVAL
        if replanned:
            # Still allowed outright: nobody's approval is at stake, the new plan simply replaces the old.
            assert row.id is not None
            repository.update_request(session, row.id, at, required_approvals={}, **values)
            T.record(session, row, "request.plan_changed", actor=BOT_ACTOR, at=at, detail=detail)
            return RequestState.APPROVED
        T.transition(
            session,
            row,
            T.AUTO_APPROVED,
            actor=BOT_ACTOR,
            at=at,
            detail=detail,
            required_approvals={},
            approved_at=at,
            **values,
        )
        return RequestState.APPROVED


def deny_message(decision: Decision) -> str:
    reasons = [m.message for m in decision.matches if m.effect is Effect.DENY]
    reasons += [f"rule {f.rule_id} could not be evaluated" for f in decision.failures]
    if not reasons and decision.verdict is Verdict.REQUIRE_APPROVAL:
        reasons = ["the rulebook asks for approval but names no approver group"]
    return "Denied: " + "; ".join(reasons or ["the rulebook denied this request"])
