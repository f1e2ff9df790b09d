"""Environments that expire (issue 15), over the real HTTP path: a service requested with ttl=1d
says in its thread when it expires; the owner gets a DM 24 h and 1 h before with Extend, Keep and
Destroy now and what the destroy would remove; at the expiry the bot opens an ordinary destroy
request, reports it in the thread and counts it. Time moves on the ManualClock; the scheduler's
`expiry` job runs when the test says so. The catalog is the shipped one with a ttl policy on
`service` (the shipped catalog gives ttl= to postgres-database only), so no PostgreSQL is needed.
"""

from __future__ import annotations

import copy
import html
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest
from sqlmodel import select

from bot.config import MANIFESTS, TeamBudget
from bot.devtools.slack_emulator import Message
from bot.store import AuditEventRow, ResourceRow
from bot.workflow import Request, RequestState
from bot.workflow.expiry import DESTROY_CAUSE
from tests.support.pulumi import require_pulumi_cli
from tests.support.scenario import (
    Scenario,
    restart,
    running_scenario,
    scenario_config,
)

pytestmark = [pytest.mark.engine]

SERVICE = "request service name={name} team=payments language=python owners=U0REQ ttl=1d"


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Scenario]:
    catalog = yaml.safe_load((MANIFESTS / "catalog.yaml").read_text())
    for path in catalog["paths"]:
        if path["name"] == "service":
            path["ttl"] = {"max": "3d", "extend": "1d"}
    catalog_path = tmp_path / "catalog.yaml"
    catalog_path.write_text(yaml.safe_dump(catalog, sort_keys=False))
    # A cost centre for payments: a production request of a team without one is refused.
    budgets = {"payments": TeamBudget(cost_centre="CC-1234")}
    config = scenario_config(require_pulumi_cli()).model_copy(
        update={"catalog_path": catalog_path, "budgets": budgets}
    )
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "scenario-passphrase")
    with running_scenario(config, tmp_path / "data") as running:
        yield running


def built_service(scenario: Scenario, name: str) -> Request:
    scenario.driver.slash_command(SERVICE.format(name=name), user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    return request


def resource(scenario: Scenario, stack_name: str) -> ResourceRow | None:
    with scenario.bot.store.read() as session:
        return session.get(ResourceRow, stack_name)


def expires_at(scenario: Scenario, stack_name: str) -> datetime | None:
    live = resource(scenario, stack_name)
    assert live is not None
    return live.expires_at


def tick(scenario: Scenario, by: timedelta) -> None:
    """Move time on and run what is due, as the scheduler's tick does."""
    schedules = scenario.bot.schedules
    assert schedules is not None
    now = scenario.clock.advance(by)
    runs = {run.job_id: run.outcome for run in schedules.run_due(now)}
    assert runs.get("expiry") in ("succeeded", None), runs


def warnings(scenario: Scenario, request_id: str) -> list[Message]:
    """The warning DMs about `request_id` whose buttons are live (a settled one has none)."""
    return [m for m in dms_about(scenario, request_id) if m.find_element("expiry_extend")]


def dms_about(scenario: Scenario, request_id: str) -> list[Message]:
    return [m for m in scenario.slack.dms("U0REQ") if request_id in m.all_text]


def stale(message: Message) -> Message:
    """The message as a reader whose Slack has not refreshed yet still has it (buttons and all)."""
    return copy.deepcopy(message)


def now_of(scenario: Scenario, message: Message) -> Message:
    """The message as Slack shows it now (after any chat.update)."""
    return next(m for m in scenario.slack.find_messages(channel=message.channel) if m.ts == message.ts)


def answer_after(scenario: Scenario, user: str, seen: int) -> str:
    """The first ephemeral `user` got after the `seen` they had."""
    return scenario.wait_for(lambda: next(iter(scenario.ephemerals(user)[seen:]), None))


def click(scenario: Scenario, dm: Message, action_id: str, user: str = "U0REQ") -> str:
    seen = len(scenario.ephemerals(user))
    response = scenario.driver.click(dm, action_id, user=user)
    assert response.status == 200
    return html.unescape(answer_after(scenario, user, seen))


def test_a_service_with_ttl_says_when_it_expires_and_its_owner_gets_the_24h_dm_with_what_would_go(
    scenario: Scenario,
) -> None:
    request = built_service(scenario, "shortlived")
    expiry = expires_at(scenario, request.stack_name)
    assert expiry is not None and request.finished_at is not None
    assert expiry - request.finished_at == timedelta(days=1)
    # A Slack date token: each reader sees the moment in their own zone (UTC is the fallback).
    scenario.wait_thread(
        request.id, "2026-11-24 09:00 UTC>* (ttl=1d): the bot opens its destroy within 1 minute"
    )

    tick(scenario, timedelta(minutes=5))  # ttl=1d: the 24 h warning is due at once
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))
    text = html.unescape(dm.all_text)
    assert "expires in 24 hours" in text
    assert "The destroy would remove" in text and "shortlived" in text
    assert "pulumi-python:dynamic" not in text  # readable names, not type tokens
    assert dm.find_element("expiry_keep") and dm.find_element("expiry_destroy_now")

    tick(scenario, timedelta(minutes=5))
    assert len(warnings(scenario, request.id)) == 1  # taken once


def test_extend_moves_the_expiry_by_the_step_once_and_a_stranger_changes_nothing(scenario: Scenario) -> None:
    request = built_service(scenario, "extendme")
    before = expires_at(scenario, request.stack_name)
    assert before is not None
    tick(scenario, timedelta(minutes=5))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))
    old = stale(dm)

    refused = click(scenario, dm, "expiry_extend", user="U0SEC1")  # team platform, not payments
    assert "Only team payments" in refused and "Nothing changed" in refused
    assert expires_at(scenario, request.stack_name) == before

    answer = click(scenario, dm, "expiry_extend")
    assert "Extended by 1d" in answer
    assert expires_at(scenario, request.stack_name) == before + timedelta(days=1)
    scenario.wait_thread(request.id, "extended")

    again = click(scenario, old, "expiry_extend")  # the same DM again: it was extended already
    assert "already extended" in again and "Nothing changed" in again
    assert expires_at(scenario, request.stack_name) == before + timedelta(days=1)
    # The DM itself now says what happened, and its buttons are gone.
    settled = now_of(scenario, dm)
    assert not settled.find_element("expiry_extend") and not settled.find_element("expiry_keep")
    assert "<@U0REQ> extended it: it now expires" in settled.all_text


def test_keep_removes_the_expiry_of_a_dev_service_and_nothing_then_destroys_it(scenario: Scenario) -> None:
    request = built_service(scenario, "keepme")
    tick(scenario, timedelta(minutes=5))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))

    old = stale(dm)
    assert "no longer expires" in click(scenario, dm, "expiry_keep")
    assert expires_at(scenario, request.stack_name) is None
    scenario.wait_thread(request.id, "kept")

    tick(scenario, timedelta(days=2))
    assert resource(scenario, request.stack_name) is not None
    assert "no longer expires: it was kept" in click(scenario, old, "expiry_destroy_now")


def test_destroy_now_destroys_it_through_the_destroy_path_and_a_later_click_says_so(
    scenario: Scenario,
) -> None:
    request = built_service(scenario, "gonenow")
    tick(scenario, timedelta(minutes=5))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))

    old = stale(dm)
    answer = click(scenario, dm, "expiry_destroy_now")
    assert "to destroy it" in answer and "(evaluated)" not in answer
    destroy = scenario.settled_request(2)
    assert destroy.action == "destroy" and destroy.target_request_id == request.id
    assert destroy.state is RequestState.SUCCEEDED, destroy.error
    assert resource(scenario, request.stack_name) is None
    scenario.wait_thread(request.id, "Destroy now")
    scenario.wait_thread(destroy.id, "Asked with Destroy now")

    assert "already destroyed" in click(scenario, old, "expiry_extend")


def test_at_expiry_the_bot_destroys_it_says_so_in_the_thread_and_counts_it(scenario: Scenario) -> None:
    request = built_service(scenario, "expireme")
    tick(scenario, timedelta(minutes=5))
    tick(scenario, timedelta(hours=23))  # the 1 h warning
    scenario.wait_for(lambda: len(warnings(scenario, request.id)) == 2 or None)
    # The second DM says the time really left (the job ran 55 minutes before the expiry).
    assert "expires in 55 minutes" in html.unescape(warnings(scenario, request.id)[1].all_text)

    tick(scenario, timedelta(hours=1))
    destroy = scenario.settled_request(2)
    assert destroy.action == "destroy" and destroy.target_request_id == request.id
    assert destroy.requester == "U0REQ"  # in the owner's name: their ttl=, their rules
    assert destroy.state is RequestState.SUCCEEDED, destroy.error
    assert resource(scenario, request.stack_name) is None
    thread = scenario.wait_thread(request.id, "expired at")
    assert f"the bot opened *{destroy.id}* to destroy it" in thread
    assert warnings(scenario, request.id) == []  # both DMs settled
    scenario.wait_for(
        lambda: (
            all(f"Destroyed by *{destroy.id}*" in m.all_text for m in dms_about(scenario, request.id)) or None
        )
    )
    scenario.wait_thread(destroy.id, "reached its expiry")

    with scenario.bot.store.read() as session:
        causes = session.exec(select(AuditEventRow).where(AuditEventRow.event == DESTROY_CAUSE)).all()
    assert {e.request_id for e in causes} == {destroy.number, request.number}
    assert all(e.detail["cause"] == "expiry" for e in causes)

    metrics = generate_latest(scenario.bot.registry).decode()
    assert 'platformbot_environments_expired_total{path="service"} 1.0' in metrics
    assert 'platformbot_expired_resource_hours_total{path="service"}' in metrics

    # Money saved: the run-rate the request's stored estimate gave it, which the destroy stopped.
    assert request.cost is not None and request.cost.monthly is not None
    saved = f'platformbot_expiry_saved_monthly{{path="service"}} {float(request.cost.monthly)}'
    assert saved in metrics

    tick(scenario, timedelta(minutes=5))
    assert scenario.stored() == 2  # the destroy was asked once

    scenario.driver.slash_command("stats 7d", user="U0DEV2", channel="C0REQUESTS")
    figures = scenario.wait_for(
        lambda: scenario.slack.find_message("Platform outcomes", channel="C0REQUESTS")
    )
    assert "Environments expired" in figures.all_text and "resource-hours" in figures.all_text
    scenario.wait_for(lambda: next(iter(scenario.slack.files), None))  # the chart, before the bot stops


def test_a_restart_between_the_dm_and_the_click_still_extends(scenario: Scenario) -> None:
    request = built_service(scenario, "survivor")
    before = expires_at(scenario, request.stack_name)
    assert before is not None
    tick(scenario, timedelta(minutes=5))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))

    restart(scenario)

    assert "Extended by 1d" in click(scenario, dm, "expiry_extend")
    assert expires_at(scenario, request.stack_name) == before + timedelta(days=1)


def test_keep_in_prod_needs_another_owner_or_security_and_the_asker_cannot_approve_it(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command(SERVICE.format(name="prodkeep") + " env=prod", user="U0REQ")
    pending = scenario.settled_request()
    assert pending.state is RequestState.AWAITING_APPROVAL, pending.error
    scenario.driver.click(scenario.approval_message(pending.id), "approve", user="U0SEC1")
    request = scenario.wait_state(pending.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert request.state is RequestState.SUCCEEDED, request.error
    before = expires_at(scenario, request.stack_name)
    tick(scenario, timedelta(minutes=5))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))

    asked = click(scenario, dm, "expiry_keep")
    assert "needs an approval from" in asked and "security" in asked and "team payments" in asked
    assert expires_at(scenario, request.stack_name) == before  # nothing yet
    ask = scenario.wait_for(
        lambda: next(
            (m for m in scenario.thread_of(request.id) if m.find_element("expiry_keep_approve")), None
        )
    )

    assert "someone else must approve" in click(scenario, ask, "expiry_keep_approve", user="U0REQ")
    assert "Only" in click(scenario, ask, "expiry_keep_approve", user="U0ONCALL")
    assert expires_at(scenario, request.stack_name) == before

    old = stale(ask)
    assert "no longer expires" in click(scenario, ask, "expiry_keep_approve", user="U0DEV2")
    assert expires_at(scenario, request.stack_name) is None
    assert "it was kept" in click(scenario, old, "expiry_keep_approve", user="U0SEC1")
    for settled in (now_of(scenario, ask), now_of(scenario, dm)):
        assert not settled.find_element("expiry_keep_approve") and not settled.find_element("expiry_keep")
        assert "<@U0DEV2> kept it: it no longer expires" in settled.all_text


def test_at_its_maximum_the_extend_button_says_why_not_and_changes_nothing(scenario: Scenario) -> None:
    scenario.driver.slash_command(SERVICE.format(name="atmax").replace("ttl=1d", "ttl=3d"), user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    before = expires_at(scenario, request.stack_name)
    tick(scenario, timedelta(days=2, minutes=5))  # 24 h before a 3d expiry
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))
    found = dm.find_element("expiry_extend")
    assert found is not None and "3d max" in found[1]["text"]["text"]

    answer = click(scenario, dm, "expiry_extend")
    assert "cannot be extended" in answer and "3d" in answer
    assert expires_at(scenario, request.stack_name) == before


def test_a_restart_before_the_expiry_leaves_the_destroy_to_the_new_process_once(scenario: Scenario) -> None:
    request = built_service(scenario, "restarted")
    tick(scenario, timedelta(minutes=5))
    tick(scenario, timedelta(hours=23))  # both warnings taken by the first process
    scenario.wait_for(lambda: len(warnings(scenario, request.id)) == 2 or None)

    restart(scenario)

    tick(scenario, timedelta(hours=1))
    destroy = scenario.settled_request(2)
    assert destroy.action == "destroy" and destroy.state is RequestState.SUCCEEDED, destroy.error
    tick(scenario, timedelta(minutes=5))
    assert scenario.stored() == 2 and len(dms_about(scenario, request.id)) == 2
    assert warnings(scenario, request.id) == []  # settled by the destroy, buttons gone


def test_an_expiring_prod_service_is_destroyed_only_after_the_approvals_any_prod_destroy_needs(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command(SERVICE.format(name="prodexpiry") + " env=prod", user="U0REQ")
    pending = scenario.settled_request()
    assert pending.state is RequestState.AWAITING_APPROVAL, pending.error
    scenario.driver.click(scenario.approval_message(pending.id), "approve", user="U0SEC1")
    request = scenario.wait_state(pending.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert request.state is RequestState.SUCCEEDED, request.error
    scenario.settle()

    tick(scenario, timedelta(minutes=5))
    tick(scenario, timedelta(hours=23))
    tick(scenario, timedelta(hours=1))
    destroy = scenario.settled_request(2)
    assert destroy.action == "destroy" and destroy.state is RequestState.AWAITING_APPROVAL, destroy.error
    assert resource(scenario, request.stack_name) is not None  # nothing destroyed without them
    scenario.wait_thread(request.id, "expired at")

    scenario.driver.click(scenario.approval_message(destroy.id), "approve", user="U0SEC1")
    scenario.driver.click(scenario.approval_message(destroy.id), "approve", user="U0SEC2")
    done = scenario.wait_state(destroy.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert resource(scenario, request.stack_name) is None


def test_list_mine_shows_when_a_live_environment_expires_and_follows_an_extend(scenario: Scenario) -> None:
    request = built_service(scenario, "listed")

    def listed() -> str:
        seen = len(scenario.ephemerals("U0REQ"))
        scenario.driver.slash_command("list mine", user="U0REQ")
        return scenario.wait_for(
            lambda: next((t for t in scenario.ephemerals("U0REQ")[seen:] if "Live resources" in t), None)
        )

    before = listed()
    assert "`listed` in dev" in before and "expires 2026-11-24 09:00 UTC" in before
    tick(scenario, timedelta(minutes=5))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))
    click(scenario, dm, "expiry_extend")
    assert "expires 2026-11-25 09:00 UTC" in listed()


def test_a_three_minute_ttl_promises_one_warning_says_the_time_left_and_goes_on_time(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command(SERVICE.format(name="brief").replace("ttl=1d", "ttl=3m"), user="U0REQ")
    request = scenario.settled_request()
    assert request.state is RequestState.SUCCEEDED, request.error
    thread = scenario.wait_thread(request.id, "(ttl=3m)")
    assert "a DM within 1 minute" in thread and "24 hours" not in thread

    tick(scenario, timedelta(minutes=1))
    dm = scenario.wait_for(lambda: next(iter(warnings(scenario, request.id)), None))
    assert "expires in 2 minutes" in html.unescape(dm.all_text)
    old = stale(dm)

    tick(scenario, timedelta(minutes=2))  # the expiry's own minute: the destroy is opened now
    destroy = scenario.settled_request(2)
    assert destroy.action == "destroy" and destroy.target_request_id == request.id
    late = click(scenario, old, "expiry_extend")
    assert "being destroyed" in late or "already destroyed" in late
