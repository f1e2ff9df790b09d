"""One engine operation per stack across the fleet: a lease row in `stack_locks` (primary key:
the stack name) held while a request previews or applies. Nothing in it names a host or a pid.

The lease expires unless renewed: while a step holds it, a heartbeat thread of this process
pushes the expiry on every `renew_every`. A process that dies stops renewing, and the next take
after the expiry takes the lease over (recovery, another bot, another Temporal worker). Each take
bumps the request's fencing token; the step's state writes check it (`fenced`), so an attempt
that lost its lease writes nothing.

A request that finds its stack busy keeps its state (evaluated or approved), is told who holds
the stack, and is started again, oldest first, when the holder lets go.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.clock import Clock
from bot.store import RequestRow, Store, leases, repository
from bot.workflow import rows
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, LockHolder, Request, RequestState, Step, format_request_id
from bot.workflow.ports import Schedule, WorkflowPolicy
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier

log = logging.getLogger("bot.workflow.locks")


class LeasedElsewhere(Exception):
    """The request's own step holds its stack in another process, with a live lease: that step
    runs there, or its process died and the lease runs out. A Temporal retry waits and asks again."""


@dataclass(frozen=True)
class LeaseTimes:
    """How long a lease lives unrenewed, and how often the running step renews it (a third of it:
    two renewals may be late before anyone may take the stack over)."""

    duration: timedelta = timedelta(seconds=30)
    renew_every: timedelta = timedelta(seconds=10)


@dataclass(frozen=True)
class Lease:
    stack_name: str
    request_id: int
    token: int


class _Heartbeat:
    """Renews one lease on a thread until stopped, or until the lease turns out to be lost."""

    def __init__(self, locks: StackLocks, lease: Lease) -> None:
        self._locks = locks
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.stack_name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._locks.times.renew_every.total_seconds()):
            if not self._locks.renew(self.lease):
                log.warning(
                    "lease of %s for request %s was lost", self.lease.stack_name, self.lease.request_id
                )
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


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
        times: LeaseTimes | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._notifier = notifier
        self._policy = policy
        self._process = process
        self._schedule = schedule
        self.times = times or LeaseTimes()
        self._beats: dict[tuple[str, int], _Heartbeat] = {}
        self._guard = threading.Lock()

    def take(self, number: int, eligible: Set[RequestState], retry: Step) -> tuple[RequestRow, bool]:
        """Lease the request's stack if the request is still in an `eligible` state.

        `retry`: the step to schedule again when the lease was let go of between trying and looking.
        """
        row, lease = self.take_lease(number, eligible, retry)
        return row, lease is not None

    def take_lease(
        self, number: int, eligible: Set[RequestState], retry: Step | None
    ) -> tuple[RequestRow, Lease | None]:
        """As `take`, and the lease itself (its fencing token); its heartbeat runs until `release`.

        Raises LeasedElsewhere when a step of this request holds the stack in another process
        (with a `retry`: a step that would otherwise be lost if that process died)."""
        at = self._clock.now()
        with self._store.write() as session:
            row = rows.locked(session, number)
            if row.state not in eligible:
                return row, None
            # A dead process's apply on this stack goes first: it is the older request, and its Pulumi
            # lock and half-made resources are on the stack until it is resumed. This request is
            # started again when that resume lets go (`start_next`).
            interrupted = _interrupted_apply(session, row.stack_name, row, at)
            taken = (
                None
                if interrupted is not None
                else leases.take(
                    session, row.stack_name, number, self._process.token, at, at + self.times.duration
                )
            )
            holder = None if taken or interrupted else repository.get_lock(session, row.stack_name)
            busy = holder is not None and holder.request_id != number
            if busy:
                assert holder is not None
                detail = {
                    "holder": format_request_id(holder.request_id),
                    "until": holder.expires_at.isoformat(),
                }
                T.record(session, row, "stack.busy", actor=BOT_ACTOR, at=at, detail=detail)
        if interrupted is not None:
            log.info("%s waits: %s is resumed first", format_request_id(number), interrupted)
            self._schedule(Step.APPLY, interrupted)
            return row, None
        if busy and holder is not None:
            self._notifier.stack_busy(Request.from_row(row), LockHolder.from_row(holder))
        elif holder is not None and holder.owner != self._process.token and retry is not None:
            # Not busy, and not done either: nobody would start this step again if that process died.
            raise LeasedElsewhere(f"{format_request_id(number)}: its {retry} holds the stack elsewhere")
        elif taken is None and holder is None and retry is not None:
            self._schedule(retry, format_request_id(number))  # let go of in between: try again
        if taken is None:
            # Otherwise this request already holds the lease: its step runs on another thread or host.
            return row, None
        lease = Lease(row.stack_name, number, taken.fencing_token)
        with self._guard:
            self._beats[(row.stack_name, number)] = _Heartbeat(self, lease)
        return row, lease

    def current(self, stack_name: str, number: int) -> Lease | None:
        """The lease this process holds for the request, if any (its token fences the step's writes)."""
        with self._guard:
            beat = self._beats.get((stack_name, number))
        return None if beat is None else beat.lease

    def renew(self, lease: Lease) -> bool:
        until = self._clock.now() + self.times.duration
        with self._store.write() as session:
            return leases.renew(session, lease.stack_name, lease.request_id, lease.token, until)

    def release(self, stack_name: str, number: int) -> None:
        """Let go of the stack (only the lease this process holds) and start the oldest waiting request."""
        with self._guard:
            beat = self._beats.pop((stack_name, number), None)
        if beat is not None:
            beat.stop()
        with self._store.write() as session:
            leases.release(session, stack_name, number, None if beat is None else beat.lease.token)
        self.start_next(stack_name)

    def start_next(self, stack_name: str) -> None:
        """Start what waits for the stack: an apply a dead process left (it resumes), else the
        oldest waiting request."""
        at = self._clock.now()
        with self._store.read() as session:
            interrupted = _interrupted_apply(session, stack_name, None, at)
            waiting = repository.requests_in_states(
                session, {RequestState.EVALUATED, RequestState.APPROVED}, stack_name=stack_name
            )
        if interrupted is not None:
            self._schedule(Step.APPLY, interrupted)
            return
        for row in waiting:
            step = T.next_step(row, auto_apply_when_allowed=self._policy.auto_apply_when_allowed)
            if step is not None:
                self._schedule(step, format_request_id(row.id or 0))
                return


def _interrupted_apply(session: Session, stack: str, row: RequestRow | None, at: datetime) -> str | None:
    """Another request of the stack left `applying` with no live lease on the stack: its process
    died mid-apply and nobody resumes it yet. (A live lease: its holder runs, or dies and expires.)
    An applying `row` gives way only to an older one, so two of them never wait for each other."""
    lock = repository.get_lock(session, stack)
    if lock is not None and lock.expires_at > at:
        return None
    for other in repository.requests_in_states(session, {RequestState.APPLYING}, stack_name=stack):
        mine, theirs = (row.id or 0) if row is not None else 0, other.id or 0
        if row is None or (theirs != mine and (row.state != RequestState.APPLYING or theirs < mine)):
            return format_request_id(theirs)
    return None


def fenced(session: Session, lease: Lease | None) -> bool:
    """In a write transaction: may the attempt holding `lease` still write? (No lease: not fenced.)"""
    if lease is None:
        return True
    return leases.holds(session, lease.stack_name, lease.request_id, lease.token)
