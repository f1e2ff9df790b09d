"""One engine operation per stack at a time, across threads, processes and hosts: a row in
`stack_locks` (primary key: the stack name) held while a request previews or applies.

A request that finds its stack busy keeps its state (evaluated or approved), is told who holds
the stack, and is started again when the holder lets go.
"""

from __future__ import annotations

from collections.abc import Set

from bot.clock import Clock
from bot.store import RequestRow, StackLockRow, Store, repository
from bot.workflow import rows
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, LockHolder, Request, RequestState, Step, format_request_id
from bot.workflow.ports import Schedule, WorkflowPolicy
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier


class StackLocks:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        notifier: SafeNotifier,
        policy: WorkflowPolicy,
        process: Process,
        schedule: Schedule,
    ) -> None:
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._process = process
        self._schedule = schedule

    def take(self, number: int, eligible: Set[RequestState], retry: Step) -> tuple[RequestRow, bool]:
        """Lock the request's stack if the request is still in an `eligible` state.

        `retry`: the step to schedule again when the lock was let go of between trying and looking.
        """
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, number)
            if row.state not in eligible:
                return row, False
            taken = repository.try_lock_stack(
                session,
                StackLockRow(
                    stack_name=row.stack_name,
                    request_id=number,
                    hostname=self._process.hostname,
                    pid=self._process.pid,
                    process_token=self._process.token,
                    acquired_at=at,
                ),
            )
            holder = None if taken else repository.get_lock(session, row.stack_name)
            busy = holder is not None and holder.request_id != number
            if busy:
                assert holder is not None
                detail = {"holder": format_request_id(holder.request_id), "hostname": holder.hostname}
                T.record(session, row, "stack.busy", actor=BOT_ACTOR, at=at, detail=detail)
        if busy and holder is not None:
            self._notifier.stack_busy(Request.from_row(row), LockHolder.from_row(holder))
        elif not taken and holder is None:
            self._schedule(retry, format_request_id(number))  # let go of in between: try again
        # Otherwise this request already holds the lock: its operation is running on another thread.
        return row, taken

    def release(self, stack_name: str, number: int) -> None:
        """Let go of the stack and start the oldest request that waits for it."""
        with self._store.write() as session:
            repository.release_lock(session, stack_name, number)
        with self._store.read() as session:
            waiting = repository.requests_in_states(
                session, {RequestState.EVALUATED, RequestState.APPROVED}, stack_name=stack_name
            )
        for row in waiting:
            step = T.next_step(row, auto_apply_when_allowed=self._policy.auto_apply_when_allowed)
            if step is not None:
                self._schedule(step, format_request_id(row.id or 0))
                return
