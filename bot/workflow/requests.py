"""Opening requests (to apply, or to destroy what one built) and planning them."""

from __future__ import annotations

from datetime import datetime

from bot.errors import InvalidTransition, NotAllowed, StoreConflict, WorkflowError
from bot.store import RequestRow, RunRow, repository
from bot.workflow import ownership
from bot.workflow import transitions as T
from bot.workflow.core import WorkflowBase, deny_message, log
from bot.workflow.locks import StackLocksMixin
from bot.workflow.model import (
    BOT_ACTOR,
    FINAL_STATES,
    Request,
    RequestState,
    format_request_id,
)
from bot.workflow.plans import plan_facts
from intents.intent import Intent
from provisioners.errors import ProvisionerError
from provisioners.plan import Plan
from rulebook import Action, Actor, Verdict

GENERIC_FAILURE = (
    "Something went wrong on the platform side; the platform team has the details in the bot's log."
)


class RequestsMixin(StackLocksMixin, WorkflowBase):
    # Submit ------------------------------------------------------------------------------------

    def submit(
        self,
        intent: Intent,
        actor: Actor,
        channel: str,
        now: datetime | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        """Check the intent-stage rules and store the request: `denied` (with reasons) or `evaluated`."""
        return self._open(intent, actor, channel, "apply", None, now or self.clock.now(), dedupe_key)

    def request_destroy(
        self,
        target_request_id: str | int,
        actor: Actor,
        channel: str | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        """A new `destroy` request for what `target_request_id` built, through the same rules and approvals.

        Asking twice while one is open returns the open one.
        """
        target = self._row(target_request_id)
        assert target.id is not None
        name = format_request_id(target.id)
        if target.action != "apply":
            raise NotAllowed(f"{name} is itself a destroy request.")
        if target.destroyed_at is not None:
            raise NotAllowed(f"What {name} built was already destroyed.")
        if target.state != RequestState.SUCCEEDED:
            raise InvalidTransition(name, target.state.replace("_", " "), "destroyed")
        with self.store.read() as session:
            existing = repository.open_destroy_for(session, target.id, FINAL_STATES)
        if existing is not None:
            return Request.from_row(existing)
        at = self.clock.now()
        return self._open(
            Intent.model_validate(target.intent),
            actor,
            channel or target.channel,
            "destroy",
            target.id,
            at,
            dedupe_key,
        )

    def _open(
        self,
        intent: Intent,
        actor: Actor,
        channel: str,
        action: Action,
        target: int | None,
        at: datetime,
        dedupe_key: str | None,
    ) -> Request:
        if dedupe_key is not None:
            with self.store.read() as session:
                seen = repository.find_by_dedupe_key(session, dedupe_key)
            if seen is not None:
                return Request.from_row(seen)
        try:
            stack_name = self.runner.stack_name(intent)
        except ProvisionerError as exc:
            raise WorkflowError(exc.message) from exc
        resource = self._resource_facts(stack_name)
        decision = self.rulebook.evaluate(intent, actor, at, action=action, resource=resource)
        denied = decision.verdict is Verdict.DENY
        row = RequestRow(
            dedupe_key=dedupe_key,
            requester=actor.user_id,
            requester_team=actor.team,
            requester_groups=list(actor.groups),
            channel=channel,
            action=action,
            target_request_id=target,
            path=intent.path,
            intent=intent.model_dump(mode="json"),
            intent_text=self._intent_text(intent),
            stack_name=stack_name,
            resource=ownership.stored(resource),
            state=RequestState.DENIED if denied else RequestState.EVALUATED,
            intent_decision=decision.model_dump(mode="json"),
            rulebook_version=decision.rulebook_version,
            error=deny_message(decision) if denied else None,
            created_at=at,
            updated_at=at,
            finished_at=at if denied else None,
        )
        try:
            with self.store.write() as session:
                if target is not None:
                    self._locked(session, target)  # one destroy at a time per target
                    if repository.open_destroy_for(session, target, FINAL_STATES) is not None:
                        raise StoreConflict()
                repository.insert_request(session, row)
                detail = {
                    "verdict": str(decision.verdict),
                    "rules": list(decision.rule_ids),
                    "action": action,
                }
                T.created(session, row, actor=actor.user_id, at=at, detail=detail)
        except StoreConflict:
            # Lost a race with the same retry (dedupe key) or the same destroy click: return the winner.
            with self.store.read() as session:
                if dedupe_key is not None and (seen := repository.find_by_dedupe_key(session, dedupe_key)):
                    return Request.from_row(seen)
                if target is not None and (
                    seen := repository.open_destroy_for(session, target, FINAL_STATES)
                ):
                    return Request.from_row(seen)
            raise
        assert row.id is not None
        request = Request.from_row(row)
        thread_ts = self._notify("request_opened", request)
        if isinstance(thread_ts, str) and thread_ts:
            with self.store.write() as session:
                repository.update_request(session, row.id, at, thread_ts=thread_ts)
            request = self._snapshot(row.id)
        self._notify("verdict_posted", request, decision)
        if not denied:
            self._schedule(self.plan, request.id)
        return request

    # Plan --------------------------------------------------------------------------------------

    def plan(self, request_id: str | int) -> Request:
        """Preview under the stack lock, then the full decision: denied, awaiting approval, or
        approved (and, when the rulebook allows it outright, applied right away)."""
        row = self._row(request_id)
        number = row.id
        assert number is not None
        if row.state != RequestState.EVALUATED:
            return Request.from_row(row)  # already planned, or cancelled meanwhile
        row, taken = self._take_stack(number, {RequestState.EVALUATED}, self.plan)
        if not taken:
            return Request.from_row(row)
        try:
            request, plan = self._plan_locked(number)
            if (
                plan is not None
                and request.state is RequestState.APPROVED
                and self.policy.auto_apply_when_allowed
            ):
                # Still holding the lock: the plan just made is the plan to apply, no second preview.
                return self._apply_locked(number, fresh=plan)
            return request
        finally:
            self._release_stack(row.stack_name, number)

    def _plan_locked(self, number: int) -> tuple[Request, Plan | None]:
        row = self._row(number)
        intent = Intent.model_validate(row.intent)
        plan = self._preview(row, intent)
        if plan is None:
            return self._snapshot(number), None
        at = self.clock.now()
        actor = Request.from_row(row).actor
        # The owners as they are now: another request may have created or changed the resource.
        resource = self._resource_facts(row.stack_name)
        decision = self.rulebook.evaluate(
            intent, actor, at, action=action_of(row), plan=plan_facts(plan), resource=resource
        )
        with self.store.write() as session:
            row = self._locked(session, number)
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
            )
            if not planned:
                return Request.from_row(row), None
            route = self._route(session, row, decision, at, replanned=False, values={}, resource=resource)
        request = self._snapshot(number)
        self._notify("plan_ready", request, plan, decision)
        if route is RequestState.AWAITING_APPROVAL:
            for group, count in request.required_approvals.items():
                self._notify("approval_requested", request, group, count)
        return request, plan

    def _apply_locked(self, number: int, fresh: Plan | None = None) -> Request:
        raise NotImplementedError  # bot.workflow.execution

    def _preview(self, row: RequestRow, intent: Intent) -> Plan | None:
        """Run the preview (recorded as a run); on failure mark the request failed and return None."""
        assert row.id is not None
        kind = "preview_destroy" if row.action == "destroy" else "preview"
        with self.store.write() as session:
            run_id = repository.start_run(session, self._run(row.id, kind))
        try:
            plan = (
                self.runner.preview_destroy(intent)
                if kind == "preview_destroy"
                else self.runner.preview(intent)
            )
        except Exception as exc:
            message = exc.message if isinstance(exc, ProvisionerError) else GENERIC_FAILURE
            log.exception("%s of %s failed", kind, format_request_id(row.id))
            at = self.clock.now()
            with self.store.write() as session:
                repository.finish_run(session, run_id, at, "failed", error=message)
                locked = self._locked(session, row.id)
                failed = T.transition(
                    session, locked, T.PREVIEW_FAILED, actor=BOT_ACTOR, at=at, error=message, finished_at=at
                )
            if failed:
                self._notify("failed", self._snapshot(row.id), message)
            return None
        with self.store.write() as session:
            repository.finish_run(session, run_id, self.clock.now(), "succeeded", plan_hash=plan.plan_hash)
        return plan

    def _run(self, number: int, kind: str) -> RunRow:
        return RunRow(
            request_id=number,
            kind=kind,
            outcome="running",
            hostname=self.hostname,
            pid=self.pid,
            started_at=self.clock.now(),
        )


def action_of(row: RequestRow) -> Action:
    return "destroy" if row.action == "destroy" else "apply"
