"""One engine operation per stack at a time, across threads, processes and hosts: a row in
`stack_locks` (primary key: the stack name) held while a request previews or applies.

A request that finds its stack busy keeps its state (evaluated or approved), is told who holds
the stack, and is started again when the holder lets go.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.store import RequestRow, StackLockRow, repository
from bot.workflow import transitions as T
from bot.workflow.core import WorkflowBase
from bot.workflow.model import BOT_ACTOR, LockHolder, Request, RequestState, format_request_id


class StackLocksMixin(WorkflowBase):
    def _take_stack(
        self, number: int, eligible: set[RequestState], retry: Callable[[str], Any]
    ) -> tuple[RequestRow, bool]:
        """Lock the request's stack if the request is still in an `eligible` state."""
        at = self.clock.now()
        with self.store.write() as session:
            row = self._locked(session, number)
            if row.state not in eligible:
                return row, False
            taken = repository.try_lock_stack(
                session,
                StackLockRow(
                    stack_name=row.stack_name,
                    request_id=number,
                    hostname=self.hostname,
                    pid=self.pid,
                    process_token=self.process_token,
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
            self._notify("stack_busy", Request.from_row(row), LockHolder.from_row(holder))
        elif not taken and holder is None:
            self._schedule(retry, format_request_id(number))  # let go of in between: try again
        # Otherwise this request already holds the lock: its operation is running on another thread.
        return row, taken

    def _release_stack(self, stack_name: str, number: int) -> None:
        with self.store.write() as session:
            repository.release_lock(session, stack_name, number)
        self._start_next(stack_name)

    def _start_next(self, stack_name: str) -> None:
        """Start the oldest request that waits for this stack: plan it, or apply it if it may go."""
        if self.worker is None:
            return
        with self.store.read() as session:
            waiting = repository.requests_in_states(
                session, {RequestState.EVALUATED, RequestState.APPROVED}, stack_name=stack_name
            )
        for row in waiting:
            if row.state == RequestState.EVALUATED:
                self._schedule(self.plan, format_request_id(row.id or 0))
                return
            if self._applies_on_its_own(row):
                self._schedule(self.apply, format_request_id(row.id or 0))
                return

    def _applies_on_its_own(self, row: RequestRow) -> bool:
        """Approved by people, or allowed outright while the policy applies allowed requests itself."""
        return bool(row.required_approvals) or self.policy.auto_apply_when_allowed
