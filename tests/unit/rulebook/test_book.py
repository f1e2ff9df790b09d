from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from intents.intent import Intent
from rulebook import Actor, ChangeFacts, Decision, PlanFacts, Rulebook, Stage, Verdict
from tests.support.rules import REQUESTER, TUESDAY_10, postgres, rule, rulebook_text

Build = Callable[..., Rulebook]


def decide_one(book_from: Build, condition: str) -> Decision:
    book = book_from(rulebook_text(rule(condition)))
    return book.evaluate(postgres(), REQUESTER, TUESDAY_10)


def test_a_false_condition_allows(book_from: Build) -> None:
    decision = book_from(rulebook_text(rule("intent.env == 'prod'"))).evaluate(
        postgres(), REQUESTER, TUESDAY_10
    )
    assert decision.verdict is Verdict.ALLOW
    assert decision.matches == () and decision.failures == ()
    assert decision.stage is Stage.INTENT


def test_a_matching_rule_renders_its_message_and_remediation(book_from: Build) -> None:
    text = rulebook_text(
        rule(
            "intent.env == 'staging'",
            message="{{ intent.path }} {{ intent.name }} for {{ actor.user_id }} in {{ intent.env }}",
            extra="  remediation: \"try {{ intent.params.extensions }} or {{ actor.team == 'payments' }}\"\n"
            "  tags: [t]\n",
        )
    )
    decision = book_from(text).evaluate(postgres(extensions=("citext", "hstore")), REQUESTER, TUESDAY_10)
    [match] = decision.matches
    assert match.message == "postgres-database billing for U0REQ in staging"
    assert match.remediation == "try citext, hstore or true"
    assert match.tags == ("t",)


def test_a_missing_field_fails_closed_with_the_rule_and_the_reason(book_from: Build) -> None:
    decision = decide_one(book_from, "intent.params.team == 'x'")
    assert decision.verdict is Verdict.DENY
    [failure] = decision.failures
    assert failure.rule_id == "r"
    assert failure.reason == "no such field team"


def test_a_type_error_fails_closed(book_from: Build) -> None:
    decision = decide_one(book_from, "intent.name > 3")
    [failure] = decision.failures
    assert failure.reason.startswith("type error")
    assert decision.verdict is Verdict.DENY


def test_a_non_boolean_condition_fails_closed(book_from: Build) -> None:
    [failure] = decide_one(book_from, "intent.name").failures
    assert failure.reason == "condition gave str, not a bool"


def test_division_by_zero_and_bad_index_fail_closed(book_from: Build) -> None:
    for condition in ("1 / (size(intent.params.extensions)) == 1", "intent.params.extensions[3] == 'x'"):
        decision = decide_one(book_from, condition)
        assert decision.verdict is Verdict.DENY
        assert decision.failures[0].reason


def test_a_regex_that_only_breaks_at_evaluation_fails_closed(book_from: Build) -> None:
    decision = decide_one(book_from, "intent.name.matches(intent.env + '(')")
    [failure] = decision.failures
    assert (
        failure.reason == "Function 'matches' error: missing ), unterminated subpattern at position 7"
    )  # 'staging('


def test_matches_searches_like_cel(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("intent.name.matches('ill') && !intent.name.matches('^ill')")))
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10).rule_ids == ("r",)


def test_a_message_that_cannot_render_fails_closed(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("true", effect="warn", message="{{ intent.params.nope }}")))
    decision = book.evaluate(postgres(), REQUESTER, TUESDAY_10)
    assert decision.verdict is Verdict.DENY
    assert decision.failures[0].reason == "message could not be rendered: no such field nope"


def test_a_failure_does_not_stop_other_rules(book_from: Build) -> None:
    text = rulebook_text(rule("intent.params.nope", id="broken") + rule("true", id="fine", effect="warn"))
    decision = book_from(text).evaluate(postgres(), REQUESTER, TUESDAY_10)
    assert decision.rule_ids == ("fine",)
    assert [f.rule_id for f in decision.failures] == ["broken"]


def test_a_request_cel_cannot_hold_fails_every_rule_instead_of_crashing(book_from: Build) -> None:
    # A lone surrogate is a valid Python str that the CEL library cannot convert.
    odd = Intent(path="p", name="n\ud800", env="dev")
    decision = book_from(rulebook_text(rule("true"))).evaluate(odd, REQUESTER, TUESDAY_10)
    assert decision.verdict is Verdict.DENY
    assert decision.failures[0].reason.startswith("the request could not be given to the rules")


def test_plan_stage_rules_run_only_with_a_plan(book_from: Build) -> None:
    text = rulebook_text(
        rule("true", id="on-intent", effect="warn") + rule("true", id="on-plan", stage="plan")
    )
    book = book_from(text)
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10).rule_ids == ("on-intent",)
    full = book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts())
    assert full.rule_ids == ("on-plan", "on-intent")
    assert full.stage is Stage.PLAN


def test_plan_counts_are_counted_from_changes_and_always_have_the_common_ops(book_from: Build) -> None:
    condition = "plan.counts.delete == 2 && plan.counts.create == 0 && plan.counts['delete-replaced'] == 1"
    book = book_from(rulebook_text(rule(condition, stage="plan")))
    changes = tuple(
        ChangeFacts(urn=f"u{i}", type="t", op=op)
        for i, op in enumerate(["delete", "delete", "delete-replaced"])
    )
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts(changes=changes)).rule_ids == (
        "r",
    )


def test_given_plan_counts_are_used_as_they_are(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("plan.counts.update == 7 && plan.counts.delete == 0", stage="plan")))
    plan = PlanFacts(counts={"update": 7})
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=plan).rule_ids == ("r",)


def test_plan_changes_carry_their_facts(book_from: Build) -> None:
    condition = "plan.changes.exists(c, c.stateful && c.op == 'replace' && 'name' in c.keys && c.type == 't')"
    book = book_from(rulebook_text(rule(condition, stage="plan")))
    change = ChangeFacts(urn="u", type="t", op="replace", keys=("name",), stateful=True)
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts(changes=(change,))).rule_ids == (
        "r",
    )


def test_actor_and_action_are_visible(book_from: Build) -> None:
    condition = "actor.user_id == 'U1' && actor.team == null && 'dba' in actor.groups && action == 'destroy'"
    book = book_from(rulebook_text(rule(condition)))
    actor = Actor(user_id="U1", groups=("dba",))
    assert book.evaluate(postgres(), actor, TUESDAY_10, action="destroy").rule_ids == ("r",)
    assert book.evaluate(postgres(), actor, TUESDAY_10).rule_ids == ()


def test_now_is_in_the_rulebook_time_zone(book_from: Build) -> None:
    text = rulebook_text(
        rule("now.hour == 11 && now.minute == 30 && now.weekday == 2 && now.date == '2025-03-04'"),
        header="",
    ).replace("timezone: UTC", "timezone: Europe/Berlin")
    book = book_from(text)
    aware = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)  # 11:30 in Berlin
    assert book.evaluate(postgres(), REQUESTER, aware).rule_ids == ("r",)
    naive = datetime(2025, 3, 4, 11, 30)  # naive times are already Berlin time
    assert book.evaluate(postgres(), REQUESTER, naive).rule_ids == ("r",)


def test_now_timestamp_compares_with_cel_timestamps(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("now.timestamp > timestamp('2025-01-01T00:00:00Z')")))
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10).rule_ids == ("r",)


def test_nothing_leaks_from_one_request_to_the_next(book_from: Build) -> None:
    book = book_from(rulebook_text(rule("true")))
    book.evaluate(postgres(), REQUESTER, TUESDAY_10, plan=PlanFacts())
    assert book.context(postgres(), REQUESTER, TUESDAY_10).variables["plan"] is None


def test_vars_are_visible(book_from: Build) -> None:
    book = book_from(
        rulebook_text(
            rule("intent.name in vars.names && vars.limit == 3"), vars="{names: [billing], limit: 3}"
        )
    )
    assert book.evaluate(postgres(), REQUESTER, TUESDAY_10).rule_ids == ("r",)


def test_evaluation_is_thread_safe(default_book: Rulebook) -> None:
    intents = [
        postgres(env=env, size=size) for env in ("dev", "staging", "prod") for size in ("small", "large")
    ]
    expected = [default_book.evaluate(i, REQUESTER, TUESDAY_10) for i in intents]
    errors: list[str] = []

    def work() -> None:
        for _ in range(200):
            for intent, decision in zip(intents, expected, strict=True):
                if default_book.evaluate(intent, REQUESTER, TUESDAY_10) != decision:
                    errors.append(intent.describe())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_decision_carries_the_rulebook_version(default_book: Rulebook) -> None:
    assert default_book.evaluate(postgres(), REQUESTER, TUESDAY_10).rulebook_version == default_book.version
