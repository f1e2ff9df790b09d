"""Applying approved requests under the stack lock; going back for approvals when the plan changed.

An apply is three steps, each its own transaction: `_start` (approved -> applying, a run row),
`_run` (the engine, outside any transaction), `_finish` (succeeded or failed, the resource's
new owner or its end). Then the thread is told, and secret outputs go to whoever may have them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.clock import Clock
from bot.store import RequestRow, Store, repository
from bot.workflow import expiry, ownership, rows
from bot.workflow import transitions as T
from bot.workflow.costing import Costing, cost_values
from bot.workflow.locks import Lease, StackLocks, fenced
from bot.workflow.model import BOT_ACTOR, Request, RequestState, Step, format_request_id
from bot.workflow.planner import Previewer, enter_decision, tell_decision, user_message
from bot.workflow.plans import plan_change, plan_facts
from bot.workflow.ports import Directory, Rulebook, Runner, WorkflowPolicy
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier
from intents.intent import Intent
from provisioners.plan import Plan
from rulebook import ResourceFacts

log = logging.getLogger("bot.workflow")


@dataclass(frozen=True)
class _Started:
    """An apply that has begun: the request as it entered `applying`, and its run."""

    request: Request
    run_id: int
    kind: str  # "up" or "destroy"
    lease: Lease | None = None


@dataclass(frozen=True)
class _Applied:
    outputs: dict[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, Any] = field(default_factory=dict)
    summary: Mapping[str, int] = field(default_factory=dict)


_NOTHING = object()


class _NewProgress:
    """Passes engine progress on to the thread; only what is new, as the engine repeats itself."""

    def __init__(self, notifier: SafeNotifier, request: Request) -> None:
        self._notifier = notifier
        self._request = request
        self._last: object = _NOTHING

    def __call__(self, event: Any) -> None:
        if self._last is not _NOTHING and self._last == event:
            return
        self._last = event
        self._notifier.progress(self._request, event)


class StackStillLeased(Exception):
    """The request is `applying` and another live process holds its stack's lease: the step runs
    there. A Temporal retry waits and asks again; the lease expires if that process is dead."""


class Applier:
    def __init__(
        self,
        *,
        store: Store,
        rulebook: Rulebook,
        runner: Runner,
        directory: Directory,
        clock: Clock,
        notifier: SafeNotifier,
        policy: WorkflowPolicy,
        locks: StackLocks,
        previewer: Previewer,
        process: Process,
        costing: Costing | None = None,
    ) -> None:
        self._store = store
        self._rulebook = rulebook
        self._runner = runner
        self._directory = directory
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._locks = locks
        self._previewer = previewer
        self._process = process
        self._costing = costing or Costing(store=store)

    def apply(self, request_id: str | int) -> Request:
        """Take the stack lock, re-preview, then apply (or go back for approvals if the plan changed).

        Does nothing unless the request is `approved`, so a retried or doubled call is harmless.
        When another request holds the stack, this one stays approved and waits; it is started
        again when the holder lets go (with an executor).
        """
        row = rows.read(self._store, request_id)
        number = row.id
        assert number is not None
        if row.state == RequestState.APPLYING:
            return self.resume(number)
        if row.state != RequestState.APPROVED:
            return Request.from_row(row)
        row, taken = self._locks.take(number, {RequestState.APPROVED}, Step.APPLY)
        if not taken:
            return Request.from_row(row)
        try:
            done = self.apply_locked(number)
        finally:
            self._locks.release(row.stack_name, number)
        if done.state is RequestState.SUCCEEDED:
            # The resource is new, changed or gone: what waits for approvals on it was decided on
            # the facts before (it may still say "creates a new ..." or name the old owners).
            self.reconsider_waiting(row.stack_name)
        return done

    def apply_locked(self, number: int, fresh: Plan | None = None) -> Request:
        """With the stack lock held. `fresh`: a plan previewed under this same lock (no re-preview)."""
        row = rows.read(self._store, number)
        if row.state != RequestState.APPROVED:
            return Request.from_row(row)
        intent = Intent.model_validate(row.intent)
        plan = fresh or self._previewer.preview(row, intent)
        if plan is None:
            return rows.snapshot(self._store, number)
        # A changed plan, or owners who changed since the decision (someone else created or took the
        # resource meanwhile), void the approvals: the request is decided again on the facts of now.
        owners_changed = rows.facts_changed(self._store, row)
        if (plan.plan_hash != row.plan_hash or owners_changed) and self._replan(
            number, intent, plan
        ) is not RequestState.APPROVED:
            return rows.snapshot(self._store, number)
        started = self._start(number)
        if isinstance(started, Request):
            return started
        try:
            applied = self._run(started, intent)
        except Exception as exc:
            return self._fail(started, exc)
        return self._finish(started, applied)

    def reconsider_waiting(self, stack_name: str) -> None:
        """Every request awaiting approval on `stack_name` whose resource changed under it (an
        apply of another request, a transfer) is decided again now (`reconsider`)."""
        with self._store.read() as session:
            waiting = repository.requests_in_states(
                session, {RequestState.AWAITING_APPROVAL}, stack_name=stack_name
            )
        for row in waiting:
            if row.id is not None and rows.facts_changed(self._store, row):
                self.reconsider(row.id)

    def reconsider(self, number: int) -> Request:
        """A request awaiting approval whose resource changed under it (a transfer): decided again
        now, on a fresh preview under the stack lock, as the apply step would decide it (approvals
        void, the owners of now asked). When the stack is busy it waits as it is: the apply-time
        check still holds."""
        row = rows.read(self._store, number)
        with self._store.read() as session:
            if repository.get_lock(session, row.stack_name) is not None:
                return Request.from_row(row)  # busy: not worth a "stack busy" notice in its thread
        row, lease = self._locks.take_lease(number, {RequestState.AWAITING_APPROVAL}, None)
        if lease is None:
            return Request.from_row(row)
        try:
            row = rows.read(self._store, number)
            if row.state != RequestState.AWAITING_APPROVAL or not rows.facts_changed(self._store, row):
                return rows.snapshot(self._store, number)
            intent = Intent.model_validate(row.intent)
            plan = self._previewer.preview(row, intent)
            if plan is None or self._replan(number, intent, plan) is not RequestState.APPROVED:
                return rows.snapshot(self._store, number)
            # Nobody's approval is needed now: applied with the plan just made, as a new request is.
            return self.apply_locked(number, plan)
        finally:
            self._locks.release(row.stack_name, number)

    def resume(self, number: int) -> Request:
        """An apply whose process died: take its stack's lease over once it expired, clear the dead
        attempt's Pulumi lock, refresh, and run the operation again (it converges). The thread is
        told it resumed; only when resuming fails does the request end `failed`, with the reason."""
        row, lease = self._locks.take_lease(number, {RequestState.APPLYING}, None)
        if lease is None:
            with self._store.read() as session:
                holder = repository.get_lock(session, row.stack_name)
                elsewhere = holder is not None and holder.owner != self._process.token
            if row.state == RequestState.APPLYING and elsewhere:
                raise StackStillLeased(format_request_id(number))
            return Request.from_row(row)
        try:
            return self._resume_leased(number, lease)
        finally:
            self._locks.release(row.stack_name, number)

    def _resume_leased(self, number: int, lease: Lease) -> Request:
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, number)
            if row.state != RequestState.APPLYING or not fenced(session, lease):
                return Request.from_row(row)
            repository.fail_running_runs(session, number, at, "interrupted: the process running it stopped")
            kind = "destroy" if row.action == "destroy" else "up"
            run_id = repository.start_run(session, self._process.run(number, kind, at))
            T.record(
                session, row, "request.resumed", actor=BOT_ACTOR, at=at, detail={"fencing_token": lease.token}
            )
        started = _Started(Request.from_row(row), run_id, kind, lease)
        self._notifier.recovered_after_crash(started.request)
        intent = Intent.model_validate(row.intent)
        try:
            unlock = getattr(self._runner, "unlock", None)
            if unlock is not None:
                unlock(intent)
            applied = self._run(started, intent)
        except Exception as exc:
            return self._fail(started, exc)
        return self._finish(started, applied)

    def _start(self, number: int) -> _Started | Request:
        """approved -> applying, and the run; the request as it is when it moved on meanwhile."""
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, number)
            lease = self._locks.current(row.stack_name, number)
            if not fenced(session, lease):
                return Request.from_row(row)
            if not T.transition(session, row, T.APPLY_STARTED, actor=BOT_ACTOR, at=at, apply_started_at=at):
                return Request.from_row(row)
            kind = "destroy" if row.action == "destroy" else "up"
            run_id = repository.start_run(session, self._process.run(number, kind, at))
        return _Started(Request.from_row(row), run_id, kind, lease)

    def _run(self, started: _Started, intent: Intent) -> _Applied:
        progress = _NewProgress(self._notifier, started.request)
        if started.kind == "destroy":
            return _Applied(summary=self._runner.destroy(intent, on_progress=progress).summary)
        # The labels the plan was previewed with (same owners, or the approvals were voided above).
        labels = self._previewer.labels(rows.read(self._store, started.request.number), intent)
        result = self._runner.up(intent, on_progress=progress, labels=labels)
        return _Applied(dict(result.outputs), result.secret_outputs, result.summary)

    def _fail(self, started: _Started, exc: Exception) -> Request:
        message = user_message(exc)
        log.exception("%s of %s failed", started.kind, started.request.id)
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, started.request.number)
            if not fenced(session, started.lease):
                log.warning("%s lost its stack lease: its failure is not written", started.request.id)
                return Request.from_row(row)
            repository.finish_run(session, started.run_id, at, "failed", error=message)
            T.transition(session, row, T.APPLY_FAILED, actor=BOT_ACTOR, at=at, error=message, finished_at=at)
        request = rows.snapshot(self._store, started.request.number)
        self._notifier.failed(request, message)
        return request

    def _finish(self, started: _Started, applied: _Applied) -> Request:
        number = started.request.number
        at = self._clock.now()
        with self._store.write() as session:
            if not fenced(session, started.lease):
                log.warning("%s lost its stack lease: its outcome is not written", started.request.id)
                return Request.from_row(rows.locked(session, number))
            repository.finish_run(
                session,
                started.run_id,
                at,
                "succeeded",
                plan_hash=started.request.plan_hash,
                summary=dict(applied.summary),
            )
            row = rows.locked(session, number)
            T.transition(
                session,
                row,
                T.SUCCEEDED,
                actor=BOT_ACTOR,
                at=at,
                detail={"outputs": sorted(applied.outputs), "secret_outputs": sorted(applied.secrets)},
                outputs=applied.outputs,
                finished_at=at,
                error=None,
            )
            touched = _destroyed(session, row, at) if row.action == "destroy" else _changed(session, row, at)
            live_row = repository.get_resource(session, row.stack_name)
            live = ownership.facts_of(live_row)
            issued_to = live_row.credentials_from_team if live_row is not None else None
        request = rows.snapshot(self._store, number)
        self._notifier.succeeded(request, applied.outputs)
        for target in touched:
            self._notifier.request_updated(rows.snapshot(self._store, target))
        if applied.secrets:
            self._hand_over_secrets(request, live, applied.secrets, issued_to)
        return request

    def _hand_over_secrets(
        self, request: Request, live: ResourceFacts, secrets: Mapping[str, Any], issued_to: str | None
    ) -> None:
        """Secret outputs go to the requester only when the resource is theirs or their team's;
        otherwise to its owner, and the requester is told why they got none. `issued_to`: the team
        they were issued to before a transfer, which may still hold them."""
        group = ownership.owners_group(live)
        owners = self._directory.members(group) if group else frozenset()
        recipient = ownership.secret_recipient(request.requester, live, owners)
        if recipient is not None:
            self._notifier.deliver_secrets(recipient, request, secrets)
            if issued_to is not None:
                # Not rotated since a transfer: the team they were issued to may still have them.
                self._notifier.inherited_secrets(request, recipient, tuple(sorted(secrets)), issued_to)
        if recipient != request.requester:
            log.info("secrets of %s withheld from %s (owned by %s)", request.id, request.requester, group)
            self._notifier.secrets_withheld(request, recipient)

    def _replan(self, number: int, intent: Intent, plan: Plan) -> RequestState:
        """The re-preview differs from the approved plan (or the resource changed): void the
        approvals and decide again. Approved requests come here before apply, waiting ones from
        `reconsider`; a request that moved on meanwhile is left."""
        row = rows.read(self._store, number)
        before = row.state
        old = None if row.plan is None else Plan.model_validate(row.plan)
        change = plan_change(old, plan)
        at = self._clock.now()
        resource = rows.resource_facts(self._store, row.stack_name, intent)
        # The changed plan is estimated again: an estimate belongs to one plan hash.
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
            if row.state != before:
                return RequestState(row.state)
            if change.old_hash != change.new_hash:
                reason = f"plan changed from {(change.old_hash or '')[:12]} to {change.new_hash[:12]}"
            else:
                reason = _facts_change(ownership.loaded(row.resource, intent), resource)
            voided = repository.void_approvals(session, number, row.approval_round, at, reason)
            state = enter_decision(
                session,
                row,
                decision,
                at,
                replanned=True,
                resource=resource,
                policy=self._policy,
                values={
                    "plan": plan.model_dump(mode="json"),
                    "plan_hash": plan.plan_hash,
                    "planned_at": at,
                    **cost_values(costed),
                },
                extra={"voided": voided, "old_hash": change.old_hash, "change": change.lines()},
            )
        request = rows.snapshot(self._store, number)
        if state is not RequestState.APPROVED or voided:
            self._notifier.approvals_voided(request, change)
        tell_decision(self._notifier, request, plan, decision, state)
        return state


def _destroyed(session: Session, row: RequestRow, at: datetime) -> list[int]:
    """A destroy succeeded: the requests that built the stack say so; the resource is gone."""
    assert row.id is not None
    touched = repository.mark_destroyed(session, row.stack_name, row.id, at)
    repository.resource_destroyed(session, row.stack_name)
    for target in touched:
        target_row = rows.locked(session, target)
        detail = {"by": format_request_id(row.id)}
        T.record(session, target_row, "request.destroyed", actor=row.requester, at=at, detail=detail)
    return list(touched)


def _changed(session: Session, row: RequestRow, at: datetime) -> list[int]:
    """An apply succeeded: the resource is this request's now; the one it replaces is superseded."""
    assert row.id is not None
    intent = Intent.model_validate(row.intent)
    new_owner = ownership.owner_of_new(row.requester, row.requester_team, intent)
    superseded = repository.resource_changed(session, row, at, new_owner)
    expiry.on_created(session, row, at)  # ttl=: in the same transaction as the new resource
    if superseded is None:
        return []
    repository.update_request(session, superseded, at, superseded_by=row.id)
    return [superseded]


def _facts_change(decided_on: ResourceFacts, now: ResourceFacts) -> str:
    """Why approvals given on `decided_on` no longer hold, the plan being the same."""
    owners = (decided_on.exists, decided_on.owner_team, decided_on.owner)
    if owners != (now.exists, now.owner_team, now.owner):
        return "the resource's owners changed since the approvals were given"
    return f"the resource was changed by {now.request_id} since the approvals were given"
