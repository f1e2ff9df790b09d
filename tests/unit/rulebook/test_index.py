from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from intents.intent import Intent
from rulebook import (
    Action,
    Decision,
    PlanFacts,
    Rulebook,
    Stage,
    Verdict,
)
from rulebook.algebra import decide
from rulebook.book import run_rule
from rulebook.context import build_context
from rulebook.explain import explain
from rulebook.index import Guarded, RuleIndex, guards
from rulebook.models import RuleFailure, RuleMatch
from tests.support.rules import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text, service

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


def _unindexed(book: Rulebook, intent: Intent, action: Action, plan: PlanFacts | None) -> Decision:
    """The decision with every rule of the stage run through CEL, as if there were no index."""
    context = book.context(intent, REQUESTER, TUESDAY_10, action=action, plan=plan)
    facts = {**build_context(intent, REQUESTER, TUESDAY_10, zone=book.zone, zone_name=book.timezone,
                             action=action, plan=plan), "vars": book.variables}  # fmt: skip
    rules = [c for c in book.compiled if plan is not None or c.rule.stage is Stage.INTENT]
    outcomes = [run_rule(c, context, facts) for c in rules]
    matches = [o for o in outcomes if isinstance(o, RuleMatch)]
    failures = [o for o in outcomes if isinstance(o, RuleFailure)]
    stage = Stage.INTENT if plan is None else Stage.PLAN
    return decide(matches, failures, stage=stage, rulebook_version=book.version)


_intents = st.builds(
    Intent,
    path=st.sampled_from(["postgres-database", "service", "other"]),
    name=st.sampled_from(["billing", "x", "Bad_Name", "checkout-api"]),
    env=st.sampled_from(["dev", "staging", "prod", "qa"]),
    params=st.fixed_dictionaries(
        {},
        optional={
            "size": st.sampled_from(["small", "large"]),
            "extensions": st.lists(st.sampled_from(["citext", "plv8"]), max_size=2).map(tuple),
            "team": st.sampled_from(["payments", "marketing"]),
        },
    ),
)


@settings(max_examples=150, deadline=None)
@given(_intents, st.sampled_from(["apply", "destroy"]), st.booleans())
def test_the_index_never_changes_a_decision(
    default_book: Rulebook, intent: Intent, action: Action, with_plan: bool
) -> None:
    book = default_book
    plan = PlanFacts(counts={"delete": 1}) if with_plan else None
    assert book.evaluate(intent, REQUESTER, TUESDAY_10, action=action, plan=plan) == _unindexed(
        book, intent, action, plan
    )
