"""Every plan is estimated with the price book and stored bound to its hash (issue 14): real
`service` plans through the real Runner and Pulumi engine, a team's budget use from its live
resources, a destroy's saving, and a changed plan estimated again."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.clock import ManualClock
from bot.config import TeamBudget
from bot.cost import BookPricing, load_price_book
from bot.slack.request_views import cost_text
from bot.store import Store, repository
from bot.workflow import Request, RequestState, Workflow, WorkflowPolicy
from bot.workflow.costing import Costing
from intents import Catalog
from provisioners import Runner
from rulebook import Actor, Rulebook
from tests.support.workflow import DEV, GROUPS, RecordingNotifier, StaticDirectory, service_intent

pytestmark = pytest.mark.engine

# A service: its repository (EUR 4) and 1500 CI minutes at EUR 0.008; its files cost nothing.
SERVICE_MONTHLY = Decimal(16)
DANA = Actor(user_id="U_DANA", team="search")


def _workflow(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: RecordingNotifier,
    clock: ManualClock,
    payments_budget: Decimal = Decimal(500),
) -> Workflow:
    costing = Costing(
        store=store,
        pricing=BookPricing(load_price_book()),
        budgets={
            "payments": TeamBudget(cost_centre="CC-4711", monthly_budget=payments_budget),
            # No limit; a cost centre, as every team with production resources needs one.
            "search": TeamBudget(cost_centre="CC-2040"),
        },
    )
    return Workflow(
        store=store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=StaticDirectory({k: set(v) for k, v in GROUPS.items()}),
        clock=clock,
        policy=WorkflowPolicy(admins=frozenset({"U_ADMIN"})),
        costing=costing,
    )


@pytest.fixture
def costed_workflow(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: RecordingNotifier,
    clock: ManualClock,
) -> Workflow:
    return _workflow(store, rulebook, catalog, runner, notifier, clock)


def _stored(workflow: Workflow, request: Request) -> tuple[Decimal | None, str | None, str | None]:
    with workflow.store.read() as session:
        row = repository.get_request(session, request.number)
    assert row is not None
    return row.cost_monthly, row.cost_currency, row.cost_plan_hash


def _approve_and_apply(workflow: Workflow, request: Request) -> Request:
    for group, count in request.required_approvals.items():
        approvers = sorted(GROUPS[group])[:count]
        for approver in approvers:
            workflow.approve(request.id, approver, request.plan_hash or "")
    return workflow.apply(request.id)


def test_a_plan_is_estimated_and_the_estimate_stored_with_its_hash(
    costed_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    planned = costed_workflow.plan(costed_workflow.submit(service_intent(catalog), DEV, "C").id)

    assert planned.state is RequestState.AWAITING_APPROVAL
    assert planned.cost is not None and planned.cost.estimate.is_for(planned.plan)  # type: ignore[arg-type]
    assert planned.cost.estimate.monthly_delta == SERVICE_MONTHLY and planned.cost.estimate.unpriced == ()
    assert _stored(costed_workflow, planned) == (SERVICE_MONTHLY, "EUR", planned.plan_hash)
    assert cost_text(planned) == "Est. +EUR 16/month; team payments: EUR 0 -> EUR 16 of EUR 500"
    # The thread's plan message and the approval ask are told from the same snapshot.
    ((told, _plan, _decision),) = notifier.of("plan_ready")
    assert told.cost == planned.cost


def test_a_teams_budget_use_counts_its_live_resources_and_a_destroy_shows_the_saving(
    costed_workflow: Workflow, catalog: Catalog
) -> None:
    wf = costed_workflow
    first = wf.plan(wf.submit(service_intent(catalog, name="ledger"), DEV, "C").id)
    assert _approve_and_apply(wf, first).state is RequestState.SUCCEEDED

    second = wf.plan(wf.submit(service_intent(catalog, name="invoices"), DEV, "C").id)
    assert cost_text(second) == "Est. +EUR 16/month; team payments: EUR 16 -> EUR 32 of EUR 500"
    assert _approve_and_apply(wf, second).state is RequestState.SUCCEEDED

    destroy = wf.plan(wf.request_destroy(first.id, DEV).id)
    assert destroy.cost is not None and destroy.cost.monthly == 0
    assert cost_text(destroy) == "Est. -EUR 16/month (saving); team payments: EUR 32 -> EUR 16 of EUR 500"
    assert _approve_and_apply(wf, destroy).state is RequestState.SUCCEEDED
    with wf.store.read() as session:
        live = repository.live_resources_with_cost(session, team="payments")
    assert [(r.stack_name, q.cost_monthly) for r, q in live] == [(second.stack_name, SERVICE_MONTHLY)]


def test_a_plan_changed_before_the_apply_is_estimated_again_on_the_live_resource(
    costed_workflow: Workflow, catalog: Catalog
) -> None:
    """Two teams ask for the same new service; the one applied second is planned again, and its
    estimate now changes a live resource (owned by payments) instead of creating one."""
    wf = costed_workflow
    rileys = wf.submit(service_intent(catalog, name="shared", owners="U0RILEY"), DEV, "C")
    danas = wf.submit(service_intent(catalog, name="shared", owners="U0DANA", team="search"), DANA, "C")
    planned = {r.id: wf.plan(r.id) for r in (rileys, danas)}
    first_hash = planned[danas.id].plan_hash
    assert cost_text(planned[danas.id]) == "Est. +EUR 16/month; team search: EUR 0 -> EUR 16"
    assert _approve_and_apply(wf, planned[rileys.id]).state is RequestState.SUCCEEDED

    again = _approve_and_apply(wf, planned[danas.id])

    assert again.state is RequestState.AWAITING_APPROVAL and again.plan_hash != first_hash
    assert again.cost is not None and again.cost.estimate.plan_hash == again.plan_hash
    assert again.cost.estimate.monthly_delta == 0 and again.cost.monthly == SERVICE_MONTHLY
    assert _stored(wf, again) == (SERVICE_MONTHLY, "EUR", again.plan_hash)
    assert cost_text(again) == "Est. ±EUR 0/month; team payments: EUR 16 -> EUR 16 of EUR 500"


def test_a_plan_that_takes_the_team_over_its_budget_also_needs_finance(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: RecordingNotifier,
    clock: ManualClock,
) -> None:
    wf = _workflow(store, rulebook, catalog, runner, notifier, clock, payments_budget=Decimal(10))

    planned = wf.plan(wf.submit(service_intent(catalog), DEV, "C").id)

    assert planned.required_approvals == {"security": 1, "finance": 1}
    assert "over-team-budget-needs-finance" in planned.decision.rule_ids
    assert cost_text(planned) == "Est. +EUR 16/month; team payments: EUR 0 -> EUR 16 of EUR 10"
