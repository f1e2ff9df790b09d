"""`previous`: an update or a rotation is judged against the intent the resource was last applied with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rulebook import ResourceFacts, Rulebook, Verdict
from rulebook.testing import run_rule_tests
from tests.support.rules import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text

Build = Callable[..., Rulebook]

GROWING_PROD = rule(
    'previous != null && intent.env == "prod" && intent.params.size != previous.params.size',
    id="prod-resize-needs-approval",
    effect="require_approval",
    message="{{ intent.name }} grows from {{ previous.params.size }} to {{ intent.params.size }}",
    extra="  approval: {group: security, count: 1}\n",
)
ROTATION = rule(
    "previous != null && intent.credentials_version > previous.credentials_version",
    id="rotation-is-noted",
    effect="warn",
    message="rotation {{ intent.credentials_version }}",
)


def live(size: str = "small") -> ResourceFacts:
    intent = postgres("prod", size=size)
    return ResourceFacts(exists=True, owner_team="payments", request_id="PB-3", intent=intent)


def test_an_update_is_judged_against_the_live_intent(book_from: Build) -> None:
    book = book_from(rulebook_text(GROWING_PROD), known_groups={"security"})

    grown = book.evaluate(postgres("prod", size="large"), REQUESTER, TUESDAY_10, resource=live(size="small"))

    assert grown.verdict is Verdict.REQUIRE_APPROVAL
    assert grown.matches[0].message == "billing grows from small to large"
    same = book.evaluate(postgres("prod", size="small"), REQUESTER, TUESDAY_10, resource=live(size="small"))
    assert same.verdict is Verdict.ALLOW


def test_a_new_resource_has_no_previous_intent(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("previous == null", effect="warn")))

    decision = book.evaluate(postgres("prod"), REQUESTER, TUESDAY_10)

    assert decision.verdict is Verdict.WARN


def test_a_rotation_raises_the_credentials_version_above_the_previous(book_from: Build) -> None:
    book = book_from(rulebook_text(ROTATION))
    rotated = postgres("prod").model_copy(update={"credentials_version": 1})

    decision = book.evaluate(rotated, REQUESTER, TUESDAY_10, resource=live())

    assert [m.message for m in decision.matches] == ["rotation 1"]


def test_the_resource_fact_does_not_repeat_the_intent(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("!has(resource.intent)", effect="warn")))

    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10, resource=live()).verdict is Verdict.WARN


def test_a_rule_test_case_gives_the_live_intent_with_the_resource(book_from: Build, tmp_path: Path) -> None:
    book = book_from(rulebook_text(GROWING_PROD + ROTATION), known_groups={"security"})
    cases = tmp_path / "day2.yaml"
    cases.write_text(
        """\
defaults:
  actor: {user_id: U0REQ, team: payments}
  at: "2025-03-04T10:00:00"
cases:
  - name: growing a prod database asks security
    intent: {path: postgres-database, name: billing, env: prod, params: {size: large}}
    resource:
      exists: true
      owner_team: payments
      intent: {path: postgres-database, name: billing, env: prod, params: {size: small}}
    expect: {verdict: require_approval, rules: [prod-resize-needs-approval], approvals: {security: 1}}
  - name: a rotation is noted
    intent: {path: postgres-database, name: billing, env: prod, params: {size: small}, credentials_version: 2}
    resource:
      exists: true
      intent:
        {path: postgres-database, name: billing, env: prod, params: {size: small}, credentials_version: 1}
    expect: {verdict: warn, rules: [rotation-is-noted]}
""",
        encoding="utf-8",
    )

    report = run_rule_tests(book, [cases])

    assert report.ok, [r.details for r in report.results]
    assert report.passed == 2
