"""After a crash: resume the applies a dead process left behind, start queued work.

Nothing here looks at hosts or pids. An apply left `applying` is resumed when its stack's lease
has expired (the process that held it stopped renewing): the applier takes the lease over, clears
the dead attempt's Pulumi lock and runs the operation again. A live lease is left alone: its holder
runs, here or elsewhere, and when it dies its lease expires and the next start-up (or a Temporal
retry) resumes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from bot.clock import Clock
from bot.store import Store, repository
from bot.workflow import transitions as T
from bot.workflow.model import Request, RequestState, Step, format_request_id
from bot.workflow.ports import Schedule, WorkflowPolicy
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier

log = logging.getLogger("bot.workflow.recovery")
# After a live lease's expiry, a little more before looking again: its holder's last renewal may
# be in flight.
_SLACK_SECONDS = 1.0


class Recovery:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        notifier: SafeNotifier,
        policy: WorkflowPolicy,
        process: Process,
        schedule: Schedule,
        resume: Callable[[int], Request] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._process = process
        self._schedule = schedule
        self._resume_apply = resume

    def recover_after_restart(self) -> list[Request]:
        """Run at start: resume every apply whose lease expired (or is gone); returns those resumed
        (or handed to the executor to resume).

        The resume runs here, before the bot takes traffic; without a `resume` it is handed to the
        executor as an APPLY step (which resumes an `applying` request)."""
        at = self._clock.now()
        with self._store.read() as session:
            applying = repository.requests_in_states(session, {RequestState.APPLYING})
            locks = {
                lock.stack_name: (lock.request_id, lock.expires_at) for lock in repository.all_locks(session)
            }
        resumed = []
        for row in applying:
            assert row.id is not None
            lock = locks.get(row.stack_name)
            if lock is not None and lock[1] > at:
                # A live holder: look again once its lease would have run out. When it is alive it
                # will have renewed (nothing happens); when it died, the apply resumes then.
                self._look_again(Step.APPLY, row.id, (lock[1] - at).total_seconds() + _SLACK_SECONDS)
                continue
            if self._resume_apply is not None:
                resumed.append(self._resume_apply(row.id))
            else:
                self._schedule(Step.APPLY, format_request_id(row.id))
                resumed.append(Request.from_row(row))
        self._resume(locks, at)
        return resumed

    def _look_again(self, step: Step, number: int, after: float) -> None:
        resume = self._resume_apply if step is Step.APPLY else None
        schedule = self._schedule

        def run() -> None:
            try:
                if resume is not None:
                    resume(number)
                else:
                    schedule(step, format_request_id(number))
            except Exception:  # noqa: BLE001 - a timer thread has nobody to raise to
                log.info("request %s: not resumed (its lease is still held)", number, exc_info=True)

        timer = threading.Timer(after, run)
        timer.daemon = True
        timer.start()

    def _resume(self, locks: dict[str, tuple[int, datetime]], at: datetime) -> None:
        """Work that was queued in memory when the process died: plan what waits for a plan, apply
        what may apply. Both are idempotent and leased, so a second live bot doing the same is harmless.
        A step of the request itself holding its stack (a dead process's plan, or a live one's) is
        looked at again once that lease would have run out: started now, it would find it held."""
        with self._store.read() as session:
            pending = repository.requests_in_states(session, {RequestState.EVALUATED, RequestState.APPROVED})
        for row in pending:
            step = T.next_step(row, auto_apply_when_allowed=self._policy.auto_apply_when_allowed)
            if step is None:
                continue
            lock = locks.get(row.stack_name)
            if lock is not None and lock[0] == row.id and lock[1] > at:
                self._look_again(step, row.id, (lock[1] - at).total_seconds() + _SLACK_SECONDS)
            else:
                self._schedule(step, format_request_id(row.id or 0))
