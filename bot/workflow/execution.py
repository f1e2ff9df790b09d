"""Applying approved requests under the stack lock; going back for approvals when the plan changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.store import repository
from bot.workflow import ownership
from bot.workflow import transitions as T
from bot.workflow.core import WorkflowBase, log
from bot.workflow.decisions import DecisionsMixin
from bot.workflow.model import BOT_ACTOR, Request, RequestState, format_request_id
from bot.workflow.plans import plan_change, plan_facts
from bot.workflow.requests import GENERIC_FAILURE, RequestsMixin, action_of
from intents.intent import Intent
from provisioners.errors import ProvisionerError
from provisioners.plan import Plan
from rulebook import ResourceFacts


class ExecutionMixin(RequestsMixin, DecisionsMixin, WorkflowBase):
    def apply(self, request_id: str | int) -> Request:
        """Take the stack lock, re-preview, then apply (or go back for approvals if the plan changed).

        Does nothing unless the request is `approved`, so a retried or doubled call is harmless.
        When another request holds the stack, this one stays approved and waits; it is started
        again when the holder lets go (with a worker).
        """
        row = self._row(request_id)
        number = row.id
        assert number is not None
        if row.state != RequestState.APPROVED:
            return Request.from_row(row)
        row, taken = self._take_stack(number, {RequestState.APPROVED}, self.apply)
        if not taken:
            return Request.from_row(row)
        try:
            return self._apply_locked(number)
        finally:
            self._release_stack(row.stack_name, number)

    def _apply_locked(self, number: int, fresh: Plan | None = None) -> Request:
        """With the stack lock held. `fresh`: a plan previewed under this same lock (no re-preview)."""
        row = self._row(number)
        if row.state != RequestState.APPROVED:
            return Request.from_row(row)
        intent = Intent.model_validate(row.intent)
        plan = fresh or self._preview(row, intent)
        if plan is None:
            return self._snapshot(number)
        # A changed plan, or owners who changed since the decision (someone else created or took the
        # resource meanwhile), void the approvals: the request is decided again on the facts of now.
        owners_changed = self._resource_facts(row.stack_name) != ownership.loaded(row.resource)
        if (plan.plan_hash != row.plan_hash or owners_changed) and self._replan(
            number, intent, plan
        ) is not RequestState.APPROVED:
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
                result: object = self.runner.destroy(intent, on_progress=on_progress)
                outputs: dict[str, Any] = {}
                secrets: Mapping[str, Any] = {}
            else:
                applied = self.runner.up(intent, on_progress=on_progress)
                outputs, secrets, result = dict(applied.outputs), applied.secret_outputs, applied
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
            summary = _counts(getattr(result, "summary", None))
            repository.finish_run(session, run_id, at, "succeeded", plan_hash=row.plan_hash, summary=summary)
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
            if row.action == "destroy":
                touched = repository.mark_destroyed(session, row.stack_name, number, at)
                repository.resource_destroyed(session, row.stack_name)
                for target in touched:
                    target_row = self._locked(session, target)
                    detail = {"by": format_request_id(number)}
                    T.record(
                        session, target_row, "request.destroyed", actor=row.requester, at=at, detail=detail
                    )
            else:
                superseded = repository.resource_changed(session, row, at)
                touched = [] if superseded is None else [superseded]
                if superseded is not None:
                    repository.update_request(session, superseded, at, superseded_by=number)
            live = ownership.facts_of(repository.get_resource(session, row.stack_name))
        request = self._snapshot(number)
        self._notify("succeeded", request, outputs)
        for target in touched:
            self._notify("request_updated", self._snapshot(target))
        if secrets:
            self._hand_over_secrets(request, live, secrets)
        return request

    def _hand_over_secrets(self, request: Request, live: ResourceFacts, secrets: Mapping[str, Any]) -> None:
        """Secret outputs go to the requester only when the resource is theirs or their team's;
        otherwise to its owner, and the requester is told why they got none."""
        group = ownership.owners_group(live)
        owners = self.directory.members(group) if group else frozenset()
        recipient = ownership.secret_recipient(request.requester, live, owners)
        if recipient is not None:
            self._notify("deliver_secrets", recipient, request, secrets)
        if recipient != request.requester:
            log.info("secrets of %s withheld from %s (owned by %s)", request.id, request.requester, group)
            self._notify("secrets_withheld", request, recipient)

    def _replan(self, number: int, intent: Intent, plan: Plan) -> RequestState:
        """The re-preview differs from the approved plan: void the approvals and decide again."""
        row = self._row(number)
        old = None if row.plan is None else Plan.model_validate(row.plan)
        change = plan_change(old, plan)
        at = self.clock.now()
        resource = self._resource_facts(row.stack_name)
        decision = self.rulebook.evaluate(
            intent,
            Request.from_row(row).actor,
            at,
            action=action_of(row),
            plan=plan_facts(plan),
            resource=resource,
        )
        with self.store.write() as session:
            row = self._locked(session, number)
            if row.state != RequestState.APPROVED:
                return RequestState(row.state)
            if change.old_hash == change.new_hash:
                reason = "the resource's owners changed since the approvals were given"
            else:
                reason = f"plan changed from {(change.old_hash or '')[:12]} to {change.new_hash[:12]}"
            voided = repository.void_approvals(session, number, row.approval_round, at, reason)
            route = self._route(
                session,
                row,
                decision,
                at,
                replanned=True,
                resource=resource,
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


def _counts(summary: object) -> dict[str, int] | None:
    """The engine's op counts, and only those: nothing else from a result is stored with the run."""
    if not isinstance(summary, Mapping):
        return None
    return {str(op): n for op, n in summary.items() if isinstance(n, int) and not isinstance(n, bool)}
