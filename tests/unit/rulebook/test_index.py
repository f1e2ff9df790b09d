from __future__ import annotations

from collections.abc import Callable

from rulebook import Rulebook, Verdict
from rulebook.explain import explain
from rulebook.index import Guarded, RuleIndex, guards
from tests.unit.rulebook.conftest import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text, service

Build = Callable[..., Rulebook]


def test_equality_clauses_on_path_env_and_action_are_guards() -> None:
    found = guards("intent.env == 'prod' && (intent.path == \"service\") && 'destroy' == action && x > 1")
    assert found == {"intent.env": {"prod"}, "intent.path": {"service"}, "action": {"destroy"}}


def test_in_a_literal_list_is_a_guard_and_guards_on_one_fact_intersect() -> None:
    assert guards('intent.env in ["staging", "prod",] && intent.env == "prod"') == {"intent.env": {"prod"}}
    assert guards("intent.env in []") == {"intent.env": frozenset()}


def test_anything_else_is_no_guard() -> None:
    for condition in (
        "intent.env == 'prod' || action == 'destroy'",
        "intent.env != 'prod'",
        "intent.name == 'x'",
        "!(intent.env == 'prod' && action == 'apply')",
        'action == "de\\"stroy"',
        "intent.env == vars.production",
    ):
        assert guards(condition) == {}, condition


def test_candidates_keep_rulebook_order_and_are_memoised() -> None:
    index = RuleIndex(
        [
            Guarded("any", {}),
            Guarded("prod", {"intent.env": frozenset({"prod"})}),
            Guarded("prod-destroy", {"intent.env": frozenset({"prod"}), "action": frozenset({"destroy"})}),
        ]
    )
    assert index.candidates(("pg", "prod", "destroy")) == ("any", "prod", "prod-destroy")
    assert index.candidates(("pg", "dev", "destroy")) == ("any",)
    assert index.candidates(("pg", "prod", "destroy")) is index.candidates(("pg", "prod", "destroy"))


def test_the_memo_is_bounded() -> None:
    index = RuleIndex([Guarded("any", {})])
    index.MAX_ENTRIES = 2
    for env in ("a", "b", "c"):
        index.candidates(("p", env, "apply"))
    assert len(index._memo) == 1


def test_a_skipped_rule_decides_exactly_as_cel_would(book_from: Build) -> None:
    # The second clause errors on a postgres intent; CEL's `false && error` is false, and the index
    # skipping the rule must give the same answer: no match, no failure.
    book = book_from(rulebook_text(rule("intent.path == 'service' && intent.params.team == 'x'")))
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10).verdict is Verdict.ALLOW
    decision = book.evaluate(service(team="x"), REQUESTER, TUESDAY_10)
    assert decision.rule_ids == ("r",)
    trace = explain(book, postgres(), REQUESTER, TUESDAY_10).rules[0]
    assert trace.outcome == "not_matched"


def test_a_guarded_rule_that_is_a_candidate_still_fails_closed(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("intent.path == 'postgres-database' && intent.params.team == 'x'")))
    decision = book.evaluate(postgres(), REQUESTER, TUESDAY_10)
    assert [f.rule_id for f in decision.failures] == ["r"]
