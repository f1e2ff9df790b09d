from __future__ import annotations

from collections.abc import Callable

from rulebook import PlanFacts, Rulebook, Verdict
from rulebook.explain import RuleTrace, explain
from tests.support.rules import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text

Build = Callable[..., Rulebook]


def traces(book: Rulebook, plan: PlanFacts | None = None) -> dict[str, RuleTrace]:
    found = explain(book, postgres(env="prod"), REQUESTER, TUESDAY_10, plan=plan)
    return {t.rule_id: t for t in found.rules}


def test_explain_gives_the_decision_and_a_trace_per_rule(default_book: Rulebook) -> None:
    found = explain(default_book, postgres(env="prod"), REQUESTER, TUESDAY_10)
    assert found.decision.verdict is Verdict.REQUIRE_APPROVAL
    assert [t.rule_id for t in found.rules] == [r.id for r in default_book.rules]
    assert found.facts["intent"]["env"] == "prod"
    assert found.facts["plan"] is None


def test_a_matched_rule_shows_its_clauses_and_message(default_book: Rulebook) -> None:
    trace = traces(default_book)["prod-needs-security-approval"]
    assert trace.outcome == "matched"
    assert trace.reason == "the condition holds"
    assert trace.message == "postgres-database 'billing' in production needs one security approval."
    assert [(c.source, c.value) for c in trace.clauses] == [('intent.env == "prod"', "true")]


def test_an_unmatched_rule_names_its_first_false_clause_and_skips_the_rest(book_from: Build) -> None:
    book = book_from(
        rulebook_text(rule("intent.env == 'prod' && intent.name == 'other' && intent.params.nope"))
    )
    trace = traces(book)["r"]
    assert trace.outcome == "not_matched"
    assert trace.reason == "`intent.name == 'other'` is false"
    assert [(c.value, c.error) for c in trace.clauses] == [("true", None), ("false", None), (None, None)]


def test_a_failed_rule_shows_the_clause_that_errors(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("intent.env == 'prod' && intent.params.nope == 1")))
    trace = traces(book)["r"]
    assert trace.outcome == "failed"
    assert trace.reason == "no such field nope"
    assert trace.clauses[1].error == "no such field nope"


def test_all_clauses_holding_is_the_reason_for_a_match(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("(intent.env == 'prod' && actor.user_id == 'U0REQ')")))
    assert traces(book)["r"].reason == "all 2 clauses hold"


def test_a_single_false_condition_has_a_plain_reason(book_from: Build) -> None:
    assert traces(book_from(rulebook_text(rule("false"))))["r"].reason == "the condition is false"


def test_a_ternary_condition_is_one_clause(book_from: Build) -> None:
    # `&&` inside a ternary branch: a text split would cut off `a ? b`, which is not a clause.
    book = book_from(rulebook_text(rule("intent.env == 'prod' ? true && true : false")))
    trace = traces(book)["r"]
    assert [c.source for c in trace.clauses] == ["intent.env == 'prod' ? true && true : false"]


def test_a_split_that_compiles_but_is_wrong_is_avoided_by_precedence(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("false || intent.env == 'prod' && true")))
    trace = traces(book)["r"]
    assert len(trace.clauses) == 1 and trace.outcome == "matched"


def test_plan_rules_are_skipped_without_a_plan_and_run_with_one(default_book: Rulebook) -> None:
    rule_id = "stateful-delete-or-replace-needs-security"
    skipped = traces(default_book)[rule_id]
    assert skipped.outcome == "skipped"
    assert skipped.reason == "plan-stage rule: runs once the real plan is known"
    assert traces(default_book, plan=PlanFacts())[rule_id].outcome == "not_matched"
