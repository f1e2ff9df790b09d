from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from intents.intent import Intent
from rulebook import DEFAULT_RULEBOOK_PATH, Rulebook, RuleTestError
from rulebook.testing import find_test_files, load_rule_tests, run_rule_tests

TESTS_DIR = DEFAULT_RULEBOOK_PATH.parent / "rulebook-tests"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(dedent(text))
    return path


CASE_HEADER = """\
defaults:
  actor: {user_id: U0REQ, team: payments}
  at: "2025-03-04T10:00:00"
cases:
"""


def test_every_shipped_rule_test_passes(default_book: Rulebook) -> None:
    report = run_rule_tests(default_book, [TESTS_DIR])
    failures = [(r.file, r.line, r.name, r.details) for r in report.results if not r.passed]
    assert failures == []
    assert report.errors == []
    assert report.ok


def test_every_shipped_rule_has_a_case_that_expects_it(default_book: Rulebook) -> None:
    assert run_rule_tests(default_book, [TESTS_DIR]).untested_rules == ()


def test_each_shipped_test_file_loads() -> None:
    for path in find_test_files([TESTS_DIR]):
        spec, lines = load_rule_tests(path)
        assert spec.cases and len(lines) == len(spec.cases)


def test_a_wrong_expectation_fails_with_every_difference(default_book: Rulebook, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.yaml",
        CASE_HEADER
        + """\
  - name: wrong about everything
    intent: "postgres-database name=billing env=prod size=large"
    expect:
      verdict: allow
      rules: [dev-is-self-service, prod-needs-security-approval]
      approvals: {security: 1}
      failures: [name-must-match-pattern]
""",
    )
    [result] = run_rule_tests(default_book, [path]).results
    assert not result.passed
    assert result.line == 5
    assert result.details == (
        "verdict: expected allow, got require_approval",
        "rules expected to fire but did not: dev-is-self-service",
        "rules that fired unexpectedly: prod-large-needs-two-security-approvals",
        "approvals: expected {'security': 1}, got {'security': 2}",
        "rule name-must-match-pattern was expected to fail to evaluate but did not",
    )
    assert result.decision is not None


def test_an_unexpected_evaluation_failure_fails_the_case(default_book: Rulebook, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.yaml",
        CASE_HEADER
        + """\
  - name: no size
    intent: {path: postgres-database, name: billing, env: staging, params: {extensions: []}}
    expect: {verdict: deny, rules: []}
""",
    )
    [result] = run_rule_tests(default_book, [path]).results
    assert result.details == ("rule large-outside-prod-warns could not be evaluated: no such field size",)


def test_intent_text_that_does_not_parse_fails_the_case(default_book: Rulebook, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.yaml",
        CASE_HEADER
        + """\
  - name: bad text
    intent: "postgres-database name=x env=prod"
    expect: {verdict: allow, rules: []}
""",
    )
    [result] = run_rule_tests(default_book, [path]).results
    assert not result.passed
    assert result.details[0].startswith("the intent text does not parse: ")
    assert "`name` cannot be `x`" in result.details[0]


def test_a_given_parser_is_used_for_text(default_book: Rulebook, tmp_path: Path) -> None:
    seen: list[str] = []

    def parse(text: str) -> Intent:
        seen.append(text)
        return Intent(path="service", name="api", env="dev", params={"team": "payments"})

    path = write(
        tmp_path,
        "t.yaml",
        CASE_HEADER
        + '  - {name: c, intent: "anything", expect: {verdict: allow, rules: [dev-is-self-service]}}\n',
    )
    report = run_rule_tests(default_book, [path], parse_intent=parse)
    assert seen == ["anything"] and report.ok


def test_a_case_needs_an_actor_and_a_time(default_book: Rulebook, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.yaml",
        "cases:\n  - {name: bare, intent: {path: service, name: api, env: dev},\n"
        "     expect: {verdict: allow, rules: []}}\n",
    )
    [result] = run_rule_tests(default_book, [path]).results
    assert result.details == ("the case needs an `actor` and an `at` time (in the case or in `defaults`)",)


def test_case_values_override_the_defaults(default_book: Rulebook, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.yaml",
        CASE_HEADER
        + """\
  - name: saturday destroy in prod
    intent: {path: postgres-database, name: billing, env: prod, params: {size: small, extensions: []}}
    at: 2025-03-01T11:00:00
    action: destroy
    actor: {user_id: U2}
    expect:
      verdict: require_approval
      rules: [prod-needs-security-approval, prod-outside-business-hours-needs-oncall,
              prod-destroy-needs-two-security-approvals]
      approvals: {security: 2, oncall: 1}
""",
    )
    assert run_rule_tests(default_book, [path]).ok


def test_a_broken_file_is_an_error_and_the_others_still_run(default_book: Rulebook, tmp_path: Path) -> None:
    write(tmp_path, "a-broken.yaml", "cases:\n  - name: x\n    intnt: y\n")
    write(
        tmp_path,
        "b-good.yml",
        CASE_HEADER
        + '  - {name: ok, intent: "pg name=billing env=staging", expect: {verdict: allow, rules: []}}\n',
    )
    (tmp_path / "notes.txt").write_text("not a test")
    report = run_rule_tests(default_book, [tmp_path])
    assert [r.name for r in report.results] == ["ok"]
    assert [str(p).split("/")[-1] for p in report.errors] == [
        "a-broken.yaml:2:5: missing field 'intent'",
        "a-broken.yaml:2:5: missing field 'expect'",
        "a-broken.yaml:3:5: unknown field 'intnt' (did you mean 'intent'?)",
    ]
    assert not report.ok
    assert (report.passed, report.failed) == (1, 0)


def test_load_errors_carry_file_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(RuleTestError) as caught:
        load_rule_tests(write(tmp_path, "t.yaml", "cases: [\n"))
    assert caught.value.problems[0].file.endswith("t.yaml")
    with pytest.raises(RuleTestError) as missing:
        load_rule_tests(tmp_path / "absent.yaml")
    assert missing.value.problems[0].message.startswith("cannot read")


def test_no_cases_at_all_is_not_ok(default_book: Rulebook, tmp_path: Path) -> None:
    report = run_rule_tests(default_book, [tmp_path])
    assert not report.ok and report.results == []


def test_rules_no_case_expects_are_listed(default_book: Rulebook, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.yaml",
        CASE_HEADER
        + '  - {name: ok, intent: "pg name=billing env=dev",\n'
        + "     expect: {verdict: allow, rules: [dev-is-self-service]}}\n",
    )
    untested = run_rule_tests(default_book, [path]).untested_rules
    assert "dev-is-self-service" not in untested
    assert "prod-needs-security-approval" in untested


def test_a_wrongly_typed_intent_is_located_at_the_case(tmp_path: Path) -> None:
    path = write(
        tmp_path, "t.yaml", CASE_HEADER + "  - {name: n, intent: 5, expect: {verdict: allow, rules: []}}\n"
    )
    with pytest.raises(RuleTestError) as caught:
        load_rule_tests(path)
    assert {(p.line, p.column) for p in caught.value.problems} == {(5, 23)}
