"""Each rule of the shipped rulebook, on hand-built intents (the YAML rule tests cover the same
ground through the parser; these pin the rules down without it)."""

from __future__ import annotations

from datetime import datetime

from intents.intent import Intent
from rulebook import Actor, ChangeFacts, Decision, PlanFacts, Rulebook, Verdict
from tests.support.rules import REQUESTER, SATURDAY_23, TUESDAY_10, postgres, service


def needs(decision: Decision) -> dict[str, int]:
    return {n.group: n.count for n in decision.approvals}


def test_production_needs_one_security_approval(default_book: Rulebook) -> None:
    decision = default_book.evaluate(postgres(env="prod"), REQUESTER, TUESDAY_10)
    assert decision.verdict is Verdict.REQUIRE_APPROVAL
    assert decision.rule_ids == ("prod-needs-security-approval",)
    assert needs(decision) == {"security": 1}
    assert (
        decision.matches[0].message
        == "postgres-database 'billing' in production needs one security approval."
    )


def test_staging_needs_nothing(default_book: Rulebook) -> None:
    decision = default_book.evaluate(postgres(env="staging"), REQUESTER, SATURDAY_23)
    assert (decision.verdict, decision.rule_ids) == (Verdict.ALLOW, ())


def test_large_in_production_needs_two_security_approvals(default_book: Rulebook) -> None:
    decision = default_book.evaluate(postgres(env="prod", size="large"), REQUESTER, TUESDAY_10)
    assert "prod-large-needs-two-security-approvals" in decision.rule_ids
    assert needs(decision) == {"security": 2}


def test_names_must_match_the_naming_pattern(default_book: Rulebook) -> None:
    for bad in ("Billing", "x", "ab", "billing-", "9lives", "a" * 41, "bill_ing"):
        decision = default_book.evaluate(postgres(name=bad), REQUESTER, TUESDAY_10)
        assert decision.rule_ids == ("name-must-match-pattern",), bad
        assert decision.verdict is Verdict.DENY
    for good in ("abc", "billing-2", "a" * 40):
        assert default_book.evaluate(postgres(name=good), REQUESTER, TUESDAY_10).verdict is Verdict.ALLOW


def test_only_allow_listed_postgres_extensions(default_book: Rulebook) -> None:
    decision = default_book.evaluate(
        postgres(extensions=("citext", "plv8", "adminpack")), REQUESTER, TUESDAY_10
    )
    assert decision.rule_ids == ("postgres-extensions-allow-listed",)
    assert decision.matches[0].message == "Extensions not on the allow-list: plv8, adminpack."
    allowed = postgres(extensions=("pgcrypto", "citext", "pg_trgm", "uuid-ossp", "hstore", "btree_gist"))
    assert default_book.evaluate(allowed, REQUESTER, TUESDAY_10).verdict is Verdict.ALLOW


def test_production_outside_business_hours_needs_oncall(default_book: Rulebook) -> None:
    for moment in (
        SATURDAY_23,
        datetime(2025, 3, 2, 12, 0),
        datetime(2025, 3, 4, 8, 59),
        datetime(2025, 3, 4, 18, 0),
    ):
        decision = default_book.evaluate(postgres(env="prod"), REQUESTER, moment)
        assert "prod-outside-business-hours-needs-oncall" in decision.rule_ids, moment
        assert needs(decision) == {"security": 1, "oncall": 1}
    for moment in (datetime(2025, 3, 4, 9, 0), datetime(2025, 3, 7, 17, 59)):
        decision = default_book.evaluate(postgres(env="prod"), REQUESTER, moment)
        assert "prod-outside-business-hours-needs-oncall" not in decision.rule_ids, moment


def test_the_after_hours_reason_names_the_day_and_the_time_as_people_write_them(
    default_book: Rulebook,
) -> None:
    decision = default_book.evaluate(postgres(env="prod"), REQUESTER, datetime(2025, 3, 4, 8, 5))
    reason = next(m for m in decision.matches if m.rule_id == "prod-outside-business-hours-needs-oncall")
    assert reason.message.startswith("It is Tuesday 08:05 (")
    assert "9:00 to 18:00" in reason.remediation


def test_business_hours_do_not_matter_outside_production(default_book: Rulebook) -> None:
    assert default_book.evaluate(postgres(env="staging"), REQUESTER, SATURDAY_23).rule_ids == ()


def test_deleting_or_replacing_stateful_resources_needs_security(default_book: Rulebook) -> None:
    for op in ("delete", "replace", "create-replacement", "delete-replaced"):
        change = ChangeFacts(
            urn="urn:x",
            type="postgresql:index/database:Database",
            name="Database billing",
            op=op,
            stateful=True,
        )
        decision = default_book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts(changes=(change,)))
        assert decision.rule_ids == ("stateful-delete-or-replace-needs-security",), op
        assert needs(decision) == {"security": 1}
        # Named as people read it, not by its type token.
        assert decision.matches[0].message.endswith(f"{op} Database billing.")


def test_stateless_deletes_and_stateful_updates_pass(default_book: Rulebook) -> None:
    changes = (
        ChangeFacts(urn="a", type="postgresql:index/grant:Grant", op="delete", stateful=False),
        ChangeFacts(urn="b", type="postgresql:index/database:Database", op="update", stateful=True),
    )
    decision = default_book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts(changes=changes))
    assert decision.verdict is Verdict.ALLOW


def test_a_service_for_an_unknown_team_is_denied(default_book: Rulebook) -> None:
    decision = default_book.evaluate(service(team="marketing"), REQUESTER, TUESDAY_10)
    assert (decision.verdict, decision.rule_ids) == (Verdict.DENY, ("service-team-must-be-known",))
    assert "Team 'marketing' is not a known team." == decision.matches[0].message
    assert default_book.evaluate(service(team="search"), REQUESTER, TUESDAY_10).verdict is Verdict.ALLOW


def test_destroying_in_production_needs_two_approvals(default_book: Rulebook) -> None:
    decision = default_book.evaluate(postgres(env="prod"), REQUESTER, TUESDAY_10, action="destroy")
    assert "prod-destroy-needs-two-security-approvals" in decision.rule_ids
    assert needs(decision) == {"security": 2}
    staging = default_book.evaluate(postgres(env="staging"), REQUESTER, TUESDAY_10, action="destroy")
    assert staging.verdict is Verdict.ALLOW


def test_large_databases_outside_production_warn(default_book: Rulebook) -> None:
    decision = default_book.evaluate(postgres(env="dev", size="large"), REQUESTER, TUESDAY_10)
    assert decision.verdict is Verdict.WARN
    assert decision.rule_ids == ("large-outside-prod-warns", "dev-is-self-service")
    assert decision.allowed


def test_dev_is_self_service(default_book: Rulebook) -> None:
    decision = default_book.evaluate(service(env="dev"), Actor(user_id="U9"), SATURDAY_23)
    assert (decision.verdict, decision.rule_ids) == (Verdict.ALLOW, ("dev-is-self-service",))


def test_a_plan_with_many_changes_warns(default_book: Rulebook) -> None:
    plan = PlanFacts(counts={"create": 6, "update": 2, "delete": 1, "replace": 1})
    decision = default_book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=plan)
    assert decision.rule_ids == ("mass-change-warns",)
    assert decision.matches[0].message == "The plan changes 10 resources."


def test_a_postgres_intent_without_a_size_fails_closed(default_book: Rulebook) -> None:
    intent = Intent(path="postgres-database", name="billing", env="prod", params={"extensions": ()})
    decision = default_book.evaluate(intent, REQUESTER, TUESDAY_10)
    assert decision.verdict is Verdict.DENY
    assert [f.rule_id for f in decision.failures] == ["prod-large-needs-two-security-approvals"]
