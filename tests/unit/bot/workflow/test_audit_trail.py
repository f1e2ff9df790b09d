"""The audit trail is true: every transition records the state it left and the state it entered,
and the metrics that read the trail work on trails the real workflow wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.metrics.report import report_for
from bot.store import repository
from bot.workflow import Workflow
from bot.workflow import transitions as T
from bot.workflow.model import BOT_ACTOR, RequestState
from intents import Catalog
from tests.support.workflow import DEV, service_intent

TABLE = [value for value in vars(T).values() if isinstance(value, T.Transition)]


def test_the_table_is_walked_whole() -> None:
    assert len(TABLE) >= 14  # every transition the module declares is checked below


@pytest.mark.parametrize(
    ("step", "source"),
    [(step, source) for step in TABLE for source in sorted(step.sources)],
    ids=lambda value: value.event if isinstance(value, T.Transition) else str(value),
)
def test_every_transition_audits_the_state_before_and_after(
    workflow: Workflow, catalog: Catalog, step: T.Transition, source: RequestState
) -> None:
    request = workflow.submit(service_intent(catalog), DEV, "C")
    at = workflow.clock.now()
    with workflow.store.write() as session:
        # Put the request into `source` without the workflow (only the step under test is audited).
        assert repository.compare_and_set(session, request.number, {"evaluated"}, source, at)
    with workflow.store.write() as session:
        row = repository.get_request(session, request.number, for_update=True)
        assert row is not None
        assert T.transition(session, row, step, actor=BOT_ACTOR, at=at)
    last = workflow.status(request.id).audit[-1]
    assert (last.event, last.from_state, last.to_state) == (step.event, source, step.target)


def test_a_transition_from_a_state_it_does_not_start_from_writes_nothing(
    workflow: Workflow, catalog: Catalog
) -> None:
    request = workflow.submit(service_intent(catalog), DEV, "C")
    with workflow.store.write() as session:
        row = repository.get_request(session, request.number, for_update=True)
        assert row is not None
        assert not T.transition(session, row, T.SUCCEEDED, actor=BOT_ACTOR, at=workflow.clock.now())
    assert [e.event for e in workflow.status(request.id).audit] == ["request.submitted"]


@pytest.mark.engine
def test_approval_wait_and_lead_time_read_the_trail_the_workflow_wrote(
    workflow: Workflow, catalog: Catalog, clock: ManualClock
) -> None:
    request = workflow.submit(service_intent(catalog, name="measured"), DEV, "C")
    planned = workflow.plan(request.id)
    assert planned.state is RequestState.AWAITING_APPROVAL
    clock.advance(timedelta(minutes=30))
    assert workflow.approve(request.id, "U_SEC1", planned.plan_hash or "").complete
    done = workflow.apply(request.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    trail = workflow.status(request.id).audit
    # Each event after the first starts where the one before it ended.
    transitions = [e for e in trail if e.from_state != e.to_state]
    assert all(a.to_state == b.from_state for a, b in zip(transitions, transitions[1:], strict=False))
    assert [(e.from_state, e.to_state) for e in transitions][1:4] == [
        ("evaluated", "planned"),
        ("planned", "awaiting_approval"),
        ("awaiting_approval", "approved"),
    ]
    report = report_for(workflow.store, 7, clock.now() + timedelta(seconds=1))
    assert report.approval_wait.count == 1
    assert report.approval_wait.median == timedelta(minutes=30)
    assert report.lead_time.count == 1
    assert report.lead_time.median is not None and report.lead_time.median >= timedelta(minutes=30)
