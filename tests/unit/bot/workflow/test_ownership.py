"""Ownership rules as pure functions: who the owners' approval group is, who may get secrets."""

from __future__ import annotations

from bot.workflow import ownership
from rulebook import OWNING_TEAM, ApprovalNeed, ResourceFacts

PAYMENTS_DB = ResourceFacts(exists=True, owner_team="payments", owner="U_RILEY", request_id="PB-3")
TEAMLESS = ResourceFacts(exists=True, owner="U_SOLO", request_id="PB-4")
PAYMENTS = frozenset({"U_RILEY", "U_PAY2"})


def test_owning_team_resolves_to_the_team_or_the_teamless_owner() -> None:
    needs = [ApprovalNeed(group=OWNING_TEAM, count=1), ApprovalNeed(group="security", count=2)]
    assert ownership.required_approvals(needs, PAYMENTS_DB) == {"team:payments": 1, "security": 2}
    assert ownership.required_approvals(needs, TEAMLESS) == {"owner:U_SOLO": 1, "security": 2}


def test_owning_team_on_a_new_resource_stays_unresolved_so_nobody_can_approve() -> None:
    needs = [ApprovalNeed(group=OWNING_TEAM, count=1)]
    assert ownership.required_approvals(needs, ResourceFacts()) == {OWNING_TEAM: 1}


def test_secrets_of_a_new_resource_or_an_own_one_go_to_the_requester() -> None:
    assert ownership.secret_recipient("U_DANA", ResourceFacts(), frozenset()) == "U_DANA"
    assert ownership.secret_recipient("U_PAY2", PAYMENTS_DB, PAYMENTS) == "U_PAY2"
    assert ownership.secret_recipient("U_SOLO", TEAMLESS, frozenset({"U_SOLO"})) == "U_SOLO"


def test_secrets_of_another_teams_resource_go_to_its_owner_never_to_the_requester() -> None:
    assert ownership.secret_recipient("U_DANA", PAYMENTS_DB, PAYMENTS) == "U_RILEY"
    assert ownership.secret_recipient("U_DANA", TEAMLESS, frozenset({"U_SOLO"})) == "U_SOLO"


def test_secrets_go_to_nobody_when_the_owner_left_the_team() -> None:
    assert ownership.secret_recipient("U_DANA", PAYMENTS_DB, frozenset({"U_PAY2"})) is None
    ownerless = PAYMENTS_DB.model_copy(update={"owner": None})
    assert ownership.secret_recipient("U_DANA", ownerless, PAYMENTS) is None


def test_the_facts_a_request_keeps_round_trip() -> None:
    assert ownership.loaded(ownership.stored(PAYMENTS_DB)) == PAYMENTS_DB
    assert ownership.stored(ResourceFacts()) is None
    assert ownership.loaded(None) == ResourceFacts()
