from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.drift import DriftError
from bot.drift.checker import GENERIC_FAILURE, DriftChecker, SafeDriftNotifier
from bot.store import StackLockRow, Store, repository
from bot.workflow import Workflow
from intents import Catalog
from provisioners import EngineError, StackBusy
from tests.support.drift import RecordingDriftNotifier, ScriptedRunner, role_drift
from tests.support.request_states import destroyed, postgres_intent, succeeded


def test_new_drift_is_posted_once_and_the_same_drift_again_stays_quiet(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
    clock: ManualClock,
) -> None:
    request = succeeded(workflow, postgres_intent(catalog))
    scripted.answers[request.stack_name] = role_drift(request.stack_name)
    first = checker.sweep()
    assert [f.request_id for f in first.posted] == [request.id]
    clock.advance(timedelta(hours=6))
    second = checker.sweep()
    assert second.posted == () and [f.id for f in second.drifting] == [first.posted[0].id]
    (posted,) = drift_notifier.of("drift_found")
    finding, shown_request, note = posted
    assert shown_request.id == request.id and note is None
    assert finding.changes[0].after == {"connection_limit": 37}
    events = [e.event for e in checker.findings.timeline(finding.id)]
    assert events == ["detected", "reported"]


def test_a_different_drift_on_the_same_stack_is_posted_again(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    request = succeeded(workflow, postgres_intent(catalog))
    scripted.answers[request.stack_name] = role_drift(request.stack_name, after=37)
    checker.sweep()
    scripted.answers[request.stack_name] = role_drift(request.stack_name, after=3)
    again = checker.sweep()
    assert len(again.posted) == 1 and len(drift_notifier.of("drift_found")) == 2
    finding = again.posted[0]
    assert finding.changes[0].after == {"connection_limit": 3}
    assert [e.event for e in checker.findings.timeline(finding.id)] == [
        "detected",
        "reported",
        "changed",
        "reported",
    ]


def test_drift_that_goes_away_closes_its_finding_and_says_so_once(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    request = succeeded(workflow, postgres_intent(catalog))
    scripted.answers[request.stack_name] = role_drift(request.stack_name)
    finding = checker.sweep().posted[0]
    del scripted.answers[request.stack_name]
    gone = checker.sweep()
    assert [f.id for f in gone.resolved] == [finding.id]
    closed = checker.findings.get(finding.id)
    assert closed.state == "resolved" and closed.closed_at is not None and not closed.is_open
    assert checker.findings.open_for(request.stack_name) is None
    assert checker.sweep().resolved == ()
    assert len(drift_notifier.of("drift_resolved")) == 1
    assert [e.event for e in checker.findings.timeline(finding.id)][-1] == "closed"
    # The same drift coming back later is a new finding with its own timeline.
    scripted.answers[request.stack_name] = role_drift(request.stack_name)
    assert checker.sweep().posted[0].id != finding.id


def test_only_the_latest_succeeded_apply_of_each_live_stack_is_checked(
    workflow: Workflow, catalog: Catalog, checker: DriftChecker, scripted: ScriptedRunner
) -> None:
    first = succeeded(workflow, postgres_intent(catalog, "billing"))
    later = succeeded(workflow, postgres_intent(catalog, "billing", size="medium"))
    gone = succeeded(workflow, postgres_intent(catalog, "ledger"))
    destroyed(workflow, gone)
    workflow.submit(postgres_intent(catalog, "orders"), gone.actor, "C_REQUESTS")  # not applied yet
    assert [r.id for r in checker.targets()] == [later.id]
    assert first.stack_name == later.stack_name
    checker.sweep()
    assert scripted.calls == [later.stack_name]


def test_checks_run_in_parallel_up_to_the_configured_limit(
    workflow: Workflow,
    catalog: Catalog,
    store: Store,
    drift_notifier: RecordingDriftNotifier,
    clock: ManualClock,
) -> None:
    for name in ("one", "two", "three", "four", "five"):
        succeeded(workflow, postgres_intent(catalog, name))
    release = threading.Event()
    runner = ScriptedRunner(hold=release)
    checker = DriftChecker(store=store, runner=runner, notifier=drift_notifier, clock=clock, concurrency=2)
    done = threading.Thread(target=checker.sweep)
    done.start()
    try:
        assert _eventually(lambda: runner.peak == 2)
    finally:
        release.set()
        done.join(10)
    assert runner.peak == 2 and len(runner.calls) == 5


def test_failing_checks_are_reported_once_to_the_platform_channel_and_recovery_once(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    one = succeeded(workflow, postgres_intent(catalog, "billing"))
    two = succeeded(workflow, postgres_intent(catalog, "ledger"))
    down = EngineError("The drift check of stack x failed: cannot connect to PostgreSQL on db:5432")
    scripted.answers[one.stack_name] = down
    scripted.answers[two.stack_name] = RuntimeError("psycopg.OperationalError: password=hunter2 refused")
    for _ in range(3):
        sweep = checker.sweep()
        assert len(sweep.failures) == 2
    (failing,) = drift_notifier.of("drift_checks_failing")
    messages = {f.stack: f.message for f in failing[0]}
    assert messages == {one.stack_name: down.message, two.stack_name: GENERIC_FAILURE}
    scripted.answers.clear()
    checker.sweep()
    checker.sweep()
    assert len(drift_notifier.of("drift_checks_recovered")) == 1
    scripted.answers[one.stack_name] = down
    checker.sweep()
    assert len(drift_notifier.of("drift_checks_failing")) == 2  # a new outage is news again


def test_a_stack_that_an_apply_holds_is_left_for_the_next_sweep(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    store: Store,
    clock: ManualClock,
) -> None:
    held = succeeded(workflow, postgres_intent(catalog, "billing"))
    engine_busy = succeeded(workflow, postgres_intent(catalog, "ledger"))
    with store.write() as session:
        repository.try_lock_stack(
            session,
            StackLockRow(
                stack_name=held.stack_name,
                request_id=held.number,
                owner="t",
                acquired_at=clock.now(),
                expires_at=clock.now() + timedelta(seconds=30),
            ),
        )
    scripted.answers[engine_busy.stack_name] = StackBusy(engine_busy.stack_name)
    sweep = checker.sweep()
    assert sorted(sweep.busy) == sorted([held.stack_name, engine_busy.stack_name])
    assert sweep.failures == () and scripted.calls == [engine_busy.stack_name]


def test_a_snoozed_finding_is_quiet_until_the_snooze_ends_then_posted_again(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
    clock: ManualClock,
) -> None:
    request = succeeded(workflow, postgres_intent(catalog))
    scripted.answers[request.stack_name] = role_drift(request.stack_name)
    finding = checker.sweep().posted[0]
    _, moved = checker.findings.snooze(finding.id, "U_DEV", clock.now() + timedelta(days=7), clock.now())
    assert moved
    clock.advance(timedelta(days=6))
    assert checker.sweep().posted == ()
    clock.advance(timedelta(days=1))
    (again,) = checker.sweep().posted
    assert again.id == finding.id and again.state == "open"
    note = drift_notifier.of("drift_found")[-1][2]
    assert note == "The snooze is over and the drift is still there."


def test_a_post_that_failed_is_tried_again_by_the_next_sweep(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    request = succeeded(workflow, postgres_intent(catalog))
    scripted.answers[request.stack_name] = role_drift(request.stack_name)
    drift_notifier.fail_next = True
    assert checker.sweep().posted == ()
    assert len(checker.sweep().posted) == 1
    assert checker.sweep().posted == ()


def test_a_check_of_one_request_checks_its_stack_or_says_why_there_is_nothing(
    workflow: Workflow, catalog: Catalog, checker: DriftChecker, scripted: ScriptedRunner
) -> None:
    live = succeeded(workflow, postgres_intent(catalog, "billing"))
    succeeded(workflow, postgres_intent(catalog, "ledger"))
    gone = succeeded(workflow, postgres_intent(catalog, "orders"))
    destroyed(workflow, gone)
    checker.sweep(request_id=live.id.lower())
    assert scripted.calls == [live.stack_name]
    with pytest.raises(DriftError, match="PB-3 has nothing live to check"):
        checker.sweep(request_id=gone.id)
    with pytest.raises(DriftError, match="There is no request PB-99"):
        checker.sweep(request_id="PB-99")


def _eventually(predicate: object, timeout: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_every_drift_notice_that_fails_is_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    class Down:
        def __getattr__(self, name: str) -> object:
            def fail(*args: object) -> None:
                raise RuntimeError(f"slack is down ({name})")

            return fail

    safe = SafeDriftNotifier(Down())
    finding, request = object(), object()
    with caplog.at_level(logging.ERROR, logger="bot.drift.checker"):
        assert safe.drift_found(finding, request, None) is None
        safe.drift_resolved(finding, request)
        safe.follow_up_opened(finding, request, request, "U1")
        safe.accept_refused(finding, request, ["no"], "U1")
        safe.snoozed(finding, request, "U1")
        safe.drift_checks_failing([])
        safe.drift_checks_recovered()
    failed = [str(r.exc_info[1]) for r in caplog.records if r.exc_info and r.exc_info[1] is not None]
    assert len(failed) == 7 and all(message.startswith("slack is down") for message in failed)
