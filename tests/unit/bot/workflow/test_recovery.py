"""Stack leases and restarts: an apply whose lease expired is resumed on the real engine (the
service path runs locally); a live lease is left alone wherever its holder runs."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.store import StackLockRow, Store, repository
from bot.workflow import Request, RequestState, Step, Workflow
from intents import Catalog
from provisioners import Runner, RunnerSettings
from rulebook import Rulebook
from tests.support.workflow import (
    DEV,
    RecordingNotifier,
    StaticDirectory,
    make_workflow,
    seed,
    service_intent,
)


def _hold(workflow: Workflow, request: Request, *, owner: str = "dead-process", live_for: float = -1) -> None:
    """A lease of another process: expired (it died) unless `live_for` seconds are left."""
    now = workflow.clock.now()
    with workflow.store.write() as session:
        assert repository.try_lock_stack(
            session,
            StackLockRow(
                stack_name=request.stack_name,
                request_id=request.number,
                owner=owner,
                acquired_at=now - timedelta(minutes=5),
                expires_at=now + timedelta(seconds=live_for),
            ),
        )


def _lock_of(workflow: Workflow, stack: str) -> StackLockRow | None:
    with workflow.store.read() as session:
        return repository.get_lock(session, stack)


def test_an_apply_whose_lease_expired_is_resumed_and_succeeds(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request)
    resumed = workflow.recover_after_restart()
    assert [r.id for r in resumed] == [request.id]
    after = workflow.get(request.id)
    assert after.state is RequestState.SUCCEEDED and after.error is None
    assert _lock_of(workflow, request.stack_name) is None
    assert [args[0].id for args in notifier.of("recovered_after_crash")] == [request.id]
    assert [args[0].id for args in notifier.of("succeeded")] == [request.id]
    events = [event.event for event in workflow.status(request.id).audit]
    assert events[-2:] == ["request.resumed", "request.succeeded"]
    with workflow.store.read() as session:
        outcomes = [(run.kind, run.outcome) for run in repository.runs_for(session, request.number)]
    assert outcomes[-1] == ("up", "succeeded")


def test_recovering_twice_changes_nothing(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request)
    workflow.recover_after_restart()
    events = len(workflow.status(request.id).audit)
    assert workflow.recover_after_restart() == []
    assert len(workflow.status(request.id).audit) == events
    assert len(notifier.of("recovered_after_crash")) == 1


def test_an_apply_with_a_live_lease_is_left_alone_wherever_its_holder_runs(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request, live_for=20)
    assert workflow.recover_after_restart() == []
    assert workflow.get(request.id).state is RequestState.APPLYING
    assert _lock_of(workflow, request.stack_name) is not None
    assert notifier.of("recovered_after_crash") == []


def test_an_applying_request_without_a_lease_is_resumed(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "applying")
    assert [r.id for r in workflow.recover_after_restart()] == [request.id]
    assert workflow.get(request.id).state is RequestState.SUCCEEDED


def test_a_resume_that_fails_ends_the_request_failed_with_the_reason(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    # No git root: the resumed `up` is refused before the engine starts.
    runner = Runner(RunnerSettings(state_dir=tmp_path / "s", work_dir=tmp_path / "w", passphrase="p"))
    parts = dict(rulebook=rulebook, catalog=catalog, notifier=notifier, directory=directory, clock=clock)
    workflow = make_workflow(store, runner=runner, **parts)
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request)
    workflow.recover_after_restart()
    after = workflow.get(request.id)
    assert after.state is RequestState.FAILED
    assert after.error == "service is not available here: no git root is configured (`git_root`)."
    assert len(notifier.of("recovered_after_crash")) == 1
    assert notifier.of("failed")[-1][1:] == (after.error,)
    assert _lock_of(workflow, request.stack_name) is None


def test_apply_waits_while_another_request_holds_the_stack(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    holder = seed(workflow, catalog, "applying", name="billing")
    _hold(workflow, holder, owner="elsewhere", live_for=20)
    waiting = seed(workflow, catalog, "approved", name="billing")
    assert waiting.stack_name == holder.stack_name
    result = workflow.apply(waiting.id)
    assert result.state is RequestState.APPROVED
    ((request, lock),) = notifier.of("stack_busy")
    assert request.id == waiting.id and lock.request_id == holder.id and lock.owner == "elsewhere"
    assert workflow.status(waiting.id).audit[-1].event == "stack.busy"
    assert workflow.status(waiting.id).lock == lock


def test_apply_of_a_request_that_is_not_approved_does_nothing(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "awaiting_approval")
    calls = len(notifier.calls)
    assert workflow.apply(request.id).state is RequestState.AWAITING_APPROVAL
    assert len(notifier.calls) == calls
    assert _lock_of(workflow, request.stack_name) is None


def test_a_preview_that_fails_fails_the_request_with_a_user_safe_message(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
    tmp_path: Path,
) -> None:
    # No git root configured: the runner refuses before the engine starts.
    runner = Runner(RunnerSettings(state_dir=tmp_path / "s", work_dir=tmp_path / "w", passphrase="p"))
    parts = dict(rulebook=rulebook, catalog=catalog, notifier=notifier, directory=directory, clock=clock)
    workflow = make_workflow(store, runner=runner, **parts)
    request = workflow.submit(service_intent(catalog), DEV, "C")
    failed = workflow.plan(request.id)
    assert failed.state is RequestState.FAILED
    assert failed.error == "service is not available here: no git root is configured (`git_root`)."
    assert notifier.of("failed")[-1][1:] == (failed.error,)
    with workflow.store.read() as session:
        (run,) = repository.runs_for(session, request.number)
    assert (run.kind, run.outcome, run.error) == ("preview", "failed", failed.error)


class _Recorded:
    """An executor that only notes what it is given (and when): the test looks at the hand-over."""

    def __init__(self) -> None:
        self.steps: list[tuple[Step, str]] = []
        self.given = threading.Event()

    def bind(self, run: object) -> None:
        pass

    def submit(self, step: Step, request_id: str) -> None:
        self.steps.append((step, request_id))
        self.given.set()

    def drain(self, timeout: float = 30.0) -> None:
        pass


def test_a_step_whose_own_lease_a_dead_process_holds_is_started_once_that_lease_ran_out(
    workflow: Workflow,
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
) -> None:
    request = seed(workflow, catalog, "approved")
    # Its apply step had just taken the stack when that process died: one second of lease is left.
    _hold(workflow, request, live_for=1)
    executor = _Recorded()
    restarted = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
        worker=executor,
    )
    assert restarted.recover_after_restart() == []
    # Started now, the step would find the lease held and stop; it is started when it ran out.
    assert executor.steps == []
    assert executor.given.wait(10)
    assert executor.steps == [(Step.APPLY, request.id)]
