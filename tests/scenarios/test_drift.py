"""Drift check-ins on the real engine: a hand-made change to a real resource (a role's connection
limit on the real PostgreSQL, a commit to CODEOWNERS in a real git repository) becomes a thread
message whose buttons are clicked through the Slack driver. The scheduler runs the drift job at
slots the ManualClock reaches; nothing sleeps for a schedule."""

from __future__ import annotations

import html
import subprocess
from pathlib import Path

import psycopg
import pytest

from bot.devtools.slack_emulator import Message
from bot.schedules import JobRun
from bot.workflow import Request, RequestState
from intents import Intent
from provisioners import Runner
from tests.support.postgres import PostgresServer
from tests.support.scenario import Scenario

pytestmark = [pytest.mark.engine, pytest.mark.postgres]


def admin(server: PostgresServer, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


def connection_limit(server: PostgresServer, role: str) -> object:
    return admin(server, f"SELECT rolconnlimit FROM pg_roles WHERE rolname = '{role}'")[0][0]


def next_drift_slot(scenario: Scenario) -> JobRun:
    """Move the clock to the drift job's next slot and run what is due for it there."""
    slot = scenario.bot.schedules.next_run("drift") if scenario.bot.schedules else None
    assert slot is not None
    scenario.clock.set(slot)
    (run,) = scenario.bot.schedules.run_due(slot, only="drift")  # type: ignore[union-attr]
    assert run.outcome == "succeeded"
    return run


def shown(message: Message) -> str:
    """What Slack displays: its mrkdwn entities (`=&gt;` in a diff) decoded."""
    return html.unescape(message.all_text)


def drift_messages(scenario: Scenario, request_id: str) -> list[Message]:
    return [
        m for m in scenario.thread_of(request_id) if m.find_element("drift_accept") or "Drift on" in m.text
    ]


def ephemeral_with(scenario: Scenario, user: str, phrase: str) -> str:
    def found() -> str | None:
        texts = [html.unescape(e.all_text) for e in scenario.slack.ephemerals(user)]
        return next((t for t in reversed(texts) if phrase in t), None)

    return scenario.wait_for(found, timeout=60)


def applied(scenario: Scenario, text: str, count: int) -> Request:
    scenario.driver.slash_command(text, user="U0REQ")
    request = scenario.settled_request(count)
    if request.state is RequestState.AWAITING_APPROVAL:
        scenario.driver.click(scenario.approval_message(request.id), "approve", user="U0SEC1")
        request = scenario.wait_state(request.id, RequestState.SUCCEEDED, RequestState.FAILED)
        scenario.settle()
    assert request.state is RequestState.SUCCEEDED, request.error
    return request


def test_a_hand_set_connection_limit_is_posted_once_explained_on_accept_and_accepted_once_it_is_a_size(
    scenario: Scenario, postgres_server: PostgresServer
) -> None:
    request = applied(scenario, "request postgres-database driftstg env=staging size=small", 1)
    role = "driftstg_staging_owner"
    next_drift_slot(scenario)
    assert drift_messages(scenario, request.id) == []  # nothing changed yet: nothing posted

    admin(postgres_server, f"ALTER ROLE {role} CONNECTION LIMIT 37")
    next_drift_slot(scenario)
    (posted,) = drift_messages(scenario, request.id)
    assert "connection_limit: 10 => 37" in shown(posted)
    assert all(posted.find_element(a) for a in ("drift_reconcile", "drift_accept", "drift_snooze"))
    owner_dm = "\n".join(shown(m) for m in scenario.slack.dms("U0REQ"))
    assert "Drift on" in owner_dm and "connection_limit: 10 => 37" in owner_dm

    # The same drift is reported once, also when someone asks for a check by hand.
    scenario.driver.slash_command(f"drift {request.id}", user="U0REQ")
    summary = ephemeral_with(scenario, "U0REQ", "stack checked")
    assert "1 stack checked, 1 drifting" in summary
    next_drift_slot(scenario)
    assert len(drift_messages(scenario, request.id)) == 1

    # Another user may not act on it; the owner's Accept is refused with the reason.
    scenario.driver.click(posted, "drift_accept", user="U0DEV2")
    assert "Only <@U0REQ>" in ephemeral_with(scenario, "U0DEV2", "Only")
    scenario.driver.click(posted, "drift_accept", user="U0REQ")
    refusal = ephemeral_with(scenario, "U0REQ", "cannot be accepted")
    assert "set to 37 by hand" in refusal and "maps to no size" in refusal
    scenario.wait_thread(request.id, "cannot be accepted")

    # A limit that is what a size sets can become the desired state: a new request, size=medium.
    admin(postgres_server, f"ALTER ROLE {role} CONNECTION LIMIT 50")
    next_drift_slot(scenario)
    newest = drift_messages(scenario, request.id)[-1]
    assert "connection_limit: 10 => 50" in shown(newest)
    scenario.driver.click(newest, "drift_accept", user="U0REQ")
    assert "size: small -> medium" in ephemeral_with(scenario, "U0REQ", "Accept opened")
    follow_up = scenario.wait_state(
        scenario.latest_request_id(2), RequestState.SUCCEEDED, RequestState.FAILED
    )
    scenario.settle()
    assert follow_up.state is RequestState.SUCCEEDED, follow_up.error
    assert follow_up.intent.params["size"] == "medium"
    assert connection_limit(postgres_server, role) == 50

    next_drift_slot(scenario)
    scenario.wait_thread(request.id, "is gone")
    assert scenario.bot.drift is not None
    finding = scenario.bot.drift.findings.get(1)
    assert (finding.state, finding.follow_up_request_id) == ("accepted", follow_up.id)
    events = [e.event for e in scenario.bot.drift.findings.timeline(finding.id)]
    assert events[0] == "detected" and events[-1] == "closed"
    assert {"accept_refused", "changed", "accept_requested", "follow_up_opened"} <= set(events)
    buttons_left = [m for m in drift_messages(scenario, request.id) if m.find_element("drift_accept")]
    assert len(buttons_left) == 1  # the first post; the accepted one was updated without buttons


def test_reconcile_opens_a_request_that_needs_security_approval_again_in_prod(
    scenario: Scenario, postgres_server: PostgresServer
) -> None:
    request = applied(scenario, "request postgres-database driftprod env=prod size=small", 1)
    admin(postgres_server, "ALTER ROLE driftprod_prod_owner CONNECTION LIMIT 37")
    next_drift_slot(scenario)
    (posted,) = drift_messages(scenario, request.id)

    scenario.driver.click(posted, "drift_reconcile", user="U0REQ")
    scenario.driver.click(posted, "drift_reconcile", user="U0REQ")  # a double click opens one request
    ephemeral_with(scenario, "U0REQ", "already dealing with this drift")
    reconcile = scenario.wait_state(scenario.latest_request_id(2), RequestState.AWAITING_APPROVAL)
    scenario.settle()
    assert reconcile.intent == request.intent and reconcile.required_approvals == {"security": 1}
    assert len(scenario.bot.workflow.list_for("U0REQ", "all", limit=10)) == 2
    updated = next(m for m in drift_messages(scenario, request.id) if m.ts == posted.ts)
    assert updated.find_element("drift_reconcile") is None and f"{reconcile.id}" in shown(updated)

    scenario.driver.click(scenario.approval_message(reconcile.id), "approve", user="U0SEC1")
    done = scenario.wait_state(reconcile.id, RequestState.SUCCEEDED, RequestState.FAILED)
    scenario.settle()
    assert done.state is RequestState.SUCCEEDED, done.error
    # The apply refreshed first, so it put the hand-set limit back; the next check closes the finding.
    assert connection_limit(postgres_server, "driftprod_prod_owner") == 10
    assert done.plan is not None and "connection_limit" in done.plan.render_text()
    next_drift_slot(scenario)
    scenario.wait_thread(request.id, "is gone")
    assert scenario.bot.drift is not None
    assert scenario.bot.drift.findings.get(1).state == "resolved"


def test_reapplying_the_desired_state_puts_a_hand_set_connection_limit_back(
    scenario: Scenario, postgres_server: PostgresServer
) -> None:
    runner: Runner = scenario.bot.runner
    intent = Intent(path="postgres-database", name="driftfix", env="dev", params={"size": "small"})
    runner.up(intent)
    admin(postgres_server, "ALTER ROLE driftfix_dev_owner CONNECTION LIMIT 37")
    runner.up(intent)
    assert connection_limit(postgres_server, "driftfix_dev_owner") == 10


def test_new_owners_committed_to_codeowners_are_accepted_and_a_lost_stack_is_reported_once(
    scenario: Scenario,
) -> None:
    request = applied(scenario, "request service name=driftsvc team=payments language=python owners=U0REQ", 1)
    repo = scenario.data_dir / "repos" / "driftsvc"
    codeowners = repo / "CODEOWNERS"
    codeowners.write_text(
        codeowners.read_text().replace("# Slack owners: U0REQ", "# Slack owners: U0REQ U0DEV2")
    )
    git(repo, "commit", "-qam", "Add Dana as an owner")
    commits = git(repo, "rev-list", "--count", "HEAD")

    next_drift_slot(scenario)
    (posted,) = drift_messages(scenario, request.id)
    assert "CODEOWNERS" in shown(posted) and "U0DEV2" in shown(posted)
    scenario.driver.click(posted, "drift_accept", user="U0REQ")
    assert "owners: U0REQ -> U0DEV2,U0REQ" in ephemeral_with(scenario, "U0REQ", "Accept opened")
    follow_up = scenario.wait_state(
        scenario.latest_request_id(2), RequestState.SUCCEEDED, RequestState.FAILED
    )
    scenario.settle()
    assert follow_up.state is RequestState.SUCCEEDED, follow_up.error
    assert follow_up.intent.params["owners"] == ("U0DEV2", "U0REQ")
    # The catalog keeps owners sorted: platformbot's one commit only puts the line in that order.
    assert int(git(repo, "rev-list", "--count", "HEAD")) == int(commits) + 1
    assert "# Slack owners: U0DEV2 U0REQ\n" in codeowners.read_text()

    next_drift_slot(scenario)
    scenario.wait_thread(request.id, "is gone")

    # The stack's state is lost: every check fails, and the platform channel hears it once.
    for state_file in (scenario.data_dir / "pulumi-state").rglob("service.driftsvc.dev.json*"):
        state_file.unlink()
    next_drift_slot(scenario)
    next_drift_slot(scenario)
    alerts = [m for m in scenario.slack.messages("C0PLATFORM") if "Drift checks are failing" in shown(m)]
    assert len(alerts) == 1 and "service.driftsvc.dev" in shown(alerts[0])
    assert "Traceback" not in shown(alerts[0])


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Dana", "-c", "user.email=dana@example.com", "-c", "commit.gpgsign=false"]
    done = subprocess.run(
        ["git", *identity, "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
