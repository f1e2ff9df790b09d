"""Ownership facts in the rule context: `resource`, the `owning-team` group and `counted()`."""

from __future__ import annotations

from collections.abc import Callable

from rulebook import OWNING_TEAM, Actor, ChangeFacts, PlanFacts, ResourceFacts, Rulebook, Verdict
from rulebook.engine import counted
from tests.support.rules import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text

Build = Callable[..., Rulebook]
PAYMENTS_DB = ResourceFacts(exists=True, owner_team="payments", owner="U0REQ", request_id="PB-3")


def test_a_new_resource_is_the_default_and_does_not_exist(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("resource.exists || resource.owner_team != null")))
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10).verdict is Verdict.ALLOW


def test_rules_see_who_owns_the_resource(book_from: Build) -> None:
    text = rulebook_text(
        rule(
            'resource.exists && resource.owner_team == "payments" && resource.request_id == "PB-3"',
            message="owned by {{ resource.owner_team }} ({{ resource.owner }})",
        )
    )
    decision = book_from(text).evaluate(postgres(), REQUESTER, TUESDAY_10, resource=PAYMENTS_DB)
    assert decision.verdict is Verdict.DENY
    assert decision.matches[0].message == "owned by payments (U0REQ)"


def test_the_owning_team_group_needs_no_entry_in_the_config(book_from: Build) -> None:
    approval = f"  approval: {{group: {OWNING_TEAM}, count: 1}}\n"
    text = rulebook_text(rule("resource.exists", effect="require_approval", extra=approval))
    book = book_from(text, known_groups={"security"})
    decision = book.evaluate(postgres(), REQUESTER, TUESDAY_10, resource=PAYMENTS_DB)
    assert {need.group: need.count for need in decision.approvals} == {OWNING_TEAM: 1}


def test_default_rules_route_another_teams_change_to_the_owners(default_book: Rulebook) -> None:
    dana = Actor(user_id="U0DEV2", team="search")
    decision = default_book.evaluate(postgres(env="prod"), dana, TUESDAY_10, resource=PAYMENTS_DB)
    assert {need.group: need.count for need in decision.approvals} == {OWNING_TEAM: 1, "security": 1}
    own = default_book.evaluate(postgres(env="prod"), REQUESTER, TUESDAY_10, resource=PAYMENTS_DB)
    assert {need.group: need.count for need in own.approvals} == {"security": 1}


def test_counted_lists_each_item_once_with_its_count() -> None:
    assert counted(["delete A", "delete A", "update B", "delete A"]) == "3 × delete A, update B"
    assert counted([]) == ""


def test_a_stateful_delete_reason_names_each_kind_of_resource_once(default_book: Rulebook) -> None:
    changes = tuple(
        ChangeFacts(urn=f"urn:{i}", type="platformbot:Database", op="delete", stateful=True) for i in range(3)
    )
    decision = default_book.evaluate(
        postgres(), REQUESTER, TUESDAY_10, action="destroy", plan=PlanFacts(changes=changes)
    )
    [match] = [m for m in decision.matches if m.rule_id == "stateful-delete-or-replace-needs-security"]
    assert "3 × delete platformbot:Database" in match.message
    assert match.message.count("platformbot:Database") == 1
