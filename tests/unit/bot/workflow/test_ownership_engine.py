"""Ownership through the real workflow and the real Pulumi engine: the takeover users found is gone.

Riley (payments) owns a production database; Dana (search) asks for the same one. Security's
approval alone no longer changes it, the password never reaches Dana, and a payments member's
approval is what it takes.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from bot.store import Store, repository
from bot.workflow import RequestState, Workflow
from intents import Catalog
from provisioners import Runner, RunnerSettings
from rulebook import Actor, Rulebook
from tests.support.postgres import PostgresServer
from tests.support.workflow import RecordingNotifier, StaticDirectory, make_workflow, service_intent

pytestmark = pytest.mark.engine

RILEY = Actor(user_id="U_RILEY", team="payments")
RILEYS_TEAMMATE = "U_PAY2"
DANA = Actor(user_id="U_DANA", team="search")
TEAMS = {"team:payments": {"U_RILEY", RILEYS_TEAMMATE}, "team:search": {"U_DANA"}}


@pytest.fixture
def owned_workflow(
    tmp_path: Path,
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: object,
    postgres_server: PostgresServer,
) -> Workflow:
    with psycopg.connect(postgres_server.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS takeover_prod")
    directory.groups.update(TEAMS)
    settings = RunnerSettings(
        state_dir=tmp_path / "state",
        work_dir=tmp_path / "work",
        passphrase="test-passphrase",
        postgres_admin_dsn=postgres_server.dsn(),
        git_root=tmp_path / "git",
    )
    return make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=Runner(settings),
        notifier=notifier,
        directory=directory,
        clock=clock,
    )


def _approve_all(workflow: Workflow, request_id: str, *approvers: str) -> RequestState:
    for approver in approvers:
        workflow.approve(request_id, approver, workflow.get(request_id).plan_hash or "")
    return workflow.apply(request_id).state


def test_another_teams_database_needs_its_owners_and_its_password_stays_with_them(
    owned_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = owned_workflow
    intent = catalog.build_intent("postgres-database", {"name": "takeover", "env": "prod"})
    rileys = wf.submit(intent, RILEY, "C")
    wf.plan(rileys.id)
    assert _approve_all(wf, rileys.id, "U_SEC1") is RequestState.SUCCEEDED
    ((riley_recipient, _, _),) = notifier.of("deliver_secrets")
    assert riley_recipient == "U_RILEY"

    danas = wf.submit(intent.model_copy(update={"params": {**intent.params, "size": "medium"}}), DANA, "C")
    assert danas.resource is not None and danas.resource.owner_team == "payments"
    assert danas.resource.request_id == rileys.id and danas.resource.owner == "U_RILEY"
    planned = wf.plan(danas.id)
    assert planned.state is RequestState.AWAITING_APPROVAL
    assert planned.required_approvals == {"team:payments": 1, "security": 1}
    # Security alone is not enough, and Dana cannot speak for payments.
    wf.approve(danas.id, "U_SEC1", planned.plan_hash or "")
    refused = wf.approve(danas.id, "U_DANA", planned.plan_hash or "")
    assert not refused.accepted
    assert wf.get(danas.id).state is RequestState.AWAITING_APPROVAL
    # A payments member agrees: the change goes through, the credentials go to the owner, not to Dana.
    assert _approve_all(wf, danas.id, RILEYS_TEAMMATE) is RequestState.SUCCEEDED
    recipients = [args[0] for args in notifier.of("deliver_secrets")]
    assert recipients == ["U_RILEY", "U_RILEY"]
    assert notifier.of("secrets_withheld")[-1][1] == "U_RILEY"
    # The earlier request no longer describes the resource; the owner did not change.
    assert wf.get(rileys.id).superseded_by == danas.id
    assert ("request_updated", rileys.id) in [
        (m, a[0].id) for m, a in notifier.calls if m == "request_updated"
    ]
    with wf.store.read() as session:
        live = repository.get_resource(session, wf.get(danas.id).stack_name)
    assert live is not None and (live.owner_team, live.owner) == ("payments", "U_RILEY")


def test_a_service_is_not_taken_over_by_re_requesting_it_with_new_owners(
    owned_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = owned_workflow
    rileys = wf.submit(service_intent(catalog, name="payments", owners="U0RILEY"), RILEY, "C")
    wf.plan(rileys.id)
    assert _approve_all(wf, rileys.id, "U_SEC1") is RequestState.SUCCEEDED
    nobody = Actor(user_id="U_NOBODY")
    takeover = wf.submit(service_intent(catalog, name="payments", owners="U0NOBODY"), nobody, "C")
    planned = wf.plan(takeover.id)
    assert planned.required_approvals.get("team:payments") == 1
    wf.approve(takeover.id, "U_SEC1", planned.plan_hash or "")
    assert wf.apply(takeover.id).state is RequestState.AWAITING_APPROVAL
    # Nor destroyed on security's approvals alone.
    destroy = wf.request_destroy(rileys.id, nobody)
    planned = wf.plan(destroy.id)
    assert planned.required_approvals == {"team:payments": 1, "security": 2}
    assert _approve_all(wf, destroy.id, "U_SEC1", "U_SEC2") is RequestState.AWAITING_APPROVAL
    # The owners agree: it is destroyed, and every request that built it says so.
    assert _approve_all(wf, destroy.id, RILEYS_TEAMMATE) is RequestState.SUCCEEDED
    assert wf.get(rileys.id).destroyed_by == destroy.id
    with wf.store.read() as session:
        assert repository.get_resource(session, planned.stack_name) is None


def test_a_resource_created_meanwhile_by_another_team_voids_the_approvals(
    owned_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    """Both teams ask for the same new name; the one applied second is decided again, on its owners."""
    wf = owned_workflow
    rileys = wf.submit(service_intent(catalog, name="shared", owners="U0RILEY"), RILEY, "C")
    danas = wf.submit(service_intent(catalog, name="shared", owners="U0DANA", team="search"), DANA, "C")
    for request in (rileys, danas):
        planned = wf.plan(request.id)
        assert planned.required_approvals == {"security": 1}
        wf.approve(request.id, "U_SEC1", planned.plan_hash or "")
    assert wf.apply(rileys.id).state is RequestState.SUCCEEDED
    again = wf.apply(danas.id)
    assert again.state is RequestState.AWAITING_APPROVAL
    assert again.required_approvals == {"team:payments": 1, "security": 1}
    assert "approvals_voided" in notifier.names(danas.id)
    with wf.store.read() as session:
        live = repository.get_resource(session, again.stack_name)
    assert live is not None and live.owner_team == "payments"


def test_a_service_declared_for_another_team_needs_that_team_and_belongs_to_it(
    owned_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    """CODEOWNERS names the team the service declares; so does the ownership record."""
    wf = owned_workflow
    intent = service_intent(catalog, name="ledger", env="dev", owners="U0DANA", team="payments")
    danas = wf.submit(intent, DANA, "C")
    planned = wf.plan(danas.id)
    assert planned.state is RequestState.AWAITING_APPROVAL
    assert planned.required_approvals == {"team:payments": 1}
    assert "new-resource-for-another-team-needs-that-team" in planned.decision.rule_ids
    assert not wf.approve(danas.id, "U_DANA", planned.plan_hash or "").accepted
    assert _approve_all(wf, danas.id, RILEYS_TEAMMATE) is RequestState.SUCCEEDED
    with wf.store.read() as session:
        live = repository.get_resource(session, planned.stack_name)
    # Payments owns it; Dana, outside payments, is not its owner.
    assert live is not None and (live.owner_team, live.owner) == ("payments", None)
    # A payments member changes it as the rules say (dev: self-service).
    rileys = wf.submit(service_intent(catalog, name="ledger", env="dev", owners="U0RILEY"), RILEY, "C")
    assert wf.plan(rileys.id).state is RequestState.SUCCEEDED
    # A service for one's own team needs nobody's approval in dev.
    own = wf.submit(service_intent(catalog, name="search-ui", env="dev", team="search"), DANA, "C")
    assert wf.plan(own.id).state is RequestState.SUCCEEDED


def test_an_admin_transfers_a_resource_and_it_is_audited(owned_workflow: Workflow, catalog: Catalog) -> None:
    wf = owned_workflow
    rileys = wf.submit(service_intent(catalog, name="handover", env="dev", owners="U0RILEY"), RILEY, "C")
    assert wf.plan(rileys.id).state is RequestState.SUCCEEDED
    with pytest.raises(Exception, match="Only a platform admin"):
        wf.transfer(rileys.id, "search", "U_RILEY")
    with pytest.raises(Exception, match="no team `nope`"):
        wf.transfer(rileys.id, "nope", "U_ADMIN")
    outcome = wf.transfer(rileys.id, "search", "U_ADMIN")
    assert outcome.changed and "now belongs to search" in outcome.message
    assert not wf.transfer(rileys.id, "search", "U_ADMIN").changed
    [event] = [e for e in wf.status(rileys.id).audit if e.event == "resource.transferred"]
    assert event.actor == "U_ADMIN"
    assert event.detail["from_team"] == "payments" and event.detail["to_team"] == "search"
    # Now Dana's team owns it: Dana changes it as the rules say, Riley needs search's approval.
    danas = wf.submit(service_intent(catalog, name="handover", env="dev", owners="U0DANA"), DANA, "C")
    assert wf.plan(danas.id).state is RequestState.SUCCEEDED
    rileys_again = wf.submit(service_intent(catalog, name="handover", env="dev"), RILEY, "C")
    assert wf.plan(rileys_again.id).required_approvals == {"team:search": 1}
