"""Applying approved requests under a stack lock, and cleaning up after a crash."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from bot.store import StackLockRow, repository
from bot.workflow import transitions as T
from bot.workflow.core import WorkflowBase, log
from bot.workflow.decisions import DecisionsMixin
from bot.workflow.model import BOT_ACTOR, LockHolder, Request, RequestState, format_request_id
from bot.workflow.plans import plan_change, plan_facts
from bot.workflow.requests import GENERIC_FAILURE, RequestsMixin, action_of
from intents.intent import Intent
from provisioners.errors import ProvisionerError
from provisioners.plan import Plan

RESTART_MESSAGE = "The bot restarted during the apply; nothing was lost: re-run with `{hint}`."


class ExecutionMixin(RequestsMixin, DecisionsMixin, WorkflowBase):
    def apply(self, request_id: str | int) -> Request:
        """Take the stack lock, re-preview, then apply (or go back for approvals if the plan changed).

        Does nothing unless the request is `approved`, so a retried or doubled call is harmless.
        When another request holds the stack, this one stays approved and waits; the holder starts
        it on release (with a worker).
        """
        row = self._row(request_id)
        number = row.id
        assert number is not None
        if row.state != RequestState.APPROVED:
            return Request.from_row(row)
        at = self.clock.now()
        lock = StackLockRow(
            stack_name=row.stack_name,
            request_id=number,
            hostname=self.hostname,
            pid=self.pid,
            process_token=self.process_token,
            acquired_at=at,
        )
        with self.store.write() as session:
            row = self._locked(session, number)
            if row.state != RequestState.APPROVED:  # cancelled while we were getting here
                return Request.from_row(row)
            taken = repository.try_lock_stack(session, lock)
            holder = None if taken else repository.get_lock(session, row.stack_name)
            busy = holder is not None and holder.request_id != number
            if busy:
                assert holder is not None
                detail = {"holder": format_request_id(holder.request_id), "hostname": holder.hostname}
                T.record(session, row, "apply.stack_busy", actor=BOT_ACTOR, at=at, detail=detail)
        if not taken:
            request = Request.from_row(row)
            if busy and holder is not None:
                self._notify("stack_busy", request, LockHolder.from_row(holder))
            elif holder is None:
                self._schedule(self.apply, request.id)  # released in between: try again
            return request  # else: this request's apply is already running elsewhere
        try:
            return self._apply_locked(number)
        finally:
            with self.store.write() as session:
                repository.release_lock(session, row.stack_name, number)
            self._start_next(row.stack_name)

    def _apply_locked(self, number: int) -> Request:
        row = self._row(number)
        if row.state != RequestState.APPROVED:
            return Request.from_row(row)
        intent = Intent.model_validate(row.intent)
        plan = self._preview(row, intent)
        if plan is None:
            return self._snapshot(number)
        if (
            plan.plan_hash != row.plan_hash
            and self._replan(number, intent, plan) is not RequestState.APPROVED
        ):
            return self._snapshot(number)
        at = self.clock.now()
        with self.store.write() as session:
            row = self._locked(session, number)
            if not T.transition(session, row, T.APPLY_STARTED, actor=BOT_ACTOR, at=at, apply_started_at=at):
                return Request.from_row(row)
            kind = "destroy" if row.action == "destroy" else "up"
            run_id = repository.start_run(session, self._run(number, kind))
        request = Request.from_row(row)
        last: list[Any] = []

        def on_progress(event: Any) -> None:
            # The engine repeats itself; pass on only what is new.
            if last and last[0] == event:
                return
            last[:] = [event]
            self._notify("progress", request, event)

        try:
            if kind == "destroy":
                self.runner.destroy(intent, on_progress=on_progress)
                outputs: dict[str, Any] = {}
                secrets: Mapping[str, Any] = {}
            else:
                result = self.runner.up(intent, on_progress=on_progress)
                outputs, secrets = dict(result.outputs), result.secret_outputs
        except Exception as exc:
            message = exc.message if isinstance(exc, ProvisionerError) else GENERIC_FAILURE
            log.exception("%s of %s failed", kind, request.id)
            at = self.clock.now()
            with self.store.write() as session:
                repository.finish_run(session, run_id, at, "failed", error=message)
                row = self._locked(session, number)
                T.transition(
                    session, row, T.APPLY_FAILED, actor=BOT_ACTOR, at=at, error=message, finished_at=at
                )
            request = self._snapshot(number)
            self._notify("failed", request, message)
            return request
        at = self.clock.now()
        with self.store.write() as session:
            repository.finish_run(session, run_id, at, "succeeded", plan_hash=row.plan_hash)
            row = self._locked(session, number)
            T.transition(
                session,
                row,
                T.SUCCEEDED,
                actor=BOT_ACTOR,
                at=at,
                detail={"outputs": sorted(outputs), "secret_outputs": sorted(secrets)},
                outputs=outputs,
                finished_at=at,
                error=None,
            )
            if row.action == "destroy" and row.target_request_id is not None:
                target = self._locked(session, row.target_request_id)
                repository.update_request(session, row.target_request_id, at, destroyed_at=at)
                detail = {"by": format_request_id(number)}
                T.record(session, target, "request.destroyed", actor=row.requester, at=at, detail=detail)
        request = self._snapshot(number)
        self._notify("succeeded", request, outputs)
        if secrets:
            self._notify("deliver_secrets", request.requester, request, secrets)
        return request

    def _replan(self, number: int, intent: Intent, plan: Plan) -> RequestState:
        """The re-preview differs from the approved plan: void the approvals and decide again."""
        row = self._row(number)
        old = None if row.plan is None else Plan.model_validate(row.plan)
        change = plan_change(old, plan)
        at = self.clock.now()
        decision = self.rulebook.evaluate(
            intent,
            Request.from_row(row).actor,
            at,
            action=action_of(row),
            plan=plan_facts(plan),
        )
        with self.store.write() as session:
            row = self._locked(session, number)
            if row.state != RequestState.APPROVED:
                return RequestState(row.state)
            reason = f"plan changed from {(change.old_hash or '')[:12]} to {change.new_hash[:12]}"
            voided = repository.void_approvals(session, number, row.approval_round, at, reason)
            route = self._route(
                session,
                row,
                decision,
                at,
                replanned=True,
                values={"plan": plan.model_dump(mode="json"), "plan_hash": plan.plan_hash, "planned_at": at},
                extra={"voided": voided, "old_hash": change.old_hash, "change": change.lines()},
            )
        request = self._snapshot(number)
        if route is not RequestState.APPROVED or voided:
            self._notify("approvals_voided", request, change)
        self._notify("plan_ready", request, plan, decision)
        if route is RequestState.AWAITING_APPROVAL:
            for group, count in request.required_approvals.items():
                self._notify("approval_requested", request, group, count)
        return route

    def _start_next(self, stack_name: str) -> None:
        """Start the oldest approved request that waited for this stack."""
        if self.worker is None:
            return
        with self.store.read() as session:
            waiting = repository.requests_in_states(
                session, {RequestState.APPROVED}, stack_name=stack_name, limit=1
            )
        for row in waiting:
            self._schedule(self.apply, row.id)

    # Recovery ----------------------------------------------------------------------------------

    def recover_after_restart(self) -> list[Request]:
        """Run at start: fail applies a dead process left `applying`, and free the locks it held.

        A lock is orphaned when it was taken on this host by another process that is gone (or by
        an earlier process with our pid, as after a container restart). Locks of other hosts are
        left alone: from here nobody can tell whether that process still runs.
        """
        at = self.clock.now()
        with self.store.read() as session:
            applying = repository.requests_in_states(session, {RequestState.APPLYING})
            locks = {lock.stack_name: lock for lock in repository.all_locks(session)}
        recovered = []
        for row in applying:
            assert row.id is not None
            lock = locks.get(row.stack_name)
            held = lock if lock is not None and lock.request_id == row.id else None
            if held is not None and not self._orphaned(held):
                continue
            hint = (
                f"/platform destroy {format_request_id(row.target_request_id)}"
                if row.action == "destroy" and row.target_request_id is not None
                else f"/platform request {row.intent_text}"
            )
            message = RESTART_MESSAGE.format(hint=hint)
            with self.store.write() as session:
                locked = self._locked(session, row.id)
                moved = T.transition(
                    session,
                    locked,
                    T.RECOVERED_AFTER_CRASH,
                    actor=BOT_ACTOR,
                    at=at,
                    detail={"lock": None if held is None else {"hostname": held.hostname, "pid": held.pid}},
                    error=message,
                    finished_at=at,
                )
                if moved:
                    repository.fail_running_runs(session, row.id, at, "the bot restarted")
                    repository.release_lock(session, row.stack_name, row.id)
            if moved:
                request = self._snapshot(row.id)
                self._notify("recovered_after_crash", request)
                recovered.append(request)
        for lock in locks.values():
            if self._orphaned(lock):
                with self.store.write() as session:
                    if repository.release_lock(session, lock.stack_name, lock.request_id):
                        holder = self._locked(session, lock.request_id)
                        detail = {"stack": lock.stack_name, "hostname": lock.hostname, "pid": lock.pid}
                        T.record(session, holder, "stack_lock.cleared", actor=BOT_ACTOR, at=at, detail=detail)
        self._resume()
        return recovered

    def _resume(self) -> None:
        """Work that was queued in memory when the process died: plan what waits for a plan,
        apply what is approved. Both are idempotent, so a second live bot doing the same is harmless."""
        if self.worker is None:
            return
        with self.store.read() as session:
            pending = repository.requests_in_states(session, {RequestState.EVALUATED, RequestState.APPROVED})
        for row in pending:
            self._schedule(self.plan if row.state == RequestState.EVALUATED else self.apply, row.id)

    def _orphaned(self, lock: StackLockRow) -> bool:
        if lock.hostname != self.hostname or lock.process_token == self.process_token:
            return False
        return lock.pid == self.pid or not _pid_alive(lock.pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
