"""`/platform costs`, its chart, the digest's cost line, the cost gauges and an imported bill, over
real HTTP against the emulator with the real engine provisioning a `service` (EUR 16/month)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import TeamBudget
from bot.cost.imports import import_focus
from bot.cost.reading import stack_changes
from bot.cost.view import Scope, build_view
from bot.workflow import RequestState
from tests.support.focus_files import charge, focus_csv
from tests.support.postgres import PostgresServer
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import (
    Scenario,
    running_scenario,
    scenario_config,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def scenario(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Scenario]:
    """The scenarios' bot with budgets: payments EUR 500, platform EUR 2,000."""
    monkeypatch.setenv("PLATFORMBOT_POSTGRES_ADMIN_DSN", postgres_server.dsn())
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "scenario-passphrase")
    config = scenario_config(require_pulumi_cli()).model_copy(
        update={
            "budgets": {
                "payments": TeamBudget(cost_centre="CC-4711", monthly_budget=Decimal(500)),
                "platform": TeamBudget(cost_centre="CC-1000", monthly_budget=Decimal(2000)),
            }
        }
    )
    with running_scenario(config, tmp_path / "data") as running:
        yield running


def provision_service(scenario: Scenario, name: str) -> str:
    scenario.driver.slash_command(
        f"request service name={name} team=payments language=python owners=U0REQ", user="U0REQ"
    )
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    return request.id


def costs_answer(scenario: Scenario, text: str, user: str = "U0DEV2") -> str:
    before = len(scenario.ephemerals(user))
    response = scenario.driver.slash_command(text, user=user)
    assert response.status == 200
    return scenario.wait_for(lambda: next(iter(scenario.ephemerals(user)[before:]), None))


def scrape(scenario: Scenario) -> str:
    with urllib.request.urlopen(f"{scenario.server.url}/metrics", timeout=10) as response:
        assert response.status == 200
        return str(response.read().decode())


def test_costs_answers_privately_and_sends_the_weekly_trend_chart_to_the_askers_dm(
    scenario: Scenario,
) -> None:
    provision_service(scenario, "ledger")
    scenario.clock.advance(timedelta(days=8))  # into the next week: the trend has two points

    answer = costs_answer(scenario, "costs payments 90d")

    assert "Monthly cost of live resources: team payments" in answer
    assert (
        "EUR 16/month of EUR 500 (EUR 484 left)" in answer
        and "`service.ledger.dev` (service): EUR 16/month" in answer
    )
    assert "service: EUR 16/month, 1 live; teams payments" in answer
    assert "weekly trend (90 days) is in your DM" in answer
    assert not scenario.slack.find_messages("Monthly cost", channel="C0REQUESTS")  # not in the channel
    chart = scenario.wait_for(
        lambda: next((f for f in scenario.slack.files if f.name.endswith(".png")), None)
    )
    assert chart.content is not None and chart.content.startswith(PNG_MAGIC)
    assert [channel for channel, _ts in chart.shares] == [m.channel for m in scenario.slack.dms("U0DEV2")][:1]
    assert chart.name.startswith("platform-costs-payments-90d-")


def test_a_costs_argument_it_cannot_use_is_answered_privately_with_what_it_takes(scenario: Scenario) -> None:
    unknown = costs_answer(scenario, "costs paymnets")
    assert "No team `paymnets`" in unknown
    assert "a team (payments, platform), a golden path (" in unknown and "service" in unknown
    assert "30d or 90d" in unknown

    refused = scenario.driver.slash_command("costs payments 7d", user="U0DEV2")  # the grammar's, in the ack
    window = str(refused.json["blocks"])
    assert refused.json["response_type"] == "ephemeral"
    assert "`costs` cannot take `7d`: expected one window: 30d or 90d" in window
    assert not scenario.slack.files


def test_gauges_digest_and_an_imported_bill_show_what_a_team_commits_and_spends(scenario: Scenario) -> None:
    request_id = provision_service(scenario, "billing")

    metrics = scrape(scenario)
    assert 'platformbot_cost_committed_monthly{currency="EUR",team="payments"} 16.0' in metrics
    assert 'platformbot_cost_budget_monthly{currency="EUR",team="payments"} 500.0' in metrics
    assert 'platformbot_cost_budget_used_ratio{team="payments"} 0.032' in metrics
    assert 'platformbot_cost_committed_monthly{currency="EUR",team="platform"} 0.0' in metrics

    assert scenario.bot.outcomes is not None
    scenario.bot.outcomes.digest_job(scenario.clock.now())
    digest = scenario.wait_for(lambda: scenario.slack.find_message("Platform outcomes", channel="C0PLATFORM"))
    assert "Cost run-rate" in digest.all_text and "EUR 16/month" in digest.all_text
    assert "payments EUR 16 of EUR 500 (3%)" in digest.all_text

    month = scenario.clock.now().strftime("%Y-%m-01")
    bill = focus_csv(
        [
            charge("18", tags={"team": "payments", "request_id": request_id}, period=month),
            charge("6", resource_id="shared-runner-pool", period=month),
        ]
    )
    import_focus(
        scenario.bot.store,
        bill.encode(),
        filename="focus-jan.csv",
        now=scenario.clock.now(),
        imported_by="ops",
        currency="EUR",
    )
    answer = costs_answer(scenario, "costs")
    assert "Bill import #1 (focus-jan.csv, 2 rows" in answer and "75% attributed to a team" in answer
    assert "team payments: EUR 18 billed, est. EUR 4.07 (+EUR 13.93)" in answer
    assert "no team: EUR 6 billed, no estimate" in answer


def test_the_trend_is_replayed_from_the_stored_apply_and_destroy(scenario: Scenario) -> None:
    built = provision_service(scenario, "shortlived")  # Monday, week 1
    scenario.clock.advance(timedelta(days=7))  # week 2: still live
    scenario.driver.slash_command(f"destroy {built}", user="U0REQ")
    destroy = scenario.wait_state(scenario.settled_request(2).id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert destroy.state is RequestState.SUCCEEDED, destroy.error
    scenario.clock.advance(timedelta(days=7))  # week 3: gone

    answer = costs_answer(scenario, "costs service")

    assert "Monthly cost of live resources: service" in answer and "*payments*" not in answer  # none live
    # The chart's points, as the command drew them: the run-rate at each week's end.
    view = build_view(
        [], stack_changes(scenario.bot.store), {}, "EUR", Scope(path="service"), scenario.clock.now()
    )
    assert [p.total for p in view.trend][-3:] == [Decimal(16), Decimal(0), Decimal(0)]
