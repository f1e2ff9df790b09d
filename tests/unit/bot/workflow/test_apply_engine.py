"""Whole requests through the real Runner and Pulumi engine (`service` and `postgres-database`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.approvals import Refusal
from bot.errors import NotAllowed
from bot.store import Store, repository
from bot.workflow import RequestState, ThreadExecutor, ThreadPool, Workflow
from intents import Catalog
from provisioners import Runner, RunnerSettings
from tests.support.postgres import PostgresServer
from tests.support.workflow import DEV, RecordingNotifier, make_workflow, seed, service_intent

pytestmark = pytest.mark.engine


def _events(workflow: Workflow, request_id: str) -> list[str]:
    return [e.event for e in workflow.status(request_id).audit]


def test_a_dev_request_is_planned_and_applied_without_anyone(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier, runner_settings: RunnerSettings
) -> None:
    request = workflow.submit(service_intent(catalog, env="dev"), DEV, "C_REQUESTS")
    done = workflow.plan(request.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert done.outputs is not None and done.outputs["repository"] == str(
        runner_settings.git_root / "billing"
    )
    assert (runner_settings.git_root / "billing" / "CODEOWNERS").exists()
    assert _events(workflow, request.id) == [
        "request.submitted",
        "request.planned",
        "request.auto_approved",
        "request.apply_started",
        "request.succeeded",
    ]
    names = notifier.names(request)
    assert names[:3] == ["request_opened", "verdict_posted", "plan_ready"]
    assert names[-1] == "succeeded" and "progress" in names
    assert "deliver_secrets" not in names
    progress = [args[1] for args in notifier.of("progress")]
    assert all(a != b for a, b in zip(progress, progress[1:], strict=False))  # no repeats in a row
    with workflow.store.read() as session:
        runs = repository.runs_for(session, request.number)
    # Planned and applied under one stack lock: the plan just made is applied, no second preview.
    assert [(r.kind, r.outcome) for r in runs] == [("preview", "succeeded"), ("up", "succeeded")]
    assert runs[1].summary == {"create": 10}  # 9 files and the repository (one is the labels file)
    assert workflow.plan(request.id).state is RequestState.SUCCEEDED  # a second plan() changes nothing


def test_a_prod_request_waits_for_security_then_applies(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = workflow.submit(service_intent(catalog), DEV, "C_REQUESTS")
    planned = workflow.plan(request.id)
    assert planned.state is RequestState.AWAITING_APPROVAL
    assert planned.required_approvals == {"security": 1}
    assert planned.plan is not None and planned.plan_hash == planned.plan.plan_hash
    assert [args[1:] for args in notifier.of("approval_requested")] == [("security", 1)]
    assert workflow.approve(request.id, "U_SEC1", planned.plan_hash or "").complete
    done = workflow.apply(request.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert workflow.status(request.id).lock is None
    assert workflow.apply(request.id).state is RequestState.SUCCEEDED  # a retried apply changes nothing


def test_a_later_request_of_the_same_team_supersedes_the_waiting_one_and_its_votes_count_no_more(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    # Two requests for the same stack by the same team: planning B cancels A, so A's plan, which
    # B's apply makes stale, can no longer be approved or applied.
    a = workflow.plan(workflow.submit(service_intent(catalog, owners="U111AAA"), DEV, "C").id)
    b = workflow.plan(workflow.submit(service_intent(catalog, owners="U222BBB"), DEV, "C").id)
    assert a.stack_name == b.stack_name and b.state is RequestState.AWAITING_APPROVAL
    superseded = workflow.get(a.id)
    assert superseded.state is RequestState.CANCELLED and superseded.superseded_by == b.id
    workflow.approve(b.id, "U_SEC2", b.plan_hash or "")
    assert workflow.apply(b.id).state is RequestState.SUCCEEDED
    late = workflow.approve(a.id, "U_SEC1", a.plan_hash or "")
    assert not late.accepted and late.refusal is Refusal.ALREADY_DECIDED
    assert workflow.apply(a.id).state is RequestState.CANCELLED


def test_destroy_goes_through_approval_and_marks_the_target_destroyed(
    workflow: Workflow, catalog: Catalog, runner_settings: RunnerSettings
) -> None:
    built = workflow.plan(workflow.submit(service_intent(catalog), DEV, "C").id)
    workflow.approve(built.id, "U_SEC1", built.plan_hash or "")
    assert workflow.apply(built.id).state is RequestState.SUCCEEDED

    destroy = workflow.request_destroy(built.id, DEV)
    assert (destroy.action, destroy.target_request_id, destroy.state) == (
        "destroy",
        built.id,
        RequestState.EVALUATED,
    )
    assert workflow.request_destroy(built.id, DEV).id == destroy.id  # a second click: the same request
    planned = workflow.plan(destroy.id)
    assert planned.state is RequestState.AWAITING_APPROVAL
    assert planned.plan is not None and set(planned.plan.counts) == {"delete"}
    assert planned.required_approvals == {"security": 2}
    workflow.approve(destroy.id, "U_SEC1", planned.plan_hash or "")
    workflow.approve(destroy.id, "U_SEC2", planned.plan_hash or "")
    assert workflow.apply(destroy.id).state is RequestState.SUCCEEDED
    assert workflow.get(built.id).destroyed_at is not None
    assert "request.destroyed" in _events(workflow, built.id)
    with pytest.raises(NotAllowed):
        workflow.request_destroy(built.id, DEV)


def test_a_failed_apply_fails_with_a_user_safe_message_and_frees_the_lock(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier, runner_settings: RunnerSettings
) -> None:
    request = workflow.plan(workflow.submit(service_intent(catalog), DEV, "C").id)
    workflow.approve(request.id, "U_SEC1", request.plan_hash or "")
    assert runner_settings.git_root is not None
    runner_settings.git_root.mkdir(parents=True, exist_ok=True)
    (runner_settings.git_root / "billing").write_text("something in the way")
    failed = workflow.apply(request.id)
    assert failed.state is RequestState.FAILED
    # The runner's user-safe message (whether the re-preview or the update notices), no engine output.
    assert failed.error is not None and failed.error.startswith("The ")
    assert "billing already exists under the git root" in failed.error
    assert "stderr" not in failed.error and "Traceback" not in failed.error
    assert notifier.of("failed")[-1][1] == failed.error
    assert workflow.status(request.id).lock is None


def test_secret_outputs_are_delivered_by_dm_and_never_stored(
    tmp_path: Path,
    store: Store,
    catalog: Catalog,
    notifier: RecordingNotifier,
    postgres_server: PostgresServer,
    rulebook: object,
    directory: object,
    clock: object,
) -> None:
    import psycopg

    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS ledger_staging")
    settings = RunnerSettings(
        state_dir=tmp_path / "state",
        work_dir=tmp_path / "work",
        passphrase="test-passphrase",
        postgres_admin_dsn=postgres_server.dsn(),
    )
    wf = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=Runner(settings),
        notifier=notifier,
        directory=directory,
        clock=clock,
    )
    intent = catalog.build_intent("postgres-database", {"name": "ledger", "env": "staging"})
    request = wf.submit(intent, DEV, "C")
    done = wf.plan(request.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    ((requester, delivered_for, secrets),) = notifier.of("deliver_secrets")
    assert requester == "U_DEV" and delivered_for.id == request.id
    assert set(secrets) == {"dsn"}
    dsn = str(secrets["dsn"])
    password = dsn.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert len(password) >= 12
    assert (
        done.outputs is not None
        and "dsn" not in done.outputs
        and done.outputs["database"] == "ledger_staging"
    )
    (succeeded_request, outputs) = notifier.of("succeeded")[0]
    assert "dsn" not in outputs
    with psycopg.connect(dsn) as conn:  # the secret works
        assert conn.execute("SELECT current_database()").fetchone() == ("ledger_staging",)
    # Not in any table, and not in the SQLite file or its write-ahead log.
    store.dispose()
    database = Path(str(store.engine.url.database))
    for path in (database, Path(f"{database}-wal")):
        if path.exists():
            assert password.encode() not in path.read_bytes(), path


def test_the_worker_runs_plan_and_apply_in_the_background(
    store: Store,
    catalog: Catalog,
    notifier: RecordingNotifier,
    runner: Runner,
    rulebook: object,
    directory: object,
    clock: object,
) -> None:
    worker = ThreadPool(max_workers=2)
    wf = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
        worker=ThreadExecutor(worker),
    )
    try:
        dev = wf.submit(service_intent(catalog, name="quick", env="dev"), DEV, "C")
        prod = wf.submit(service_intent(catalog, name="careful"), DEV, "C")
        worker.drain(180)
        assert wf.get(dev.id).state is RequestState.SUCCEEDED
        waiting = wf.get(prod.id)
        assert waiting.state is RequestState.AWAITING_APPROVAL
        assert wf.approve(prod.id, "U_SEC1", waiting.plan_hash or "").complete
        worker.drain(180)
        assert wf.get(prod.id).state is RequestState.SUCCEEDED
        assert worker.failures == []
    finally:
        worker.shutdown()


def test_requests_for_one_stack_take_turns(
    store: Store,
    catalog: Catalog,
    notifier: RecordingNotifier,
    runner: Runner,
    rulebook: object,
    directory: object,
    clock: object,
) -> None:
    worker = ThreadPool(max_workers=3)
    wf = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
        worker=ThreadExecutor(worker),
    )
    try:
        owners = ("U111AAA", "U222BBB", "U333CCC")
        requests = [wf.submit(service_intent(catalog, env="dev", owners=o), DEV, "C") for o in owners]
        worker.drain(300)
        assert [wf.get(r.id).state for r in requests] == [RequestState.SUCCEEDED] * 3
        assert worker.failures == []
        # Three plans start together; while one holds the stack the others are told it is busy.
        assert notifier.of("stack_busy")
        with store.read() as session:
            assert repository.all_locks(session) == []
    finally:
        worker.shutdown()


def test_after_a_restart_a_request_waiting_for_its_stack_goes_ahead(
    store: Store,
    catalog: Catalog,
    notifier: RecordingNotifier,
    runner: Runner,
    rulebook: object,
    directory: object,
    clock: object,
) -> None:
    from bot.store import StackLockRow

    worker = ThreadPool(max_workers=2)
    parts = dict(rulebook=rulebook, catalog=catalog, runner=runner, notifier=notifier, directory=directory)
    try:
        # Seeded without an executor, which would start a plan of its own.
        holder = seed(make_workflow(store, clock=clock, **parts), catalog, "applying", name="billing")
        wf = make_workflow(store, clock=clock, worker=ThreadExecutor(worker), **parts)
        now = clock.now()  # type: ignore[attr-defined]
        with store.write() as session:
            # The lease of a process that crashed: live for one more second, then nobody renews it.
            lock = StackLockRow(
                stack_name=holder.stack_name,
                request_id=holder.number,
                owner="crashed-process",
                acquired_at=now,
                expires_at=now + timedelta(seconds=1),
            )
            assert repository.try_lock_stack(session, lock)
        waiting = wf.submit(service_intent(catalog, env="prod", name="billing"), DEV, "C")
        worker.drain(120)
        assert wf.get(waiting.id).state is RequestState.EVALUATED
        ((busy_request, busy_holder),) = notifier.of("stack_busy")
        assert busy_request.id == waiting.id and busy_holder.request_id == holder.id

        clock.advance(timedelta(seconds=2))  # type: ignore[attr-defined]
        assert [r.id for r in wf.recover_after_restart()] == [holder.id]
        worker.drain(120)
        assert wf.get(holder.id).state is RequestState.SUCCEEDED
        assert wf.get(waiting.id).state is RequestState.AWAITING_APPROVAL
        assert worker.failures == []
    finally:
        worker.shutdown()


def test_without_auto_apply_an_allowed_request_waits_for_an_explicit_apply(
    store: Store,
    catalog: Catalog,
    notifier: RecordingNotifier,
    runner: Runner,
    rulebook: object,
    directory: object,
    clock: object,
) -> None:
    from bot.workflow import WorkflowPolicy

    policy = WorkflowPolicy(auto_apply_when_allowed=False)
    parts = dict(rulebook=rulebook, catalog=catalog, runner=runner, notifier=notifier, directory=directory)
    wf = make_workflow(store, clock=clock, policy=policy, **parts)
    request = wf.submit(service_intent(catalog, env="dev"), DEV, "C")
    planned = wf.plan(request.id)
    assert planned.state is RequestState.APPROVED and planned.required_approvals == {}
    assert "request.auto_approved" in _events(wf, request.id)
    assert wf.apply(request.id).state is RequestState.SUCCEEDED
