"""Day-2 operations through the real workflow and the real engine (the `service` path on git):
an update is a new apply request on the live intent, a rotation raises its credentials_version,
and `owned_by` lists what a person's teams own that is live."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.errors import NotAllowed, RequestNotFound
from bot.store import Store, repository
from bot.workflow import Request, RequestState, Workflow
from intents import Catalog, IntentError, ProblemCode
from provisioners import Runner
from rulebook import Actor, Rulebook
from tests.support.workflow import DEV, RecordingNotifier, StaticDirectory, service_intent

pytestmark = pytest.mark.engine

TEAMMATE = Actor(user_id="U_PAY2", team="payments")
OUTSIDER = Actor(user_id="U_OUT", team="search")


def built(workflow: Workflow, catalog: Catalog, name: str = "ledger", owners: str = "U123ABC") -> Request:
    request = workflow.submit(service_intent(catalog, name=name, env="dev", owners=owners), DEV, "C")
    done = workflow.plan(request.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    return done


def test_an_update_is_a_new_request_on_the_live_intent_with_the_change(
    workflow: Workflow, catalog: Catalog
) -> None:
    first = built(workflow, catalog)

    update = workflow.update(first.id, [("owners", "U123ABC,U0PAY2")], DEV, "C")

    assert update.id != first.id and update.stack_name == first.stack_name
    assert update.intent.params["owners"] == ("U0PAY2", "U123ABC")
    assert update.intent.params["language"] == "python"
    events = [(e.event, e.detail) for e in workflow.status(update.id).audit]
    assert ("request.update_of", {"of": first.id, "live": first.id, "changed": ["owners"]}) in events
    done = workflow.plan(update.id)
    assert done.state is RequestState.SUCCEEDED, done.error
    assert done.plan is not None and done.plan.counts.get("update", 0) >= 1
    assert done.plan.counts.get("create", 0) == 0 and done.plan.counts.get("delete", 0) == 0


def test_the_rules_saw_the_live_intent_as_previous(
    workflow: Workflow, catalog: Catalog, store: Store
) -> None:
    first = built(workflow, catalog)

    update = workflow.update(first.id, [("owners", "U0PAY2")], DEV, "C")

    with store.read() as session:
        row = repository.get_request(session, update.number)
    assert row is not None and row.resource is not None
    assert row.resource["intent"]["params"]["owners"] == ["U123ABC"]


def test_a_second_update_starts_from_the_first_updates_intent(workflow: Workflow, catalog: Catalog) -> None:
    first = built(workflow, catalog)
    workflow.plan(workflow.update(first.id, [("owners", "U0PAY2")], DEV, "C").id)

    again = workflow.update(first.id, [("language", "go")], DEV, "C")

    assert again.intent.params["owners"] == ("U0PAY2",) and again.intent.params["language"] == "go"
    assert workflow.live_target(first.id).last_request != first.id


def test_an_update_lists_every_problem_and_stores_nothing(workflow: Workflow, catalog: Catalog) -> None:
    first = built(workflow, catalog)

    with pytest.raises(IntentError) as caught:
        workflow.update(first.id, [("name", "other"), ("team", "search"), ("colour", "red")], DEV, "C")

    codes = [(p.code, p.key) for p in caught.value.problems]
    assert (ProblemCode.FIXED_KEY, "name") in codes and (ProblemCode.FIXED_KEY, "team") in codes
    assert (ProblemCode.UNKNOWN_KEY, "colour") in codes
    team = next(p for p in caught.value.problems if p.key == "team")
    assert "/platform transfer" in team.message
    assert [r.id for r in workflow.list_for("U_DEV", "all")] == [first.id]


def test_what_is_not_live_gets_a_clear_answer(workflow: Workflow, catalog: Catalog) -> None:
    with pytest.raises(RequestNotFound, match="There is no request PB-99"):
        workflow.update("PB-99", [("language", "go")], DEV, "C")
    waiting = workflow.submit(service_intent(catalog, name="waiting", env="dev"), DEV, "C")
    with pytest.raises(NotAllowed, match=f"{waiting.id} is still being planned: it has built nothing yet"):
        workflow.rotate(waiting.id, DEV, "C")


def test_a_destroyed_resource_cannot_be_updated(workflow: Workflow, catalog: Catalog) -> None:
    first = built(workflow, catalog)
    destroy = workflow.request_destroy(first.id, DEV)
    planned = workflow.plan(destroy.id)
    for approver in ("U_SEC1", "U_SEC2"):
        workflow.approve(destroy.id, approver, planned.plan_hash or "")
    assert workflow.apply(destroy.id).state is RequestState.SUCCEEDED

    with pytest.raises(NotAllowed, match="not live any more"):
        workflow.update(first.id, [("language", "go")], DEV, "C")
    with pytest.raises(NotAllowed, match="is a destroy request"):
        workflow.rotate(destroy.id, DEV, "C")


def test_a_rotation_raises_the_credentials_version_and_later_requests_keep_it(
    workflow: Workflow, catalog: Catalog
) -> None:
    first = built(workflow, catalog)

    rotation = workflow.rotate(first.id, DEV, "C")

    assert rotation.intent.credentials_version == 1
    assert rotation.intent_text.endswith("owners=U123ABC (rotation 1 of its credentials)")
    assert rotation.intent.params == first.intent.params
    assert workflow.plan(rotation.id).state is RequestState.SUCCEEDED
    plain = workflow.submit(service_intent(catalog, name="ledger", env="dev", owners="U123ABC"), DEV, "C")
    assert plain.intent.credentials_version == 1  # a plain request rotates nothing back


def test_a_path_whose_program_cannot_rotate_is_refused(
    store: Store,
    rulebook: Rulebook,
    catalog: Catalog,
    runner: Runner,
    notifier: RecordingNotifier,
    directory: StaticDirectory,
    clock: ManualClock,
) -> None:
    workflow = Workflow(
        store=store,
        rulebook=rulebook,
        catalog=catalog,
        runner=runner,
        notifier=notifier,
        directory=directory,
        clock=clock,
        rotatable={"postgres-database"},
    )
    first = built(workflow, catalog)

    with pytest.raises(NotAllowed, match="`service` has no generated credentials"):
        workflow.rotate(first.id, DEV, "C")


def test_owned_by_lists_the_teams_live_resources_whoever_asked(workflow: Workflow, catalog: Catalog) -> None:
    mine = built(workflow, catalog, name="ledger")
    theirs = workflow.submit(
        service_intent(catalog, name="search-ui", env="dev", team="search"), OUTSIDER, "C"
    )
    assert workflow.plan(theirs.id).state is RequestState.SUCCEEDED

    owned = workflow.owned_by(TEAMMATE)

    assert [(r.name, r.created_by, r.owner_team) for r in owned] == [("ledger", mine.id, "payments")]
    assert workflow.owned_by(Actor(user_id="U_DEV")) != []  # its owner in person, without a team
    assert workflow.owned_by(Actor(user_id="U_NOBODY")) == []


def test_a_rotation_after_a_transfer_clears_what_the_old_team_still_held(
    workflow: Workflow, catalog: Catalog, store: Store, directory: StaticDirectory
) -> None:
    directory.groups.update({"team:search": {"U_OUT"}, "team:payments": {"U_DEV", "U_PAY2"}})
    first = built(workflow, catalog)
    workflow.transfer(first.id, "search", "U_ADMIN")
    with store.read() as session:
        assert repository.get_resource(session, first.stack_name).credentials_from_team == "payments"  # type: ignore[union-attr]

    rotation = workflow.rotate(first.id, OUTSIDER, "C")

    assert workflow.plan(rotation.id).state is RequestState.SUCCEEDED
    with store.read() as session:
        live = repository.get_resource(session, first.stack_name)
    assert live is not None and live.owner_team == "search" and live.credentials_from_team is None


def test_a_destroy_named_by_an_older_request_shows_what_is_live_now(
    workflow: Workflow, catalog: Catalog
) -> None:
    first = built(workflow, catalog)
    update = workflow.update(first.id, [("owners", "U123ABC,U0PAY2")], DEV, "C")
    assert workflow.plan(update.id).state is RequestState.SUCCEEDED

    destroy = workflow.request_destroy(first.id, DEV, "C")

    # Its text and plan are about the resource as the update left it, not as PB-1 asked for it.
    assert destroy.intent.params["owners"] == ("U0PAY2", "U123ABC")
    assert "U0PAY2" in destroy.intent_text
