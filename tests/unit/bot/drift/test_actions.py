from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.drift import FindingClosed
from bot.drift.actions import DriftActions
from bot.drift.checker import DriftChecker
from bot.drift.findings import Finding
from bot.errors import NotAllowed
from bot.store import repository
from bot.workflow import Request, RequestState, Workflow
from intents import Catalog
from provisioners import DriftReport, ResourceChange
from provisioners.programs.service import FILE_TYPE as FILE
from provisioners.programs.service import service_files
from rulebook import Actor, Verdict
from tests.support.drift import RecordingDriftNotifier, ScriptedRunner, role_drift
from tests.support.request_states import postgres_intent, succeeded


@pytest.fixture
def actions(
    checker: DriftChecker,
    workflow: Workflow,
    catalog: Catalog,
    drift_notifier: RecordingDriftNotifier,
    clock: ManualClock,
) -> DriftActions:
    return DriftActions(
        findings=checker.findings,
        workflow=workflow,
        catalog=catalog,
        notifier=drift_notifier,
        clock=clock,
        actor_of=lambda user: Actor(user_id=user, team="payments"),
        channel="C_REQUESTS",
        admins=("U_ADMIN",),
    )


def drifting(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    *,
    env: str = "prod",
    after: int = 37,
) -> tuple[Request, Finding]:
    request = succeeded(workflow, postgres_intent(catalog, env=env))
    scripted.answers[request.stack_name] = role_drift(request.stack_name, after=after)
    (finding,) = checker.sweep().posted
    return request, finding


def finish(workflow: Workflow, request_id: str, state: str) -> None:
    request = workflow.get(request_id)
    now = workflow.clock.now()
    with workflow.store.write() as session:
        assert repository.compare_and_set(session, request.number, {"evaluated"}, state, now, finished_at=now)


def test_reconcile_opens_a_request_for_the_same_intent_and_prod_needs_approval_again(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    request, finding = drifting(workflow, catalog, checker, scripted)
    answer = actions.reconcile(finding.id, "U_DEV")
    taken = checker.findings.get(finding.id)
    assert taken.state == "reconciling" and taken.follow_up == "reconcile"
    assert taken.follow_up_request_id is not None and taken.follow_up_request_id in answer
    follow_up = workflow.get(taken.follow_up_request_id)
    assert follow_up.intent == request.intent and follow_up.requester == "U_DEV"
    assert follow_up.intent_decision.verdict is Verdict.REQUIRE_APPROVAL
    assert [a[2].id for a in drift_notifier.of("follow_up_opened")] == [follow_up.id]
    events = [e.event for e in checker.findings.timeline(finding.id)]
    assert events[-2:] == ["reconcile_requested", "follow_up_opened"]


def test_a_second_click_opens_nothing_more(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
) -> None:
    _, finding = drifting(workflow, catalog, checker, scripted)
    actions.reconcile(finding.id, "U_DEV")
    before = workflow.list_for("U_DEV", "all", limit=50)
    assert "already dealing with this drift" in actions.reconcile(finding.id, "U_DEV")
    assert "already dealing with this drift" in actions.accept(finding.id, "U_DEV")
    assert "already dealing with this drift" in actions.snooze(finding.id, "U_DEV")
    assert workflow.list_for("U_DEV", "all", limit=50) == before


def test_a_follow_up_that_ends_without_fixing_the_drift_reopens_and_reposts_it(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    _, finding = drifting(workflow, catalog, checker, scripted)
    actions.reconcile(finding.id, "U_DEV")
    follow_up = checker.findings.get(finding.id).follow_up_request_id
    assert follow_up is not None
    assert checker.sweep().posted == ()  # still in flight: quiet
    finish(workflow, follow_up, "rejected")
    (again,) = checker.sweep().posted
    assert again.state == "open"
    assert drift_notifier.of("drift_found")[-1][2] == f"{follow_up} ended rejected; the drift is still there."


def test_accept_explains_why_a_hand_set_connection_limit_cannot_be_accepted(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
) -> None:
    _, finding = drifting(workflow, catalog, checker, scripted, after=37)
    answer = actions.accept(finding.id, "U_DEV")
    assert answer.startswith("This drift cannot be accepted:") and "maps to no size" in answer
    assert checker.findings.get(finding.id).state == "open"
    (refused,) = drift_notifier.of("accept_refused")
    assert "maps to no size" in refused[2][0]
    assert checker.findings.timeline(finding.id)[-1].event == "accept_refused"


def test_accept_of_a_limit_that_is_a_size_opens_a_request_for_that_size_and_closes_as_accepted(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
) -> None:
    request, finding = drifting(workflow, catalog, checker, scripted, env="staging", after=50)
    answer = actions.accept(finding.id, "U_DEV")
    assert "size: small -> medium" in answer
    follow_up = workflow.get(checker.findings.get(finding.id).follow_up_request_id or "")
    assert follow_up.intent.params["size"] == "medium" and follow_up.stack_name == request.stack_name
    finish(workflow, follow_up.id, "succeeded")
    del scripted.answers[request.stack_name]
    (closed,) = checker.sweep().resolved
    assert closed.state == "accepted"


def test_only_the_owner_or_a_platform_admin_may_act_on_a_finding(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
) -> None:
    _, finding = drifting(workflow, catalog, checker, scripted)
    with pytest.raises(NotAllowed, match="Only <@U_DEV>"):
        actions.reconcile(finding.id, "U_SOMEONE")
    assert "Snoozed until" in actions.snooze(finding.id, "U_ADMIN")


def test_snooze_lasts_seven_days_and_a_second_snooze_says_so(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    clock: ManualClock,
) -> None:
    _, finding = drifting(workflow, catalog, checker, scripted)
    actions.snooze(finding.id, "U_DEV")
    snoozed = checker.findings.get(finding.id)
    assert snoozed.state == "snoozed" and snoozed.snoozed_until == clock.now() + timedelta(days=7)
    assert actions.snooze(finding.id, "U_DEV").startswith("Already snoozed until")


def test_snooze_answers_show_the_time_as_the_adapter_formats_it(
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
    drift_notifier: RecordingDriftNotifier,
    clock: ManualClock,
) -> None:
    # Slack's adapter passes a date token, which each reader sees in their own zone, not UTC.
    shown = DriftActions(
        findings=checker.findings,
        workflow=workflow,
        catalog=catalog,
        notifier=drift_notifier,
        clock=clock,
        actor_of=lambda user: Actor(user_id=user, team="payments"),
        channel="C_REQUESTS",
        show_time=lambda at: f"<when {at:%Y-%m-%d}>" if at else "",
    )
    _, finding = drifting(workflow, catalog, checker, scripted)
    until = f"<when {clock.now() + timedelta(days=7):%Y-%m-%d}>"
    assert shown.snooze(finding.id, "U_DEV").startswith(f"Snoozed until {until};")
    assert shown.snooze(finding.id, "U_DEV") == f"Already snoozed until {until}."


def test_a_closed_finding_refuses_every_button(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
) -> None:
    request, finding = drifting(workflow, catalog, checker, scripted)
    del scripted.answers[request.stack_name]
    checker.sweep()
    for act in (actions.reconcile, actions.accept, actions.snooze):
        with pytest.raises(FindingClosed, match="already resolved"):
            act(finding.id, "U_DEV")


def test_an_accept_the_rulebook_denies_at_once_leaves_the_finding_open(
    actions: DriftActions,
    workflow: Workflow,
    catalog: Catalog,
    checker: DriftChecker,
    scripted: ScriptedRunner,
) -> None:
    values = {"name": "billing", "env": "dev", "team": "payments", "language": "python", "owners": "U123ABC"}
    intent = catalog.build_intent("service", values)
    request = succeeded(workflow, intent)
    # Someone gave the service to a team the rulebook does not know.
    live = service_files(catalog.build_intent("service", {**values, "team": "marketing"}))["CODEOWNERS"]
    change = ResourceChange(
        urn=f"urn:pulumi:{request.stack_name}::service::{FILE}::CODEOWNERS",
        type=FILE,
        name="CODEOWNERS",
        op="update",
        keys=("content",),
        before={"content": service_files(intent)["CODEOWNERS"]},
        after={"content": live},
    )
    scripted.answers[request.stack_name] = DriftReport(stack=request.stack_name, changes=(change,), checked=6)
    (finding,) = checker.sweep().posted
    answer = actions.accept(finding.id, "U_DEV")
    denied = workflow.list_for("U_DEV", "mine", limit=1)[0]
    assert denied.state is RequestState.DENIED and denied.intent.params["team"] == "marketing"
    assert answer.startswith(f"{denied.id} was not accepted: Denied: Team 'marketing' is not a known team.")
    assert checker.findings.get(finding.id).state == "open"
    assert checker.findings.timeline(finding.id)[-1].event == "follow_up_abandoned"
