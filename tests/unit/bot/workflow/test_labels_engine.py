"""The workflow labels what it provisions (issue 14): the owner team, its cost centre from the
config's budgets, the request and its requester reach the real program, and the plan-stage rules
judge the labels the real plan carries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.store import Store
from bot.workflow import RequestState, Workflow
from intents import Catalog, Intent
from provisioners import Plan, RunnerSettings
from provisioners.labels import Labels
from rulebook import Actor, Rulebook
from tests.support.fake_runner import FakeRunner
from tests.support.workflow import DEV, RecordingNotifier, StaticDirectory, make_workflow, service_intent


@pytest.mark.engine
def test_a_service_applied_through_the_workflow_checks_in_the_requests_labels(
    workflow: Workflow, catalog: Catalog, runner_settings: RunnerSettings
) -> None:
    request = workflow.submit(service_intent(catalog, env="dev"), DEV, "C_REQUESTS")
    done = workflow.plan(request.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert runner_settings.git_root is not None
    labels = json.loads((runner_settings.git_root / "billing" / ".platform" / "labels.json").read_text())
    assert labels == {
        "team": "payments",
        "cost_centre": "CC-payments",
        "golden_path": "service",
        "request_id": request.id,
        "requester": "U_DEV",
        "environment": "dev",
    }


@pytest.mark.engine
def test_a_production_service_of_a_team_without_a_cost_centre_is_denied_on_its_real_plan(
    workflow: Workflow, catalog: Catalog, runner_settings: RunnerSettings
) -> None:
    data = Actor(user_id="U_DATA", team="data")  # a team the config gives no cost centre
    request = workflow.submit(service_intent(catalog, name="lake", team="data"), data, "C_REQUESTS")
    denied = workflow.plan(request.id)
    assert denied.state is RequestState.DENIED
    assert denied.error is not None and "team 'data', which has no cost centre" in denied.error
    (refusal,) = [m for m in denied.decision.matches if m.rule_id == "prod-needs-a-cost-centre"]
    assert refusal.remediation == "Ask the platform team to set budgets.data.cost_centre in the bot's config."
    assert runner_settings.git_root is not None and not (runner_settings.git_root / "lake").exists()


class _Forgetful(FakeRunner):
    """A golden path whose program leaves its labels off: its plan carries none."""

    def preview(self, intent: Intent, labels: Labels | None = None) -> Plan:
        return super().preview(intent, None)

    def up(self, intent: Intent, on_progress: Any = None, labels: Labels | None = None) -> Any:
        raise AssertionError("an unlabelled plan must never be applied")


def test_a_program_that_forgets_the_labels_cannot_create_anything(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
) -> None:
    workflow = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=_Forgetful(),  # type: ignore[arg-type]
        notifier=notifier,
        directory=directory,
        clock=clock,
    )
    request = workflow.submit(service_intent(catalog, env="dev"), DEV, "C_REQUESTS")
    denied = workflow.plan(request.id)
    assert denied.state is RequestState.DENIED
    assert denied.error is not None and "creates resources without their labels" in denied.error


class _Recording(FakeRunner):
    """Keeps the labels each preview and apply was handed."""

    def __init__(self) -> None:
        super().__init__()
        self.previewed: list[Labels | None] = []
        self.applied: list[Labels | None] = []

    def preview(self, intent: Intent, labels: Labels | None = None) -> Plan:
        self.previewed.append(labels)
        return super().preview(intent, labels)

    def up(self, intent: Intent, on_progress: Any = None, labels: Labels | None = None) -> Any:
        self.applied.append(labels)
        return super().up(intent, on_progress, labels)


def test_labels_name_the_owner_and_the_creating_request_and_the_apply_uses_the_previews(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
) -> None:
    runner = _Recording()
    workflow = make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,  # type: ignore[arg-type]
        notifier=notifier,
        directory=directory,
        clock=clock,
    )
    dev = catalog.build_intent("postgres-database", {"name": "billing", "env": "dev", "size": "small"})
    first = workflow.plan(workflow.submit(dev, DEV, "C").id)
    assert first.state is RequestState.SUCCEEDED, first.error
    created = Labels.for_intent(
        dev, team="payments", cost_centre="CC-payments", request_id=first.id, requester="U_DEV"
    )
    assert runner.previewed == runner.applied == [created]

    # Someone of another team changes it: the labels still name the team that owns it, its owner and
    # the request that created it (a change does not relabel a resource).
    search = Actor(user_id="U_SEARCH", team="search")
    bigger = dev.model_copy(update={"params": {**dev.params, "size": "medium"}})
    second = workflow.plan(workflow.submit(bigger, search, "C").id)
    assert second.state is RequestState.AWAITING_APPROVAL  # the owners must agree first
    assert runner.previewed[-1] == Labels.for_intent(
        bigger, team="payments", cost_centre="CC-payments", request_id=first.id, requester="U_DEV"
    )
    assert second.id != first.id
