"""When approvals were asked for is stored on the request, not read back from `expires_at - ttl`.

The read-back broke as soon as the approval window in the config changed: the metric then said the
wait was hours off (or negative). The workflow here is real (SQLite, rulebook, catalog) over the
in-memory runner double, and its notifier is the real metrics wrapper.
"""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry

from bot.clock import ManualClock
from bot.metrics.instrument import InstrumentedNotifier, WorkflowMetrics
from bot.store import Store
from bot.workflow import RequestState, WorkflowPolicy
from intents import Catalog
from rulebook import Rulebook
from tests.support.fake_runner import FakeRunner
from tests.support.workflow import (
    DEV,
    RecordingNotifier,
    StaticDirectory,
    make_workflow,
    service_intent,
)


def test_the_ask_time_is_stored_and_the_approval_wait_metric_reads_it(
    store: Store, rulebook: Rulebook, catalog: Catalog, clock: ManualClock, directory: StaticDirectory
) -> None:
    registry = CollectorRegistry()
    # The metrics were built with a window other than the workflow's (the config changed since).
    notifier = InstrumentedNotifier(
        RecordingNotifier(), WorkflowMetrics(registry), approval_ttl=timedelta(hours=1)
    )
    workflow = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=FakeRunner(),
        notifier=notifier,
        directory=directory,
        clock=clock,
        policy=WorkflowPolicy(approval_ttl=timedelta(hours=8)),
    )
    request = workflow.submit(service_intent(catalog, name="waits"), DEV, "C")
    assert request.approval_requested_at is None
    asked_at = clock.now()
    planned = workflow.plan(request.id)
    assert planned.state is RequestState.AWAITING_APPROVAL
    assert planned.approval_requested_at == asked_at
    assert planned.approvals_expire_at == asked_at + timedelta(hours=8)

    clock.advance(timedelta(minutes=30))
    assert workflow.approve(request.id, "U_SEC1", planned.plan_hash or "").complete
    assert workflow.get(request.id).approval_requested_at == asked_at
    wait = registry.get_sample_value("platformbot_approval_wait_seconds_sum")
    assert wait == 30 * 60
