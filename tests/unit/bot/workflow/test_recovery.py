"""Stack locks and restarts: no engine needed, the runner is never reached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.clock import ManualClock
from bot.store import StackLockRow, Store, repository
from bot.workflow import Request, RequestState, Workflow
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


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _hold(workflow: Workflow, request: Request, *, hostname: str, pid: int, token: str = "earlier") -> None:
    with workflow.store.write() as session:
        assert repository.try_lock_stack(
            session,
            StackLockRow(
                stack_name=request.stack_name,
                request_id=request.number,
                hostname=hostname,
                pid=pid,
                process_token=token,
                acquired_at=workflow.clock.now(),
            ),
        )


def _lock_of(workflow: Workflow, stack: str) -> StackLockRow | None:
    with workflow.store.read() as session:
        return repository.get_lock(session, stack)


def test_restart_marks_orphaned_apply_failed_and_frees_lock(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request, hostname="bot-host", pid=_dead_pid())
    recovered = workflow.recover_after_restart()
    assert [r.id for r in recovered] == [request.id]
    after = workflow.get(request.id)
    assert after.state is RequestState.FAILED
    assert after.error == (
        "The bot restarted during the apply; nothing was lost: re-run with "
        "`/platform request service name=billing env=prod team=payments language=python owners=U123ABC`."
    )
    assert _lock_of(workflow, request.stack_name) is None
    assert [args[0].id for args in notifier.of("recovered_after_crash")] == [request.id]
    assert workflow.status(request.id).audit[-1].event == "request.recovered_after_crash"


def test_recovering_twice_changes_nothing(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request, hostname="bot-host", pid=_dead_pid())
    workflow.recover_after_restart()
    events = len(workflow.status(request.id).audit)
    assert workflow.recover_after_restart() == []
    assert len(workflow.status(request.id).audit) == events
    assert len(notifier.of("recovered_after_crash")) == 1


def test_a_lock_left_by_an_earlier_container_with_our_pid_is_orphaned(
    workflow: Workflow, catalog: Catalog
) -> None:
    # In a container the bot is often pid 1 both before and after the restart.
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request, hostname="bot-host", pid=workflow.pid, token="previous-process")
    assert [r.id for r in workflow.recover_after_restart()] == [request.id]


def test_an_apply_held_by_a_process_on_another_host_is_left_alone(
    workflow: Workflow, catalog: Catalog
) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request, hostname="other-host", pid=_dead_pid())
    assert workflow.recover_after_restart() == []
    assert workflow.get(request.id).state is RequestState.APPLYING
    assert _lock_of(workflow, request.stack_name) is not None


def test_an_apply_of_this_very_process_is_left_alone(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "applying")
    _hold(workflow, request, hostname="bot-host", pid=workflow.pid, token=workflow.process_token)
    assert workflow.recover_after_restart() == []
    assert workflow.get(request.id).state is RequestState.APPLYING


def test_an_apply_with_a_live_holder_on_this_host_is_left_alone(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "applying")
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as live:
        try:
            _hold(workflow, request, hostname="bot-host", pid=live.pid)
            assert workflow.recover_after_restart() == []
        finally:
            live.kill()
    assert workflow.get(request.id).state is RequestState.APPLYING


def test_an_applying_request_without_a_lock_is_failed(workflow: Workflow, catalog: Catalog) -> None:
    request = seed(workflow, catalog, "applying")
    assert [r.id for r in workflow.recover_after_restart()] == [request.id]


def test_a_stale_lock_of_a_request_that_never_started_applying_is_cleared(
    workflow: Workflow, catalog: Catalog
) -> None:
    # The process died during the re-preview: the request is still approved, the lock is left over.
    request = seed(workflow, catalog, "approved")
    _hold(workflow, request, hostname="bot-host", pid=_dead_pid())
    assert workflow.recover_after_restart() == []
    assert _lock_of(workflow, request.stack_name) is None
    assert workflow.get(request.id).state is RequestState.APPROVED
    assert workflow.status(request.id).audit[-1].event == "stack_lock.cleared"


def test_apply_waits_while_another_request_holds_the_stack(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    holder = seed(workflow, catalog, "applying", name="billing")
    _hold(workflow, holder, hostname="bot-host", pid=workflow.pid, token=workflow.process_token)
    waiting = seed(workflow, catalog, "approved", name="billing")
    assert waiting.stack_name == holder.stack_name
    result = workflow.apply(waiting.id)
    assert result.state is RequestState.APPROVED
    ((request, lock),) = notifier.of("stack_busy")
    assert request.id == waiting.id and lock.request_id == holder.id and lock.hostname == "bot-host"
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
