"""The request workflow: one object, built once with its side effects, used by the Slack adapter.

A thin front. It builds the parts, each handed only the ports it uses, and every public method
delegates to one of them:

    Submissions     submit, request_destroy        (submissions.py)
    Planner         plan                           (planner.py, with the Previewer)
    Applier         apply                          (applier.py)
    Approvals       approve, reject, cancel, expire_due   (approving.py)
    Transfers       transfer                       (transfers.py)
    DayTwo          update, rotate, owned_by       (day2.py)
    Recovery        recover_after_restart          (recovery.py)
    RequestQueries  get, list_for, pending_approvals_for, status   (queries.py)

StackLocks (locks.py) is shared by the planner and the applier; the executor (`worker`) runs
the steps they schedule, and is bound to this front's `_run_step`.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import assert_never

from bot.approvals import ApprovalResult, RejectionResult
from bot.clock import Clock, SystemClock
from bot.store import Store
from bot.workflow.applier import Applier
from bot.workflow.approving import Approvals
from bot.workflow.costing import Costing
from bot.workflow.day2 import DayTwo, LiveResource, LiveTarget
from bot.workflow.locks import LeaseTimes, StackLocks
from bot.workflow.model import Outcome, Request, RequestStatus, Step
from bot.workflow.planner import Planner, Previewer
from bot.workflow.ports import Directory, Executor, Notifier, Rulebook, Runner, WorkflowPolicy
from bot.workflow.queries import RequestQueries, Scope
from bot.workflow.recovery import Recovery
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier
from bot.workflow.submissions import Submissions
from bot.workflow.transfers import Transfers
from intents.catalog import Catalog
from intents.intent import Intent
from rulebook import Actor


class Workflow:
    """Every transition of a request, each one compare-and-set in the database and audited."""

    # No attribute is added or swapped after construction: the parts hold the ports they were given.
    __slots__ = (
        "store",
        "clock",
        "policy",
        "hostname",
        "pid",
        "process_token",
        "_submissions",
        "_planner",
        "_applier",
        "_approvals",
        "_transfers",
        "_day2",
        "_recovery",
        "_queries",
    )

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
        worker: Executor | None = None,
        hostname: str | None = None,
        pid: int | None = None,
        leases: LeaseTimes | None = None,
        costing: Costing | None = None,
        rotatable: Collection[str] | None = None,
    ) -> None:
        """`worker`: where follow-up work goes (plan after submit, apply after the last approval,
        the next request waiting for a stack). Without one nothing is scheduled and the caller drives
        each step, which is what the unit tests do. `costing`: the price book and budgets every plan
        is estimated with; without it plans carry no estimate. `rotatable`: the golden paths whose
        credentials `rotate` can renew (None: any path may try)."""
        self.store = store
        self.clock = clock = clock or SystemClock()
        self.policy = policy = policy or WorkflowPolicy()
        self.hostname = hostname or socket.gethostname()
        self.pid = pid if pid is not None else os.getpid()
        # Tells this process's locks from a previous process with the same host and pid (containers).
        self.process_token = uuid.uuid4().hex
        process = Process(self.hostname, self.pid, self.process_token)
        safe = SafeNotifier(notifier)
        schedule = worker.submit if worker is not None else _nowhere
        locks = StackLocks(
            store=store,
            clock=clock,
            notifier=safe,
            policy=policy,
            process=process,
            schedule=schedule,
            times=leases,
        )
        costing = costing or Costing(store=store)
        previewer = Previewer(
            store=store, runner=runner, clock=clock, notifier=safe, process=process, costing=costing
        )
        self._applier = Applier(
            store=store,
            rulebook=rulebook,
            runner=runner,
            directory=directory,
            clock=clock,
            notifier=safe,
            policy=policy,
            locks=locks,
            previewer=previewer,
            process=process,
            costing=costing,
        )
        self._planner = Planner(
            store=store,
            rulebook=rulebook,
            clock=clock,
            notifier=safe,
            policy=policy,
            locks=locks,
            previewer=previewer,
            apply_planned=self._applier.apply_locked,
            costing=costing,
        )
        self._submissions = Submissions(
            store=store,
            rulebook=rulebook,
            catalog=catalog,
            runner=runner,
            directory=directory,
            clock=clock,
            notifier=safe,
            schedule=schedule,
        )
        self._day2 = DayTwo(
            store=store, catalog=catalog, clock=clock, submissions=self._submissions, rotatable=rotatable
        )
        self._approvals = Approvals(
            store=store, directory=directory, clock=clock, notifier=safe, policy=policy, schedule=schedule
        )
        self._transfers = Transfers(
            store=store,
            directory=directory,
            clock=clock,
            notifier=safe,
            admins=policy.admins,
            reconsider=self._applier.reconsider_waiting,
        )
        self._recovery = Recovery(
            store=store,
            clock=clock,
            notifier=safe,
            policy=policy,
            process=process,
            schedule=schedule,
            # With an executor the resume is its APPLY step (on a Temporal worker, not this replica).
            resume=self._applier.resume if worker is None else None,
        )
        self._queries = RequestQueries(store=store, clock=clock, directory=directory)
        if worker is not None:
            worker.bind(self._run_step)

    # Opening, planning, applying ---------------------------------------------------------------

    def submit(
        self,
        intent: Intent,
        actor: Actor,
        channel: str,
        now: datetime | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        return self._submissions.submit(intent, actor, channel, now, dedupe_key=dedupe_key)

    def request_destroy(
        self,
        target_request_id: str | int,
        actor: Actor,
        channel: str | None = None,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        return self._submissions.request_destroy(target_request_id, actor, channel, dedupe_key=dedupe_key)

    def update(
        self,
        request_id: str | int,
        changes: Sequence[tuple[str, str]],
        actor: Actor,
        channel: str,
        *,
        dedupe_key: str | None = None,
    ) -> Request:
        return self._day2.update(request_id, changes, actor, channel, dedupe_key=dedupe_key)

    def rotate(
        self, request_id: str | int, actor: Actor, channel: str, *, dedupe_key: str | None = None
    ) -> Request:
        return self._day2.rotate(request_id, actor, channel, dedupe_key=dedupe_key)

    def live_target(self, request_id: str | int) -> LiveTarget:
        return self._day2.target(request_id)

    def owned_by(self, actor: Actor) -> list[LiveResource]:
        return self._day2.owned_by(actor)

    def plan(self, request_id: str | int) -> Request:
        return self._planner.plan(request_id)

    def apply(self, request_id: str | int) -> Request:
        return self._applier.apply(request_id)

    # What people decide ------------------------------------------------------------------------

    def approve(self, request_id: str | int, approver: str, plan_hash: str) -> ApprovalResult:
        return self._approvals.approve(request_id, approver, plan_hash)

    def reject(self, request_id: str | int, approver: str, reason: str) -> RejectionResult:
        return self._approvals.reject(request_id, approver, reason)

    def rejection_refused(self, request_id: str | int, approver: str) -> RejectionResult | None:
        return self._approvals.rejection_refused(request_id, approver)

    def cancel(self, request_id: str | int, actor: str) -> Outcome:
        return self._approvals.cancel(request_id, actor)

    def transfer(self, request_id: str | int, team: str, actor: str) -> Outcome:
        return self._transfers.transfer(request_id, team, actor)

    # What time and restarts do -----------------------------------------------------------------

    def expire_due(self, now: datetime | None = None) -> list[Request]:
        return self._approvals.expire_due(now)

    def recover_after_restart(self) -> list[Request]:
        return self._recovery.recover_after_restart()

    # Reading -----------------------------------------------------------------------------------

    def get(self, request_id: str | int) -> Request:
        return self._queries.get(request_id)

    def list_for(self, user: str, scope: Scope = "mine", limit: int = 20) -> list[Request]:
        return self._queries.list_for(user, scope, limit)

    def pending_approvals_for(self, user: str) -> list[Request]:
        return self._queries.pending_approvals_for(user)

    def status(self, request_id: str | int) -> RequestStatus:
        return self._queries.status(request_id)

    # What the executor runs --------------------------------------------------------------------

    def _run_step(self, step: Step, request_id: str) -> Request:
        match step:
            case Step.PLAN:
                return self.plan(request_id)
            case Step.APPLY:
                return self.apply(request_id)
            case _:
                assert_never(step)


def _nowhere(step: Step, request_id: str) -> None:
    """No executor: nothing runs in the background."""
