"""After the first request: destroy through the same path, status and lists, and the App Home tab."""

from __future__ import annotations

from bot.workflow import RequestState
from tests.support.scenario import Scenario, both_transports


def test_destroy_goes_through_rules_and_plan_and_removes_what_was_built(scenario: Scenario) -> None:
    scenario.driver.slash_command("request service name=shortlived team=payments language=go owners=U0REQ")
    built = scenario.settled_request()
    assert built.state is RequestState.SUCCEEDED, built.error
    repo = scenario.data_dir / "repos" / "shortlived"
    assert repo.exists()

    scenario.driver.slash_command(f"destroy {built.id}", user="U0REQ")

    destroy = scenario.settled_request(2)
    assert destroy.action == "destroy" and destroy.target_request_id == built.id
    # A development service is self-service to remove: its repository's loss is a warning, and
    # its files are not stateful resources at all (they used to ask security, once per file).
    destroy = scenario.wait_state(destroy.id, RequestState.SUCCEEDED, RequestState.FAILED)
    assert destroy.decision.rule_ids == ("stateful-delete-in-dev-warns",)
    assert destroy.decision.matches[0].message.count("GitRepository") == 1
    assert destroy.state is RequestState.SUCCEEDED, destroy.error
    assert not repo.exists()
    assert destroy.plan is not None and destroy.plan.counts.get("delete", 0) > 0
    assert scenario.bot.workflow.get(built.id).destroyed_at is not None
    thread = scenario.wait_thread(destroy.id, "succeeded")
    assert "to delete" in thread


def test_status_and_list_answer_privately(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database listed env=prod")
    request = scenario.settled_request()

    scenario.driver.slash_command(f"status {request.id.lower()}")
    scenario.driver.slash_command("status PB-999")
    scenario.driver.slash_command("list mine")
    scenario.driver.slash_command("list pending", user="U0SEC1")

    # Status and lists answer through the response_url after the ack: the reader's time zone
    # (users.info) and, for pending, the approver groups' members come from Slack.
    status = scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "awaiting approval"))
    assert request.id in status and "UTC" in status  # U0REQ's Slack time zone
    assert scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "no request PB-999"))
    mine = scenario.wait_for(lambda: scenario.ephemeral_containing("U0REQ", "Your requests"))
    pending = scenario.wait_for(lambda: scenario.ephemeral_containing("U0SEC1", "Waiting for your approval"))
    assert request.id in mine and request.id in pending


def test_app_home_shows_my_requests_and_the_approvals_waiting_for_me(scenario: Scenario) -> None:
    scenario.driver.slash_command("request postgres-database homed env=prod")
    request = scenario.settled_request()

    scenario.driver.app_home_opened(user="U0SEC1")
    scenario.driver.app_home_opened(user="U0REQ")

    approver_home = scenario.wait_for(lambda: scenario.slack.home("U0SEC1"))
    requester_home = scenario.wait_for(lambda: scenario.slack.home("U0REQ"))
    assert request.id in approver_home.all_text and "Approvals waiting for you" in approver_home.all_text
    assert request.id in requester_home.all_text


@both_transports
def test_help_catalog_and_rulebook_answer_without_storing_anything(scenario: Scenario) -> None:
    help_ = scenario.driver.slash_command("help")
    catalog = scenario.driver.slash_command("catalog postgres")
    rules = scenario.driver.slash_command("rulebook prod-needs-security-approval")

    assert "/platform request" in help_.text
    assert "extensions" in catalog.text and "pgcrypto" in catalog.text
    assert "intent.env" in rules.text
    assert scenario.bot.workflow.list_for("U0REQ", "all") == []
