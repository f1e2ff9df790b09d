"""Two threads, one transition: exactly one wins, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from bot.approvals import Refusal
from bot.errors import InvalidTransition
from bot.store import Store, repository
from bot.workflow import RequestState, Workflow
from intents import Catalog
from tests.support.databases import BACKENDS, store_on
from tests.support.workflow import RecordingNotifier, make_workflow, seed

R = TypeVar("R")


@pytest.fixture(scope="module", params=BACKENDS)
def shared_store(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Store]:
    with store_on(request.param, request, tmp_path_factory) as store:
        yield store


@pytest.fixture
def racing_workflow(
    shared_store: Store,
    rulebook: Any,
    catalog: Catalog,
    runner: Any,
    notifier: RecordingNotifier,
    directory: Any,
    clock: Any,
) -> Workflow:
    return make_workflow(
        shared_store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
    )


def race(*calls: Callable[[], R]) -> list[R | BaseException]:
    """Run the calls on their own threads, released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list[R | BaseException] = [RuntimeError("did not finish")] * len(calls)

    def run(index: int, call: Callable[[], R]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_approvers_racing_for_the_last_slot_exactly_one_approves(
    racing_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = racing_workflow
    request = seed(wf, catalog, "awaiting_approval", name="last-slot")
    plan_hash = request.plan_hash or ""
    results = race(
        lambda: wf.approve(request.id, "U_SEC1", plan_hash),
        lambda: wf.approve(request.id, "U_SEC2", plan_hash),
    )
    accepted = [r for r in results if not isinstance(r, BaseException) and r.accepted]
    refused = [r for r in results if not isinstance(r, BaseException) and not r.accepted]
    assert len(accepted) == 1 and len(refused) == 1, results
    assert refused[0].refusal is Refusal.ALREADY_DECIDED
    assert wf.get(request.id).state is RequestState.APPROVED
    with wf.store.read() as session:
        assert repository.count_audit(session, request.number, "request.approved") == 1
        assert len(repository.current_approvals(session, request.number, 0)) == 1


def test_a_double_click_on_two_threads_records_one_approval(
    racing_workflow: Workflow, catalog: Catalog
) -> None:
    wf = racing_workflow
    request = seed(wf, catalog, "awaiting_approval", name="double-click", required={"security": 2})
    plan_hash = request.plan_hash or ""
    results = race(
        lambda: wf.approve(request.id, "U_SEC1", plan_hash),
        lambda: wf.approve(request.id, "U_SEC1", plan_hash),
    )
    outcomes = sorted((r.accepted, r.refusal) for r in results if not isinstance(r, BaseException))
    assert outcomes == [(False, Refusal.DUPLICATE), (True, None)], results
    status = wf.status(request.id)
    assert len(status.approvals) == 1 and status.remaining == {"security": 1}


def test_cancel_racing_the_last_approval_leaves_one_consistent_outcome(
    racing_workflow: Workflow, catalog: Catalog
) -> None:
    wf = racing_workflow
    request = seed(wf, catalog, "awaiting_approval", name="cancel-vs-approve")
    plan_hash = request.plan_hash or ""
    approve, cancel = race(
        lambda: wf.approve(request.id, "U_SEC1", plan_hash), lambda: wf.cancel(request.id, "U_DEV")
    )
    final = wf.get(request.id).state
    assert not isinstance(approve, BaseException) and not isinstance(cancel, BaseException)
    if approve.accepted:
        # Approved first; an approved request can still be cancelled before it applies.
        assert cancel.changed and final is RequestState.CANCELLED
    else:
        assert approve.refusal is Refusal.ALREADY_DECIDED and final is RequestState.CANCELLED
    assert [e.event for e in wf.status(request.id).audit].count("request.cancelled") == 1


def test_two_cancels_racing_cancel_once(
    racing_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = racing_workflow
    request = seed(wf, catalog, "approved", name="two-cancels")
    results = race(lambda: wf.cancel(request.id, "U_DEV"), lambda: wf.cancel(request.id, "U_ADMIN"))
    changed = [r.changed for r in results if not isinstance(r, BaseException | InvalidTransition)]
    assert sorted(changed) == [False, True], results
    assert len([c for c in notifier.of("cancelled") if c[0].id == request.id]) == 1
