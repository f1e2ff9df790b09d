"""Who may supersede whose open request on a stack, and what each side is told.

The pure rule (`may_supersede`) on hand-made rows; the rest on the real workflow (SQLite, rulebook,
catalog) over the in-memory runner double.
"""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.store import RequestRow, Store
from bot.workflow import RequestState, Workflow
from bot.workflow.superseding import may_supersede
from intents import Catalog
from rulebook import Actor, Rulebook
from tests.support.fake_runner import FakeRunner
from tests.support.workflow import RecordingNotifier, StaticDirectory, make_workflow

RILEY = Actor(user_id="U_RILEY", team="payments")
PAYMENTS_COLLEAGUE = Actor(user_id="U_PAY2", team="payments")
DANA = Actor(user_id="U_DANA", team="search")


def _row(requester: str, team: str | None) -> RequestRow:
    return RequestRow(requester=requester, requester_team=team, golden_path="g", stack_name="s", intent={})


@pytest.mark.parametrize(
    ("newer", "owner_team", "owner", "admins", "allowed"),
    [
        (_row("U_RILEY", None), None, None, set(), True),  # the same requester
        (_row("U_PAY2", "payments"), None, None, set(), True),  # the older requester's team
        (_row("U_DANA", "search"), "search", None, set(), True),  # the live resource's team
        (_row("U_DANA", None), None, "U_DANA", set(), True),  # the live resource's owner
        (_row("U_ADMIN", None), "payments", None, {"U_ADMIN"}, True),
        (_row("U_DANA", "search"), "payments", "U_RILEY", set(), False),
        (_row("U_DANA", None), None, None, set(), False),
    ],
)
def test_only_an_insider_may_supersede_an_older_request(
    newer: RequestRow, owner_team: str | None, owner: str | None, admins: set[str], allowed: bool
) -> None:
    older = _row("U_RILEY", "payments")
    assert may_supersede(newer, older, owner_team, owner, frozenset(admins)) is allowed


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


def _prod_database(catalog: Catalog, size: str = "small") -> object:
    return catalog.build_intent("postgres-database", {"name": "ledger", "env": "prod", "size": size})


def _events(workflow: Workflow, request_id: str) -> list[str]:
    return [e.event for e in workflow.status(request_id).audit]


def test_an_outsiders_request_leaves_the_owners_open_and_is_told_it_is_not_alone(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = teams_workflow
    rileys = wf.plan(wf.submit(_prod_database(catalog), RILEY, "C").id)  # type: ignore[arg-type]
    assert rileys.state is RequestState.AWAITING_APPROVAL
    danas = wf.plan(wf.submit(_prod_database(catalog, "medium"), DANA, "C").id)  # type: ignore[arg-type]

    assert wf.get(rileys.id).state is RequestState.AWAITING_APPROVAL
    assert notifier.of("cancelled") == []
    ((told, others),) = notifier.of("also_open")
    assert (told.id, others) == (danas.id, (rileys.id,))
    assert "request.also_open" in _events(wf, danas.id)


def test_a_colleagues_request_supersedes_the_older_one_and_its_thread_names_the_newer(
    teams_workflow: Workflow, catalog: Catalog, notifier: RecordingNotifier
) -> None:
    wf = teams_workflow
    rileys = wf.plan(wf.submit(_prod_database(catalog), RILEY, "C").id)  # type: ignore[arg-type]
    colleagues = wf.submit(_prod_database(catalog, "medium"), PAYMENTS_COLLEAGUE, "C")  # type: ignore[arg-type]
    newer = wf.plan(colleagues.id)

    ((ended, actor),) = notifier.of("cancelled")
    assert (ended.id, ended.state, ended.superseded_by, actor) == (
        rileys.id,
        RequestState.CANCELLED,
        newer.id,
        PAYMENTS_COLLEAGUE.user_id,
    )
    assert notifier.of("also_open") == []
