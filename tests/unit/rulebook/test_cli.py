from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import bot.cli.rulebook  # noqa: F401  (registers `platformbot rulebook`)
from bot.cli import app
from rulebook import DEFAULT_RULEBOOK_PATH, load_rulebook
from tests.support.rules import rule, rulebook_text

runner = CliRunner()
CONFIG = DEFAULT_RULEBOOK_PATH.parent / "config.example.yaml"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["rulebook", *args])
    return result.exit_code, result.output


def test_check_accepts_the_default_rulebook() -> None:
    code, out = run("check")
    assert code == 0
    # Counted from the book itself: the rules change more often than this test should.
    rules = load_rulebook(DEFAULT_RULEBOOK_PATH).rules
    intent = sum(1 for r in rules if r.stage == "intent")
    summary = f"{len(rules)} rules ({intent} intent, {len(rules) - intent} plan), version"
    assert f"platform-default 2025.1, {summary}" in out


def test_check_with_the_bots_groups() -> None:
    code, out = run("check", "--groups", "security,oncall,finance")
    assert code == 0 and "approval groups checked against: finance, oncall, security" in out
    code, out = run("check", "--config", str(CONFIG))
    assert code == 0 and "finance, oncall, security" in out


def test_check_reports_unknown_groups_with_their_place() -> None:
    code, out = run("check", str(DEFAULT_RULEBOOK_PATH), "--groups", "security,finance")
    assert code == 1
    assert f"{DEFAULT_RULEBOOK_PATH}:" in out and "unknown approval group 'oncall'" in out
    assert "1 problem(s)" in out


def test_check_reports_every_problem_one_per_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(rulebook_text(rule("nope +", id="a") + rule("true", id="a")))
    code, out = run("check", str(path))
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith(str(path))]
    assert len(lines) == 2 and all(line.count(":") >= 3 for line in lines)


def test_check_without_a_groups_section_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("channels: {}\n")
    code, out = run("check", "--config", str(config))
    assert code == 1 and "(the config defines: none)" in out


def test_test_runs_the_shipped_rule_tests() -> None:
    code, out = run("test")
    assert code == 0
    assert "passed, 0 failed" in out


def test_test_verbose_lists_passing_cases() -> None:
    code, out = run("test", "-v")
    assert code == 0 and "PASS" in out and "a small prod database needs one security approval" in out


def test_test_shows_failures_errors_and_untested_rules(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(
        "defaults: {actor: {user_id: U1}, at: '2025-03-04T10:00:00'}\ncases:\n"
        '  - {name: wrong, intent: "pg name=billing env=prod", expect: {verdict: allow, rules: []}}\n'
    )
    (tmp_path / "broken.yaml").write_text("cases: 3\n")
    code, out = run("test", str(tmp_path))
    assert code == 1
    assert "FAIL" in out and "verdict: expected allow, got require_approval" in out
    assert "ERROR" in out and "broken.yaml:1:8" in out
    assert "rules no case expects to fire:" in out
    assert "0/1 passed, 1 failed, 1 file error(s)" in out


def test_explain_names_the_security_approval() -> None:
    code, out = run(
        "explain", "postgres-database name=billing env=prod size=small", "--at", "2025-03-04T10:00"
    )
    assert code == 0
    assert "MATCHED   prod-needs-security-approval" in out
    assert "needs 1 approval(s) from security" in out
    assert "verdict: require_approval" in out


def test_explain_on_text_the_catalog_refuses_still_explains_the_rules() -> None:
    code, out = run("explain", "postgres-database name=x env=prod size=small", "--at", "2025-03-04T10:00")
    assert code == 0
    assert "The catalog refuses this text" in out and "`name` cannot be `x`" in out
    assert "MATCHED   name-must-match-pattern" in out
    assert "MATCHED   prod-needs-security-approval" in out
    assert "verdict: deny" in out


def test_explain_fills_catalog_defaults_and_splits_lists_for_refused_text() -> None:
    code, out = run("explain", "pg name=x env=staging extensions=citext,plv8")
    assert code == 0
    assert "extensions=citext,plv8" in out and "size=small" in out
    assert "Extensions not on the allow-list: plv8." in out


def test_explain_gives_up_when_the_path_is_unknown() -> None:
    code, out = run("explain", "mongo name=billing")
    assert code == 1 and "There is no golden path called `mongo`" in out


def test_explain_as_someone_at_a_time_for_a_destroy() -> None:
    code, out = run(
        "explain", "pg name=billing env=prod", "--as", "U0BOB", "--team", "data", "--groups", "dba,oncall",
        "--at", "2025-03-01T23:00", "--action", "destroy",
    )  # fmt: skip
    assert code == 0
    assert "as U0BOB (team data, groups ['dba', 'oncall'])" in out
    assert "MATCHED   prod-destroy-needs-two-security-approvals" in out
    assert "MATCHED   prod-outside-business-hours-needs-oncall" in out
    assert "needs 2 approval(s) from security" in out


def test_explain_with_a_plan_runs_plan_rules(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "changes:\n  - {urn: u, type: postgresql:index/database:Database, op: delete, stateful: true}\n"
    )
    code, out = run("explain", "pg name=billing env=staging", "--plan", str(plan))
    assert code == 0
    assert "MATCHED   stateful-delete-or-replace-needs-security" in out
    assert "delete postgresql:index/database:Database" in out


def test_explain_shows_failures(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(rulebook_text(rule("intent.params.nope == 1", id="broken")))
    code, out = run("explain", "pg name=billing env=staging", "--rulebook", str(book))
    assert code == 0
    assert "FAILED    broken" in out and "no such field nope" in out
    assert "could not evaluate broken" in out


def test_explain_refuses_bad_options() -> None:
    assert run("explain", "pg name=billing env=dev", "--action", "delete")[0] == 2
    assert run("explain", "pg name=billing env=dev", "--at", "yesterday")[0] == 2


def test_explain_with_a_broken_rulebook_reports_it(tmp_path: Path) -> None:
    book = tmp_path / "book.yaml"
    book.write_text("name: [\n")
    code, out = run("explain", "pg name=billing env=dev", "--rulebook", str(book))
    assert code == 1 and "YAML:" in out
