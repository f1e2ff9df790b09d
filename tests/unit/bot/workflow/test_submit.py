from __future__ import annotations

import logging

import pytest

from bot.clock import ManualClock
from bot.store import Store, repository
from bot.workflow import RequestState, Workflow, parse_request_id
from bot.workflow.submissions import UnknownPeople
from intents import Catalog, Intent
from provisioners import Runner
from rulebook import Rulebook
from tests.support.workflow import (
    DEV,
    RecordingNotifier,
    StaticDirectory,
    make_workflow,
    service_intent,
)


def test_an_allowed_intent_is_stored_as_evaluated_with_one_audit_event(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    request = workflow.submit(service_intent(catalog), DEV, "C_REQUESTS")
    assert request.state is RequestState.EVALUATED
    assert request.id == f"PB-{request.number}"
    assert request.stack_name == "service.billing.prod"
    assert request.intent_text == "service name=billing env=prod team=payments language=python owners=U123ABC"
    assert request.rulebook_version and request.intent_decision.rulebook_version == request.rulebook_version
    status = workflow.status(request.id)
    assert [(e.event, e.actor, e.to_state) for e in status.audit] == [
        ("request.submitted", "U_DEV", "evaluated")
    ]
    assert notifier.names(request) == ["request_opened", "verdict_posted"]


def test_a_denied_intent_is_stored_as_denied_with_the_reasons(
    workflow: Workflow, notifier: RecordingNotifier
) -> None:
    # Built by hand: the catalog would accept the team name, the rulebook does not know it.
    intent = Intent(
        path="service",
        name="billing",
        env="dev",
        params={"team": "nobody", "language": "python", "owners": ("U1",)},
    )
    request = workflow.submit(intent, DEV, "C_REQUESTS")
    assert request.state is RequestState.DENIED
    assert request.error is not None and "Team 'nobody' is not a known team" in request.error
    assert request.finished_at == request.created_at
    assert request.intent_decision.rule_ids[0] == "service-team-must-be-known"
    assert notifier.names(request) == ["request_opened", "verdict_posted"]


def test_request_ids_are_pb_numbers_from_the_database(workflow: Workflow, catalog: Catalog) -> None:
    first = workflow.submit(service_intent(catalog, name="one"), DEV, "C")
    second = workflow.submit(service_intent(catalog, name="two"), DEV, "C")
    assert second.number == first.number + 1
    assert parse_request_id(second.id.lower()) == second.number


def test_the_thread_of_a_request_is_remembered(workflow: Workflow, catalog: Catalog) -> None:
    request = workflow.submit(service_intent(catalog), DEV, "C_REQUESTS")
    assert request.thread_ts == f"1736150400.{request.number:06d}"
    assert workflow.get(request.id).thread_ts == request.thread_ts


def test_a_retried_submission_with_the_same_key_is_stored_once(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    first = workflow.submit(service_intent(catalog), DEV, "C", dedupe_key="view-123")
    again = workflow.submit(service_intent(catalog), DEV, "C", dedupe_key="view-123")
    assert again.id == first.id
    with workflow.store.read() as session:
        assert repository.count_audit(session, first.number) == 1
    assert notifier.names().count("request_opened") == 1


def test_a_failing_notifier_does_not_undo_the_request(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    directory: StaticDirectory,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken:
        def __getattr__(self, name: str) -> object:
            def fail(*args: object) -> None:
                raise RuntimeError("slack is down")

            return fail

    parts = dict(rulebook=rulebook, catalog=catalog, runner=runner, directory=directory, clock=clock)
    workflow = make_workflow(store, notifier=Broken(), **parts)
    with caplog.at_level(logging.ERROR, logger="bot.workflow"):
        request = workflow.submit(service_intent(catalog), DEV, "C")
    assert workflow.get(request.id).state is RequestState.EVALUATED
    assert request.thread_ts is None
    assert "slack is down" in caplog.text  # logged with its traceback, not lost


def test_owners_who_are_no_people_of_the_workspace_are_all_named_and_nothing_is_stored(
    workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier, directory: StaticDirectory
) -> None:
    directory.strangers |= {"U0NOPE", "U0GONE"}
    intent = service_intent(catalog, owners="U0NOPE,U0REAL,U0GONE")
    with pytest.raises(UnknownPeople) as refused:
        workflow.submit(intent, DEV, "C_REQUESTS")
    assert refused.value.user_ids == ("U0GONE", "U0NOPE")  # the intent keeps owners sorted
    assert refused.value.message.startswith("<@U0GONE>, <@U0NOPE> are not people in this workspace (")
    assert workflow.list_for(DEV.user_id, "all") == []
    assert notifier.calls == []
    with pytest.raises(UnknownPeople, match=r"^<@U0NOPE> is not a person in this workspace \("):
        workflow.submit(service_intent(catalog, owners="U0NOPE"), DEV, "C_REQUESTS")
    # Real people pass.
    assert workflow.submit(service_intent(catalog, owners="U0REAL"), DEV, "C_REQUESTS").state is (
        RequestState.EVALUATED
    )
