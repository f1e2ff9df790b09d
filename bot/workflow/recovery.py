"""After a crash: fail the applies a dead process left behind, free its locks, resume queued work."""

from __future__ import annotations

import os

from bot.clock import Clock
from bot.store import StackLockRow, Store, repository
from bot.workflow import rows
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, Request, RequestState, format_request_id
from bot.workflow.ports import Schedule, WorkflowPolicy
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier

RESTART_MESSAGE = "The bot restarted during the apply; nothing was lost: re-run with `{hint}`."


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
    ) -> None:
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._process = process
        self._schedule = schedule

    def recover_after_restart(self) -> list[Request]:
        """Run at start: fail applies a dead process left `applying`, and free the locks it held.

        A lock is orphaned when it was taken on this host by another process that is gone (or by
        an earlier process with our pid, as after a container restart). Locks of other hosts are
        left alone: from here nobody can tell whether that process still runs.
        """
        at = self._clock.now()
        with self._store.read() as session:
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
            with self._store.write() as session:
                locked = rows.locked(session, row.id)
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
                request = rows.snapshot(self._store, row.id)
                self._notifier.recovered_after_crash(request)
                recovered.append(request)
        for lock in locks.values():
            if self._orphaned(lock):
                with self._store.write() as session:
                    if repository.release_lock(session, lock.stack_name, lock.request_id):
                        repository.fail_running_runs(session, lock.request_id, at, "the bot restarted")
                        holder = rows.locked(session, lock.request_id)
                        detail = {"stack": lock.stack_name, "hostname": lock.hostname, "pid": lock.pid}
                        T.record(session, holder, "stack_lock.cleared", actor=BOT_ACTOR, at=at, detail=detail)
        self._resume()
        return recovered

    def _resume(self) -> None:
        """Work that was queued in memory when the process died: plan what waits for a plan, apply
        what may apply. Both are idempotent and locked, so a second live bot doing the same is harmless."""
        with self._store.read() as session:
            pending = repository.requests_in_states(session, {RequestState.EVALUATED, RequestState.APPROVED})
        for row in pending:
            step = T.next_step(row, auto_apply_when_allowed=self._policy.auto_apply_when_allowed)
            if step is not None:
                self._schedule(step, format_request_id(row.id or 0))

    def _orphaned(self, lock: StackLockRow) -> bool:
        process = self._process
        if lock.hostname != process.hostname or lock.process_token == process.token:
            return False
        return lock.pid == process.pid or not _pid_alive(lock.pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
