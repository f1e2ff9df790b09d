"""Stack leases: taken over only once expired, fenced by a token that only goes up, handed to the
oldest waiting request when let go of. Real SQLite; the runner is the in-memory double where the
test needs an apply to stop half-way (the engine is covered by test_recovery and test_apply_engine)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.store import Store, repository
from bot.workflow import RequestState, Step
from bot.workflow.locks import LeasedElsewhere, LeaseTimes, StackLocks, fenced
from bot.workflow.rows import Process
from bot.workflow.safe_notifier import SafeNotifier
from bot.workflow.workflow import Workflow, WorkflowPolicy
from intents import Catalog
from intents.intent import Intent
from provisioners.labels import Labels
from rulebook import Rulebook
from tests.support.fake_runner import FakeApplied, FakeRunner
from tests.support.workflow import RecordingNotifier, StaticDirectory, make_workflow, seed, service_intent

APPLYING_ONLY = {RequestState.APPLYING}


def _locks(
    store: Store, clock: ManualClock, token: str, scheduled: list[tuple[Step, str]] | None = None
) -> StackLocks:
    return StackLocks(
        store=store,
        clock=clock,
        notifier=SafeNotifier(RecordingNotifier()),
        policy=WorkflowPolicy(),
        process=Process("any-host", 1, token),
        schedule=lambda step, number: (scheduled if scheduled is not None else []).append((step, number)),
        times=LeaseTimes(duration=timedelta(seconds=30), renew_every=timedelta(seconds=600)),
    )


def test_a_live_lease_is_not_taken_and_an_expired_one_is_taken_over_with_a_higher_token(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    request = seed(workflow, catalog, "applying")
    first, second = _locks(workflow.store, clock, "process-a"), _locks(workflow.store, clock, "process-b")
    _, held = first.take_lease(request.number, APPLYING_ONLY, None)
    assert held is not None
    _, refused = second.take_lease(request.number, APPLYING_ONLY, None)
    assert refused is None
    clock.advance(timedelta(seconds=31))
    _, taken = second.take_lease(request.number, APPLYING_ONLY, None)
    assert taken is not None and taken.token > held.token
    with workflow.store.write() as session:
        assert not fenced(session, held) and fenced(session, taken)
    # The stale holder can neither renew nor let go of the new holder's lease.
    assert not first.renew(held)
    first.release(request.stack_name, request.number)
    with workflow.store.read() as session:
        lock = repository.get_lock(session, request.stack_name)
        assert lock is not None and lock.owner == "process-b" and lock.fencing_token == taken.token
    second.release(request.stack_name, request.number)


def test_a_renewed_lease_outlives_its_first_expiry(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    request = seed(workflow, catalog, "applying")
    first, second = _locks(workflow.store, clock, "process-a"), _locks(workflow.store, clock, "process-b")
    _, held = first.take_lease(request.number, APPLYING_ONLY, None)
    assert held is not None
    clock.advance(timedelta(seconds=20))
    assert first.renew(held)
    clock.advance(timedelta(seconds=20))
    assert second.take_lease(request.number, APPLYING_ONLY, None)[1] is None
    first.release(request.stack_name, request.number)


def test_waiting_requests_start_oldest_first_one_at_a_time(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    holder = seed(workflow, catalog, "approved", name="billing")
    older = seed(workflow, catalog, "approved", name="billing")
    seed(workflow, catalog, "approved", name="billing")
    scheduled: list[tuple[Step, str]] = []
    locks = _locks(workflow.store, clock, "process-a", scheduled)
    _, lease = locks.take_lease(holder.number, {RequestState.APPROVED}, Step.APPLY)
    assert lease is not None
    with workflow.store.write() as session:
        repository.compare_and_set(session, holder.number, {"approved"}, "succeeded", clock.now())
    locks.release(holder.stack_name, holder.number)
    assert scheduled == [(Step.APPLY, older.id)]


class _StopsInUp(FakeRunner):
    """The double's apply, held half-way until the test lets it go (a slow or partitioned process)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.go_on = threading.Event()

    def up(self, intent: Intent, on_progress: Any = None, labels: Labels | None = None) -> FakeApplied:
        self.inside.set()
        assert self.go_on.wait(30)
        return super().up(intent, on_progress, labels)


def test_a_stale_holder_writes_nothing_after_its_lease_was_taken_over(
    store: Store, rulebook: Rulebook, catalog: Catalog, directory: StaticDirectory, clock: ManualClock
) -> None:
    stale_runner, stale_notifier = _StopsInUp(), RecordingNotifier()
    parts: dict[str, Any] = dict(rulebook=rulebook, catalog=catalog, directory=directory, clock=clock)
    stale = make_workflow(store, runner=stale_runner, notifier=stale_notifier, **parts)  # type: ignore[arg-type]
    intent = service_intent(catalog)
    request = seed(stale, catalog, "approved", plan=stale_runner.preview(intent))
    thread = threading.Thread(target=stale.apply, args=(request.id,))
    thread.start()
    assert stale_runner.inside.wait(30)

    # The stale process stops renewing; after the expiry another process resumes the apply.
    clock.advance(timedelta(minutes=2))
    fresh_notifier = RecordingNotifier()
    fresh = make_workflow(store, runner=FakeRunner(), notifier=fresh_notifier, **parts)  # type: ignore[arg-type]
    assert fresh.apply(request.id).state is RequestState.SUCCEEDED
    assert [args[0].id for args in fresh_notifier.of("recovered_after_crash")] == [request.id]

    stale_runner.go_on.set()
    thread.join(30)
    assert stale_notifier.of("succeeded") == [] and stale_notifier.of("failed") == []
    events = [event.event for event in fresh.status(request.id).audit]
    assert events.count("request.succeeded") == 1 and "request.resumed" in events
    with store.read() as session:
        assert repository.get_lock(session, request.stack_name) is None


def test_a_workflow_leases_its_stacks_for_the_times_it_was_given(
    store: Store, rulebook: Rulebook, catalog: Catalog, directory: StaticDirectory, clock: ManualClock
) -> None:
    runner = _StopsInUp()
    workflow = Workflow(
        store=store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=RecordingNotifier(),
        directory=directory,
        clock=clock,
        leases=LeaseTimes(duration=timedelta(seconds=12), renew_every=timedelta(seconds=600)),
    )
    request = seed(workflow, catalog, "approved", plan=runner.preview(service_intent(catalog)))
    thread = threading.Thread(target=workflow.apply, args=(request.id,))
    thread.start()
    try:
        assert runner.inside.wait(30)
        with store.read() as session:
            lock = repository.get_lock(session, request.stack_name)
        assert lock is not None and lock.expires_at - lock.acquired_at == timedelta(seconds=12)
    finally:
        runner.go_on.set()
        thread.join(30)
    assert workflow.get(request.id).state is RequestState.SUCCEEDED


def _crashed_lease(workflow: Workflow, clock: ManualClock, holder: Any, live_for: timedelta) -> None:
    from bot.store import StackLockRow

    with workflow.store.write() as session:
        lease = StackLockRow(
            stack_name=holder.stack_name,
            request_id=holder.number,
            owner="crashed-process",
            acquired_at=clock.now(),
            expires_at=clock.now() + live_for,
        )
        assert repository.try_lock_stack(session, lease)


def test_an_apply_a_dead_process_left_is_resumed_before_a_waiting_request_takes_its_stack(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    holder = seed(workflow, catalog, "applying", name="billing")
    waiting = seed(workflow, catalog, "approved", name="billing")
    _crashed_lease(workflow, clock, holder, timedelta(seconds=1))
    clock.advance(timedelta(seconds=2))
    scheduled: list[tuple[Step, str]] = []
    locks = _locks(workflow.store, clock, "process-a", scheduled)

    # The waiting request would take the expired lease; the interrupted apply is resumed first.
    assert locks.take_lease(waiting.number, {RequestState.APPROVED}, Step.APPLY)[1] is None
    assert scheduled == [(Step.APPLY, holder.id)]
    with workflow.store.read() as session:
        lock = repository.get_lock(session, holder.stack_name)
        assert lock is not None and lock.owner == "crashed-process"

    _, resumed = locks.take_lease(holder.number, APPLYING_ONLY, None)
    assert resumed is not None
    with workflow.store.write() as session:
        repository.compare_and_set(session, holder.number, {"applying"}, "succeeded", clock.now())
    locks.release(holder.stack_name, holder.number)
    assert scheduled == [(Step.APPLY, holder.id), (Step.APPLY, waiting.id)]


def test_a_stack_let_go_of_resumes_an_apply_left_applying_before_the_waiting_requests(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    holder = seed(workflow, catalog, "approved", name="billing")
    scheduled: list[tuple[Step, str]] = []
    locks = _locks(workflow.store, clock, "process-a", scheduled)
    _, lease = locks.take_lease(holder.number, {RequestState.APPROVED}, Step.APPLY)
    assert lease is not None
    # Left applying while the stack was held (its own lease lost): nobody holds its stack for it now.
    interrupted = seed(workflow, catalog, "applying", name="billing")
    seed(workflow, catalog, "approved", name="billing")
    with workflow.store.write() as session:
        repository.compare_and_set(session, holder.number, {"approved"}, "succeeded", clock.now())
    locks.release(holder.stack_name, holder.number)
    assert scheduled == [(Step.APPLY, interrupted.id)]


def test_of_two_applies_left_on_one_stack_the_older_resumes_and_the_newer_waits_for_it(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    older = seed(workflow, catalog, "applying", name="billing")
    newer = seed(workflow, catalog, "applying", name="billing")
    scheduled: list[tuple[Step, str]] = []
    locks = _locks(workflow.store, clock, "process-a", scheduled)
    assert locks.take_lease(newer.number, APPLYING_ONLY, None)[1] is None
    assert scheduled == [(Step.APPLY, older.id)]
    _, lease = locks.take_lease(older.number, APPLYING_ONLY, None)
    assert lease is not None
    locks.release(older.stack_name, older.number)


def test_a_step_finding_its_own_request_leased_by_another_process_is_told_so_until_the_lease_runs_out(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    request = seed(workflow, catalog, "approved")
    # The apply step of this very request took the stack in a process that died (or still runs).
    _crashed_lease(workflow, clock, request, timedelta(seconds=30))
    scheduled: list[tuple[Step, str]] = []
    locks = _locks(workflow.store, clock, "process-a", scheduled)
    # Said, not swallowed: returning quietly would drop the step if that process is dead.
    with pytest.raises(LeasedElsewhere):
        locks.take_lease(request.number, {RequestState.APPROVED}, Step.APPLY)
    clock.advance(timedelta(seconds=31))
    _, lease = locks.take_lease(request.number, {RequestState.APPROVED}, Step.APPLY)
    assert lease is not None and scheduled == []
    locks.release(request.stack_name, request.number)
