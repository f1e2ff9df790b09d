"""The attribution rules of the shipped rulebook (issue 14), on plans built by hand: what they say
and what they tell people to do (the YAML rule tests in manifests/rulebook-tests/labels.yaml cover
which rules fire)."""

from __future__ import annotations

from intents.intent import Intent
from provisioners.labels import Labels
from rulebook import ChangeFacts, PlanFacts, Rulebook, Verdict
from tests.support.rules import REQUESTER, TUESDAY_10, postgres

DATABASE = "pulumi-python:dynamic/platformbot:PostgresDatabase"


def plan(op: str, labels: dict[str, str] | None) -> PlanFacts:
    urn = f"urn:pulumi:prod::postgres-database::platformbot:PostgresDatabase::{op}"
    return PlanFacts(changes=(ChangeFacts(urn=urn, type=DATABASE, op=op, stateful=True, labels=labels),))


def labels(intent: Intent, **values: str) -> dict[str, str]:
    return Labels.for_intent(intent, request_id="PB-7", requester="U0REQ", **values).as_input()


def test_a_production_resource_without_a_cost_centre_names_the_config_key_to_set(
    default_book: Rulebook,
) -> None:
    intent = postgres(env="prod")
    decision = default_book.evaluate(
        intent, REQUESTER, TUESDAY_10, plan=plan("create", labels(intent, team="search"))
    )
    assert decision.verdict is Verdict.DENY
    (match,) = [m for m in decision.matches if m.rule_id == "prod-needs-a-cost-centre"]
    assert match.message == (
        "postgres-database 'billing' in production would belong to team 'search', "
        "which has no cost centre to charge it to."
    )
    assert match.remediation == "Ask the platform team to set budgets.search.cost_centre in the bot's config."


def test_a_production_resource_with_a_cost_centre_is_not_denied(default_book: Rulebook) -> None:
    intent = postgres(env="prod")
    facts = plan("create", labels(intent, team="payments", cost_centre="CC-4711"))
    decision = default_book.evaluate(intent, REQUESTER, TUESDAY_10, plan=facts)
    assert decision.verdict is Verdict.REQUIRE_APPROVAL
    assert "prod-needs-a-cost-centre" not in decision.rule_ids


def test_a_create_without_labels_is_denied_naming_the_resource_type(default_book: Rulebook) -> None:
    decision = default_book.evaluate(
        postgres(env="staging"), REQUESTER, TUESDAY_10, plan=plan("create", None)
    )
    assert decision.verdict is Verdict.DENY
    (match,) = [m for m in decision.matches if m.rule_id == "creates-must-carry-labels"]
    assert match.message == f"The plan creates resources without their labels: {DATABASE}."
    assert "postgres-database program must pass its labels input" in match.remediation


def test_the_labels_a_program_hands_on_satisfy_the_label_rule(default_book: Rulebook) -> None:
    intent = postgres(env="staging")
    decision = default_book.evaluate(intent, REQUESTER, TUESDAY_10, plan=plan("create", labels(intent)))
    assert "creates-must-carry-labels" not in decision.rule_ids
