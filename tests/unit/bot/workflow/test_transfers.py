"""An admin's transfer, told to the people it concerns; credentials that outlive it, said so; and a
re-decision after a transfer opens a new approval round (the voided round's messages tell apart).

The real workflow (SQLite, rulebook, catalog) over the in-memory runner double.
"""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.store import Store, repository
from bot.workflow import RequestState, Workflow
from bot.workflow.model import Transfer
from intents import Catalog
from rulebook import Actor, Rulebook
from tests.support.fake_runner import FakeRunner
from tests.support.workflow import RecordingNotifier, StaticDirectory, make_workflow

RILEY = Actor(user_id="U_RILEY", team="payments")
DANA = Actor(user_id="U_DANA", team="search")


@pytest.fixture
def teams_workflow(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
) -> Workflow:
    directory.groups.update({"team:payments": {"U_RILEY", "U_PAY2"}, "team:search": {"U_DANA"}})
    return make_workflow(
        store,
        rulebook=rulebook,
        catalog=catalog,
        runner=FakeRunner(),
        notifier=notifier,
        directory=directory,
        clock=clock,
    )


def _database(catalog: Catalog, size: str = "small") -> object:
    return catalog.build_intent("postgres-database", {"name": "ledger", "env": "dev", "size": size})


def test_a_transfer_is_told_in_the_thread_and_the_next_credentials_say_whose_they_were(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = teams_workflow
    rileys = wf.submit(_database(catalog), RILEY, "C")  # type: ignore[arg-type]
    assert wf.plan(rileys.id).state is RequestState.SUCCEEDED
    assert notifier.of("inherited_secrets") == []

    wf.transfer(rileys.id, "search", "U_ADMIN")
    ((request, transfer),) = notifier.of("resource_transferred")
    assert request.id == rileys.id
    assert transfer == Transfer(
        stack_name=rileys.stack_name,
        actor="U_ADMIN",
        from_team="payments",
        from_owner="U_RILEY",
        to_team="search",
        to_owner=None,
        previous_owners=("U_PAY2", "U_RILEY"),
    )
    with wf.store.read() as session:
        live = repository.get_resource(session, rileys.stack_name)
    assert live is not None and live.credentials_from_team == "payments"

    # Search's next apply hands out credentials payments may still hold: the recipient is told.
    danas = wf.submit(_database(catalog, "medium"), DANA, "C")  # type: ignore[arg-type]
    assert wf.plan(danas.id).state is RequestState.SUCCEEDED
    assert [args[0] for args in notifier.of("deliver_secrets")] == ["U_RILEY", "U_DANA"]
    ((request, recipient, keys, from_team),) = notifier.of("inherited_secrets")
    assert (request.id, recipient, keys, from_team) == (danas.id, "U_DANA", ("dsn",), "payments")

    # Handed back to the team they were issued to: nobody else holds them any more.
    wf.transfer(rileys.id, "payments", "U_ADMIN")
    with wf.store.read() as session:
        live = repository.get_resource(session, rileys.stack_name)
    assert live is not None and live.credentials_from_team is None


def test_a_re_decision_that_needs_no_approvals_still_opens_a_new_round(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    """Dana's change of payments' database was approved by payments; before it is applied, an admin
    hands the database to search. The request is decided again (no approvals needed now): the
    approvals of the old round are voided, and that round is no longer the current one."""
    wf = teams_workflow
    rileys = wf.submit(_database(catalog), RILEY, "C")  # type: ignore[arg-type]
    wf.plan(rileys.id)
    danas = wf.submit(_database(catalog, "medium"), DANA, "C")  # type: ignore[arg-type]
    planned = wf.plan(danas.id)
    assert planned.required_approvals == {"team:payments": 1}
    assert wf.approve(danas.id, "U_PAY2", planned.plan_hash or "").complete
    first_round = wf.get(danas.id).approval_round

    wf.transfer(rileys.id, "search", "U_ADMIN")
    assert wf.apply(danas.id).state is RequestState.SUCCEEDED
    ((voided, _change),) = [a for a in notifier.of("approvals_voided") if a[0].id == danas.id]
    assert voided.state is RequestState.APPROVED and voided.required_approvals == {}
    assert voided.approval_round == first_round + 1
    assert wf.status(danas.id).approvals == ()


def test_a_request_waiting_on_a_resource_another_request_just_created_is_decided_again_at_once(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    """Riley and Dana both ask for the same new production database; Riley's is built first. Dana's
    no longer says it creates a new one: it is decided again when Riley's apply ends, and payments,
    the owners now, are asked with security; security's click on the old ask no longer counts."""
    wf = teams_workflow
    prod = catalog.build_intent("postgres-database", {"name": "racebase", "env": "prod"})
    rileys = wf.submit(prod, RILEY, "C")
    danas = wf.submit(prod, DANA, "C")
    assert wf.plan(rileys.id).state is RequestState.AWAITING_APPROVAL
    planned = wf.plan(danas.id)
    assert planned.resource is None and planned.state is RequestState.AWAITING_APPROVAL
    wf.approve(rileys.id, "U_SEC1", wf.get(rileys.id).plan_hash or "")

    assert wf.apply(rileys.id).state is RequestState.SUCCEEDED

    again = wf.get(danas.id)
    assert again.resource is not None and again.resource.owner_team == "payments"
    assert "team:payments" in again.required_approvals
    assert again.approval_round == planned.approval_round + 1
    assert [a[0].id for a in notifier.of("approvals_voided")] == [danas.id]
    assert not wf.approve(danas.id, "U_SEC1", planned.plan_hash or "").accepted


def test_the_last_approval_on_a_resource_that_changed_unseen_is_not_announced_as_applying(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    """The owners changed without the waiting request being decided again (here written straight
    to the store, as when its stack was busy): the approval that completes it is not told as
    "approved, applying"; the apply step voids it at once and asks the owners of now."""
    wf = teams_workflow
    rileys = wf.submit(_database(catalog), RILEY, "C")  # type: ignore[arg-type]
    wf.plan(rileys.id)
    danas = wf.submit(_database(catalog, "medium"), DANA, "C")  # type: ignore[arg-type]
    planned = wf.plan(danas.id)
    with wf.store.write() as session:
        repository.transfer_resource(
            session, planned.stack_name, "search", None, wf.clock.now(), credentials_from_team="payments"
        )

    assert wf.approve(danas.id, "U_PAY2", planned.plan_hash or "").complete
    assert [a for a in notifier.of("approval_recorded") if a[0].id == danas.id] == []

    assert wf.apply(danas.id).state is RequestState.SUCCEEDED  # search's own now: nobody to ask
    assert [a[0].id for a in notifier.of("approvals_voided")] == [danas.id]


def test_a_transfer_decides_the_requests_waiting_on_the_resource_again_and_asks_the_new_owners(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier, directory: StaticDirectory
) -> None:
    """Dana's change waits for payments when an admin hands the database to platform: it is decided
    again at once, and platform is asked; payments' click on the stale ask no longer counts. Handed
    to Dana's own team, it needs nobody and is applied."""
    directory.groups["team:platform"] = {"U_OLIVE"}
    wf = teams_workflow
    rileys = wf.submit(_database(catalog), RILEY, "C")  # type: ignore[arg-type]
    wf.plan(rileys.id)
    danas = wf.submit(_database(catalog, "medium"), DANA, "C")  # type: ignore[arg-type]
    planned = wf.plan(danas.id)
    assert planned.required_approvals == {"team:payments": 1}

    wf.transfer(rileys.id, "platform", "U_ADMIN")

    again = wf.get(danas.id)
    assert again.state is RequestState.AWAITING_APPROVAL
    assert again.required_approvals == {"team:platform": 1}
    assert again.approval_round == planned.approval_round + 1
    assert again.resource is not None and again.resource.owner_team == "platform"
    asked = [(r.id, group) for r, group, _count in notifier.of("approval_requested")]
    assert asked[-1] == (danas.id, "team:platform")
    assert [a[0].id for a in notifier.of("approvals_voided")] == [danas.id]
    assert not wf.approve(danas.id, "U_PAY2", planned.plan_hash or "").accepted

    wf.transfer(rileys.id, "search", "U_ADMIN")
    assert wf.get(danas.id).state is RequestState.SUCCEEDED
