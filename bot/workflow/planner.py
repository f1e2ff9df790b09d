"""Planning a request: the preview under the stack lock, then the full (plan-stage) decision.

`Previewer` runs a preview and records it as a run; the applier uses it again before applying.
`enter_decision` writes where `transitions.route` sends a decision, for the planner and the
applier's re-plan alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.approvals import expiry
from bot.clock import Clock
from bot.store import RequestRow, Store, repository
from bot.workflow import ownership, rows
from bot.workflow import transitions as T
from bot.workflow.costing import Costing, cost_values
from bot.workflow.locks import StackLocks
from bot.workflow.model import BOT_ACTOR, Request, RequestState, Step, format_request_id
from bot.workflow.plans import plan_facts
from bot.workflow.ports import Rulebook, Runner, WorkflowPolicy
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier
from bot.workflow.superseding import Superseding, supersede_older
from intents.intent import Intent
from provisioners.errors import EngineError, ProvisionerError
from provisioners.labels import Labels
from provisioners.plan import Plan
from rulebook import Decision, ResourceFacts

log = logging.getLogger("bot.workflow")

GENERIC_FAILURE = (
    "Something went wrong on the platform side; the platform team has the details in the bot's log."
)

# Applies request `number` with `plan`, previewed under the stack lock the caller still holds.
ApplyPlanned = Callable[[int, Plan], Request]


def user_message(exc: Exception) -> str:
    """What the requester may read of a failure: a ProvisionerError's own words, else nothing of it."""
    return exc.message if isinstance(exc, ProvisionerError) else GENERIC_FAILURE


class Previewer:
    def __init__(
        self,
        *,
        store: Store,
        runner: Runner,
        clock: Clock,
        notifier: SafeNotifier,
        process: Process,
        costing: Costing | None = None,
    ) -> None:
        self._store = store
        self._runner = runner
        self._clock = clock
        self._notifier = notifier
        self._process = process
        self._costing = costing or Costing(store=store)

    def labels(self, row: RequestRow, intent: Intent) -> Labels:
        """The attribution of the request's resources, read from the live resource's record (the
        plan and the apply must agree on it: both read it here)."""
        with self._store.read() as session:
            live = repository.get_resource(session, row.stack_name)
        return self._costing.labels(row, intent, live)

    def preview(self, row: RequestRow, intent: Intent) -> Plan | None:
        """Run the preview (recorded as a run); on failure mark the request failed and return None."""
        assert row.id is not None
        kind = "preview_destroy" if row.action == "destroy" else "preview"
        with self._store.write() as session:
            run_id = repository.start_run(session, self._process.run(row.id, kind, self._clock.now()))
        try:
            if kind == "preview_destroy":
                plan = self._runner.preview_destroy(intent)
            else:
                plan = self._runner.preview(intent, labels=self.labels(row, intent))
        except Exception as exc:
            message = user_message(exc)
            if isinstance(exc, EngineError) and exc.refused:
                log.warning("%s of %s refused: %s", kind, format_request_id(row.id), message)
            else:
                log.exception("%s of %s failed", kind, format_request_id(row.id))
            at = self._clock.now()
            with self._store.write() as session:
                repository.finish_run(session, run_id, at, "failed", error=message)
                locked = rows.locked(session, row.id)
                failed = T.transition(
                    session, locked, T.PREVIEW_FAILED, actor=BOT_ACTOR, at=at, error=message, finished_at=at
                )
            if failed:
                self._notifier.failed(rows.snapshot(self._store, row.id), message)
            return None
        with self._store.write() as session:
            repository.finish_run(session, run_id, self._clock.now(), "succeeded", plan_hash=plan.plan_hash)
        return plan


class Planner:
    def __init__(
        self,
        *,
        store: Store,
        rulebook: Rulebook,
        clock: Clock,
        notifier: SafeNotifier,
        policy: WorkflowPolicy,
        locks: StackLocks,
        previewer: Previewer,
        apply_planned: ApplyPlanned,
        costing: Costing | None = None,
    ) -> None:
        self._store = store
        self._rulebook = rulebook
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._locks = locks
        self._previewer = previewer
        self._apply_planned = apply_planned
        self._costing = costing or Costing(store=store)

    def plan(self, request_id: str | int) -> Request:
        """Preview under the stack lock, then the full decision: denied, awaiting approval, or
        approved (and, when the rulebook allows it outright, applied right away)."""
        row = rows.read(self._store, request_id)
        number = row.id
        assert number is not None
        if row.state != RequestState.EVALUATED:
            return Request.from_row(row)  # already planned, or cancelled meanwhile
        row, taken = self._locks.take(number, {RequestState.EVALUATED}, Step.PLAN)
        if not taken:
            return Request.from_row(row)
        try:
            request, plan = self._plan_locked(number)
            if (
                plan is not None
                and request.state is RequestState.APPROVED
                and self._policy.auto_apply_when_allowed
            ):
                # Still holding the lock: the plan just made is the plan to apply, no second preview.
                return self._apply_planned(number, plan)
            return request
        finally:
            self._locks.release(row.stack_name, number)

    def _plan_locked(self, number: int) -> tuple[Request, Plan | None]:
        row = rows.read(self._store, number)
        intent = Intent.model_validate(row.intent)
        plan = self._previewer.preview(row, intent)
        if plan is None:
            return rows.snapshot(self._store, number), None
        at = self._clock.now()
        # The owners as they are now: another request may have created or changed the resource.
        resource = rows.resource_facts(self._store, row.stack_name, intent)
        # Estimated on this plan: the estimate is stored bound to its hash, like the approvals.
        costed = self._costing.estimate(row, plan, resource)
        decision = self._rulebook.evaluate(
            intent,
            Request.from_row(row).actor,
            at,
            action=rows.action_of(row),
            plan=plan_facts(plan, costed),
            resource=resource,
        )
        with self._store.write() as session:
            row = rows.locked(session, number)
            planned = T.transition(
                session,
                row,
                T.PLANNED,
                actor=BOT_ACTOR,
                at=at,
                detail={"summary": plan.summary_line()},
                plan=plan.model_dump(mode="json"),
                plan_hash=plan.plan_hash,
                planned_at=at,
                **cost_values(costed),
            )
            if not planned:
                return Request.from_row(row), None
            state = enter_decision(
                session, row, decision, at, replanned=False, resource=resource, policy=self._policy
            )
            # A request that goes on (not denied) supersedes the older open ones on its stack.
            outcome = (
                supersede_older(session, row, at, admins=self._policy.admins)
                if state in (RequestState.AWAITING_APPROVAL, RequestState.APPROVED)
                else Superseding()
            )
        for older in outcome.superseded:
            self._notifier.cancelled(rows.snapshot(self._store, older), row.requester)
        if outcome.also_open:
            others = [format_request_id(n) for n in outcome.also_open]
            self._notifier.also_open(rows.snapshot(self._store, number), others)
        request = rows.snapshot(self._store, number)
        tell_decision(self._notifier, request, plan, decision, state)
        return request, plan


def enter_decision(
    session: Session,
    row: RequestRow,
    decision: Decision,
    at: datetime,
    *,
    replanned: bool,
    resource: ResourceFacts,
    policy: WorkflowPolicy,
    values: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> RequestState:
    """Move a planned (or re-planned, approved) request where `transitions.route` sends `decision`.

    `resource`: the ownership facts `decision` was made on (they resolve `owning-team`);
    `values`: columns to write with it (a re-plan's new plan); `extra`: more audit detail.
    """
    values = {
        **(values or {}),
        "resource": ownership.stored(resource),
        "plan_decision": decision.model_dump(mode="json"),
        "rulebook_version": decision.rulebook_version,
    }
    if replanned:
        # A new round whatever the new decision: the voided round's messages are told from the
        # current one by the round number, also when the new plan needs no approvals at all.
        values["approval_round"] = row.approval_round + 1
    required = ownership.required_approvals(decision.approvals, resource)
    detail = {"verdict": str(decision.verdict), "rules": list(decision.rule_ids), **(extra or {})}
    step = T.route(decision, required, replanned=replanned)
    if step is None and row.state == RequestState.AWAITING_APPROVAL:
        step = T.APPROVAL_NOT_NEEDED  # a waiting request re-decided (bot.workflow.applier.reconsider)
    if step is None:
        assert row.id is not None
        repository.update_request(session, row.id, at, required_approvals={}, **values)
        T.record(session, row, "request.plan_changed", actor=BOT_ACTOR, at=at, detail=detail)
        return RequestState.APPROVED
    if step.target is RequestState.DENIED:
        values |= {"error": T.deny_message(decision), "finished_at": at}
    elif step.target is RequestState.AWAITING_APPROVAL:
        detail["required"] = required
        values |= {
            "required_approvals": required,
            "approvals_expire_at": expiry(at, policy.approval_ttl),
            "approval_requested_at": at,
            "approved_at": None,
        }
    else:
        values |= {"required_approvals": {}, "approved_at": at}
    T.transition(session, row, step, actor=BOT_ACTOR, at=at, detail=detail, **values)
    return step.target


def tell_decision(
    notifier: SafeNotifier, request: Request, plan: Plan, decision: Decision, state: RequestState
) -> None:
    """The plan and its decision in the thread; the approver groups asked when approval is needed."""
    notifier.plan_ready(request, plan, decision)
    if state is RequestState.AWAITING_APPROVAL:
        for group, count in request.required_approvals.items():
            notifier.approval_requested(request, group, count)
