"""Day-2 operations over real HTTP: `/platform update`, `/platform rotate` and `list mine`, each
through the whole pipeline (thread, plan, rules, approvals, the real engine, DMs) on the real
PostgreSQL and real git repositories."""

from __future__ import annotations

import json
import re

import psycopg
import pytest

from bot.workflow import RequestState
from tests.support.scenario import Scenario

DSN = re.compile(r"postgresql://[^\s`\"'<>|]+")


def dsns(scenario: Scenario, user: str) -> list[str]:
    """Every connection URL the bot sent `user` by DM, oldest first."""
    return [m.group(0) for dm in scenario.slack.dms(user) for m in DSN.finditer(dm.all_text)]


def connects(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as exc:
        assert "password authentication failed" in str(exc), exc
        return False
    return True


def succeeded(scenario: Scenario, request_id: str) -> None:
    done = scenario.wait_state(request_id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert done.state is RequestState.SUCCEEDED, done.error
    scenario.settle()


def test_an_update_changes_a_services_owners_through_a_new_request(scenario: Scenario) -> None:
    scenario.driver.slash_command(
        "request service name=dayjob team=payments language=python owners=U0REQ", user="U0REQ"
    )
    built = scenario.settled_request()
    assert built.state is RequestState.SUCCEEDED, built.error
    codeowners = scenario.data_dir / "repos" / "dayjob" / "CODEOWNERS"
    assert "U0DEV2" not in codeowners.read_text()

    scenario.driver.slash_command(f"update {built.id} owners=U0REQ,U0DEV2", user="U0REQ")

    update_id = scenario.latest_request_id(2)
    asked = scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "asks to change"))
    assert f"{update_id} asks to change what {built.id} built" in asked and "U0DEV2" in asked
    succeeded(scenario, update_id)
    update = scenario.bot.workflow.get(update_id)
    assert update.plan is not None and update.plan.counts.get("update", 0) >= 1
    assert update.plan.counts.get("create", 0) == 0 and update.plan.counts.get("delete", 0) == 0
    assert "U0DEV2" in codeowners.read_text()
    scenario.wait_thread(update_id, "succeeded")


def test_an_update_names_every_problem_and_stores_nothing(scenario: Scenario) -> None:
    scenario.driver.slash_command(
        "request service name=dayoff team=payments language=python owners=U0REQ", user="U0REQ"
    )
    built = scenario.settled_request()

    scenario.driver.slash_command(f"update {built.id} name=other langauge=go", user="U0REQ")
    scenario.driver.slash_command("update PB-404 language=go", user="U0REQ")

    refused = scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "was not accepted"))
    assert "`name` cannot be changed by an update" in refused and "`language`" in refused
    missing = scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "PB-404"))
    assert "There is no request PB-404." in missing
    assert scenario.stored() == 1


def test_rotating_a_prod_databases_password_sends_a_new_one_and_the_old_is_refused(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request postgres-database turnstile env=prod", user="U0REQ")
    built = scenario.settled_request()
    assert built.state is RequestState.AWAITING_APPROVAL, (built.state, built.error, built.required_approvals)
    scenario.driver.click(scenario.approval_message(built.id), "approve", user="U0SEC1")
    succeeded(scenario, built.id)
    [old] = scenario.wait_for(lambda: dsns(scenario, "U0REQ") or None)
    assert connects(old)

    scenario.driver.slash_command(f"rotate {built.id}", user="U0REQ")

    rotation = scenario.settled_request(2)
    assert rotation.intent.credentials_version == 1
    assert rotation.state is RequestState.AWAITING_APPROVAL  # prod: the same rules as any change
    assert rotation.plan is not None
    [role] = [c for c in rotation.plan.changes if c.type.endswith("PostgresRole")]
    assert role.op == "update" and "credentials_version" in role.keys
    assert {c.op for c in rotation.plan.changes} <= {"update", "same"}
    scenario.driver.click(scenario.approval_message(rotation.id), "approve", user="U0SEC1")
    succeeded(scenario, rotation.id)
    sent = scenario.wait_for(lambda: dsns(scenario, "U0REQ") if len(dsns(scenario, "U0REQ")) == 2 else None)
    new = sent[1]
    assert new != old
    assert connects(new)
    assert not connects(old)  # the real PostgreSQL refuses the old password
    asked = scenario.ephemeral_containing("U0REQ", "asks to rotate")
    assert asked is not None and "the old credentials stop working" in asked
    events = [e.event for e in scenario.bot.workflow.status(rotation.id).audit]
    assert "request.rotation_of" in events and "request.succeeded" in events


def test_an_outsiders_update_and_rotate_go_to_the_owners_and_the_secret_not_to_the_outsider(
    scenario: Scenario,
) -> None:
    scenario.driver.slash_command("request postgres-database ledgerline env=staging", user="U0REQ")
    built = scenario.settled_request()
    assert built.state is RequestState.SUCCEEDED, built.error
    [first] = scenario.wait_for(lambda: dsns(scenario, "U0REQ") or None)

    scenario.driver.slash_command(f"update {built.id} size=medium", user="U0SEC1")
    update = scenario.settled_request(2)
    assert update.state is RequestState.AWAITING_APPROVAL
    assert update.required_approvals == {"team:payments": 1}
    told = scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", "asks to change"))
    assert "belongs to team payments: one of them must approve" in told

    scenario.driver.slash_command(f"rotate {built.id}", user="U0SEC1")
    rotation = scenario.settled_request(3)
    assert rotation.state is RequestState.AWAITING_APPROVAL
    assert rotation.required_approvals == {"team:payments": 1}
    told = scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", "asks to rotate"))
    assert "go to its owner by DM, not to you" in told
    # The outsider's newer request ends their own older one; the owners' resource is untouched.
    assert scenario.bot.workflow.get(update.id).state is RequestState.CANCELLED

    ask = scenario.wait_for(
        lambda: next((m for m in scenario.thread_of(rotation.id) if m.find_element("approve")), None)
    )
    scenario.driver.click(ask, "approve", user="U0DEV2")
    succeeded(scenario, rotation.id)

    assert dsns(scenario, "U0SEC1") == []
    sent = scenario.wait_for(lambda: dsns(scenario, "U0REQ") if len(dsns(scenario, "U0REQ")) == 2 else None)
    assert sent[0] == first and connects(sent[1]) and not connects(first)


def test_list_mine_shows_a_live_resource_of_my_team_that_a_teammate_requested(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database teamwork env=staging", user="U0DEV2")
    built = scenario.settled_request()
    assert built.state is RequestState.SUCCEEDED, built.error

    scenario.driver.slash_command("list mine", user="U0REQ")
    scenario.driver.slash_command("list mine", user="U0SEC1")

    mine = scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "Live resources you own"))
    assert "teamwork" in mine and f"built by {built.id}" in mine and "team payments" in mine
    assert "Your requests" in mine  # the requester's own list follows, empty for Riley
    theirs = scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", "Live resources you own"))
    assert "teamwork" not in theirs


@pytest.mark.parametrize("text", ["catalog", "catalog redis-cache"])
def test_the_catalog_shows_each_paths_owner_and_version(scenario: Scenario, text: str) -> None:
    response = scenario.driver.slash_command(text, user="U0REQ")

    shown = json.dumps(response.json["blocks"])
    assert "owned by team-data-platform" in shown
    assert re.search(r"version \S+ \(package platformbot-redis-cache\)", shown), shown
