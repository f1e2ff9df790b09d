"""The /platform grammar: requests and the other commands."""

from __future__ import annotations

import pytest

from intents import (
    COMMAND_WORDS,
    ApproveCommand,
    CancelCommand,
    Catalog,
    CatalogCommand,
    CostsCommand,
    DestroyCommand,
    DriftCommand,
    FeedbackCommand,
    HelpCommand,
    Intent,
    IntentError,
    ListCommand,
    ProblemCode,
    RejectCommand,
    RequestCommand,
    RulebookCommand,
    StatsCommand,
    StatusCommand,
    TransferCommand,
    normalise_request_id,
    parse_command,
    parse_intent,
)


def problems_of(text: str, catalog: Catalog) -> list[tuple[ProblemCode, str | None]]:
    with pytest.raises(IntentError) as caught:
        parse_command(text, catalog)
    return [(p.code, p.key) for p in caught.value.problems]


def error_of(text: str, catalog: Catalog) -> IntentError:
    with pytest.raises(IntentError) as caught:
        parse_command(text, catalog)
    return caught.value


# --- requests --------------------------------------------------------------------------------------


def test_request_parses_into_a_typed_intent_with_defaults_filled(catalog: Catalog) -> None:
    command = parse_command("request postgres-database name=billing env=staging", catalog)
    assert command == RequestCommand(
        intent=Intent(
            path="postgres-database",
            name="billing",
            env="staging",
            params={"size": "small", "extensions": ()},
        )
    )


def test_bare_word_after_the_path_is_the_name(catalog: Catalog) -> None:
    intent = parse_intent("postgres-database billing env=dev", catalog)
    assert intent.name == "billing"


def test_alias_resolves_to_the_canonical_path(catalog: Catalog) -> None:
    assert parse_intent("pg billing env=dev", catalog).path == "postgres-database"
    assert parse_intent("POSTGRES billing env=dev", catalog).path == "postgres-database"


def test_quoted_values_keep_their_spaces(catalog: Catalog) -> None:
    intent = parse_intent('pg billing env=dev description="billing db"', catalog)
    assert intent.params["description"] == "billing db"


def test_single_and_curly_quotes_are_read_like_straight_double_quotes(catalog: Catalog) -> None:
    assert parse_intent("pg billing env=dev description='a b'", catalog).params["description"] == "a b"
    curly = parse_intent("pg billing env=dev description=\u201cbilling db\u201d", catalog)
    assert curly.params["description"] == "billing db"


def test_apostrophe_inside_a_word_is_literal(catalog: Catalog) -> None:
    intent = parse_intent("pg billing env=dev description=Bob's", catalog)
    assert intent.params["description"] == "Bob's"


def test_lists_are_comma_separated_sorted_and_without_repeats(catalog: Catalog) -> None:
    intent = parse_intent("pg billing env=dev extensions=pgcrypto,citext,pgcrypto,", catalog)
    assert intent.params["extensions"] == ("citext", "pgcrypto")


def test_keys_are_case_insensitive_values_are_not(catalog: Catalog) -> None:
    intent = parse_intent("pg billing ENV=dev Size=large", catalog)
    assert (intent.env, intent.params["size"]) == ("dev", "large")
    error = error_of("request pg billing env=DEV", catalog)
    assert [(p.code, p.key, p.suggestions) for p in error.problems] == [
        (ProblemCode.BAD_VALUE, "env", ("dev",))
    ]


def test_leading_slash_command_and_request_word_are_tolerated(catalog: Catalog) -> None:
    assert isinstance(parse_command("/platform request pg billing env=dev", catalog), RequestCommand)
    assert parse_intent("request pg billing env=dev", catalog).name == "billing"


def test_service_intent_always_has_an_env(catalog: Catalog) -> None:
    intent = parse_intent("service checkout team=payments language=go owners=U123ABC,U456DEF", catalog)
    assert intent.env == "dev"
    assert intent.params == {"team": "payments", "language": "go", "owners": ("U123ABC", "U456DEF")}


def test_service_owners_must_be_slack_user_ids(catalog: Catalog) -> None:
    error = error_of("request service checkout team=payments language=go owners=alice", catalog)
    (problem,) = error.problems
    assert problem.key == "owners" and "Slack user id such as U123ABC" in (problem.expected or "")


# --- request errors --------------------------------------------------------------------------------


def test_unknown_path_suggests_closest_match(catalog: Catalog) -> None:
    error = error_of("request postgress billing", catalog)
    (problem,) = error.problems
    assert problem.code is ProblemCode.UNKNOWN_PATH
    assert problem.suggestions == ("postgres-database",)
    assert "did you mean `postgres-database`?" in problem.message.lower()
    assert "/platform catalog" in problem.message


def test_request_without_path_lists_the_paths(catalog: Catalog) -> None:
    for text in ("request", "request name=billing"):
        (problem,) = error_of(text, catalog).problems
        assert problem.code is ProblemCode.MISSING_PATH
        assert "postgres-database" in (problem.expected or "")


def test_unknown_key_lists_the_allowed_keys(catalog: Catalog) -> None:
    (problem,) = error_of("request pg billing env=dev sise=large", catalog).problems
    assert problem.code is ProblemCode.UNKNOWN_KEY
    assert problem.suggestions[0] == "size"
    assert problem.expected == "one of: name, env, size, extensions, description, ttl"


def test_bad_enum_value_lists_the_allowed_values(catalog: Catalog) -> None:
    (problem,) = error_of("request pg billing env=dev size=huge", catalog).problems
    assert (problem.key, problem.given, problem.expected) == ("size", "huge", "one of: small, medium, large")


def test_bad_name_states_the_pattern_in_words_and_suggests_a_fix(catalog: Catalog) -> None:
    (problem,) = error_of("request pg Billing_DB env=dev", catalog).problems
    assert problem.expected is not None
    assert "lower-case letters, digits and hyphens, starting with a letter, 3 to 40" in problem.expected
    assert problem.suggestions == ("billing-db",)


def test_name_length_is_three_to_forty(catalog: Catalog) -> None:
    assert parse_intent("pg abc env=dev", catalog).name == "abc"
    assert parse_intent(f"pg a{'b' * 39} env=dev", catalog).name == "a" + "b" * 39
    for name in ("ab", "a" * 41, "1abc", "-abc"):
        assert problems_of(f"request pg {name} env=dev", catalog) == [(ProblemCode.BAD_VALUE, "name")]


def test_extension_outside_the_allow_list_is_named(catalog: Catalog) -> None:
    (problem,) = error_of("request pg billing env=dev extensions=citext,plpython", catalog).problems
    assert "`plpython` is not allowed" in problem.message


def test_a_single_refused_item_is_not_named_twice(catalog: Catalog) -> None:
    (problem,) = error_of("request pg billing env=dev extensions=plpython", catalog).problems
    assert problem.message.startswith("`extensions` cannot be `plpython`: expected")


def test_missing_required_parameters_are_all_reported_at_once(catalog: Catalog) -> None:
    error = error_of("request service", catalog)
    assert [(p.code, p.key) for p in error.problems] == [
        (ProblemCode.MISSING_VALUE, "name"),
        (ProblemCode.MISSING_VALUE, "team"),
        (ProblemCode.MISSING_VALUE, "language"),
        (ProblemCode.MISSING_VALUE, "owners"),
    ]


def test_key_given_twice_is_reported(catalog: Catalog) -> None:
    error = error_of("request pg billing env=dev size=small SIZE=large", catalog)
    (problem,) = error.problems
    assert problem.code is ProblemCode.DUPLICATE_KEY and problem.key == "size"
    assert "given twice" in problem.message


def test_name_as_bare_word_and_as_key_is_a_duplicate(catalog: Catalog) -> None:
    assert problems_of("request pg billing name=other env=dev", catalog) == [
        (ProblemCode.DUPLICATE_KEY, "name")
    ]


def test_all_problems_of_one_input_come_together_in_typed_order(catalog: Catalog) -> None:
    error = error_of("request pg Billing extra size=huge sise=1 =x", catalog)
    assert [p.code for p in error.problems] == [
        ProblemCode.BAD_VALUE,
        ProblemCode.UNEXPECTED_ARGUMENT,
        ProblemCode.BAD_VALUE,
        ProblemCode.UNKNOWN_KEY,
        ProblemCode.BAD_SYNTAX,
        ProblemCode.MISSING_VALUE,
    ]
    assert error.path == "postgres-database"
    assert error.given == {"name": "Billing", "size": "huge", "sise": "1"}


def test_spaces_around_equals_get_a_syntax_hint(catalog: Catalog) -> None:
    error = error_of("request pg billing env = dev", catalog)
    messages = " ".join(p.message for p in error.problems)
    assert "without spaces around `=`" in messages


def test_syntax_problem_alone_still_fails_the_request(catalog: Catalog) -> None:
    assert problems_of("request pg billing env=dev =x", catalog) == [(ProblemCode.BAD_SYNTAX, None)]


def test_unclosed_quote_is_a_syntax_error(catalog: Catalog) -> None:
    (problem,) = error_of('request pg billing description="billing db', catalog).problems
    assert problem.code is ProblemCode.BAD_SYNTAX and problem.position == 31


# --- other commands ----------------------------------------------------------------------------------


def test_empty_text_means_help(catalog: Catalog) -> None:
    assert parse_command("", catalog) == HelpCommand()
    assert parse_command("   ", catalog) == HelpCommand()
    assert parse_command("/platform", catalog) == HelpCommand()


def test_help_topic_is_a_command_or_canonical_path(catalog: Catalog) -> None:
    assert parse_command("help", catalog) == HelpCommand(topic=None)
    assert parse_command("help Request", catalog) == HelpCommand(topic="request")
    assert parse_command("HELP pg", catalog) == HelpCommand(topic="postgres-database")


def test_unknown_help_topic_suggests_closest(catalog: Catalog) -> None:
    (problem,) = error_of("help postgress", catalog).problems
    # Best first; a command a few letters away (`costs`) may follow.
    assert problem.code is ProblemCode.BAD_ARGUMENT and problem.suggestions[0] == "postgres-database"
    (problem,) = error_of("help stauts", catalog).problems
    assert "status" in problem.suggestions


def test_catalog_takes_an_optional_path(catalog: Catalog) -> None:
    assert parse_command("catalog", catalog) == CatalogCommand()
    assert parse_command("catalog svc", catalog) == CatalogCommand(path="service")
    (problem,) = error_of("catalog servce", catalog).problems
    assert problem.code is ProblemCode.UNKNOWN_PATH and problem.suggestions == ("service",)


def test_request_ids_are_normalised(catalog: Catalog) -> None:
    assert parse_command("status pb-17", catalog) == StatusCommand(request_id="PB-17")
    assert parse_command("cancel PB17", catalog) == CancelCommand(request_id="PB-17")
    assert parse_command("destroy 0017", catalog) == DestroyCommand(request_id="PB-17")
    assert normalise_request_id("PB-0") is None
    assert normalise_request_id("PB-x") is None


def test_status_without_id_says_what_is_needed(catalog: Catalog) -> None:
    (problem,) = error_of("status", catalog).problems
    assert problem.code is ProblemCode.MISSING_ARGUMENT and "PB-17" in problem.message


def test_malformed_request_id_is_refused(catalog: Catalog) -> None:
    (problem,) = error_of("status PB-x", catalog).problems
    assert problem.code is ProblemCode.BAD_ARGUMENT and problem.expected == "a request id such as PB-17"


def test_drift_takes_an_optional_request_id(catalog: Catalog) -> None:
    assert parse_command("drift", catalog) == DriftCommand()
    assert parse_command("drift pb-3", catalog) == DriftCommand(request_id="PB-3")


def test_list_scope_defaults_to_mine(catalog: Catalog) -> None:
    assert parse_command("list", catalog) == ListCommand(scope="mine")
    assert parse_command("list ALL", catalog) == ListCommand(scope="all")
    (problem,) = error_of("list pendng", catalog).problems
    assert problem.suggestions == ("pending",)


def test_stats_period(catalog: Catalog) -> None:
    assert parse_command("stats", catalog) == StatsCommand(days=30)
    assert parse_command("stats 7d", catalog) == StatsCommand(days=7)
    assert parse_command("stats 90D", catalog) == StatsCommand(days=90)
    assert parse_command("stats 30", catalog) == StatsCommand(days=30)
    (problem,) = error_of("stats 14d", catalog).problems
    assert problem.expected == "7d, 30d or 90d"


def test_feedback_takes_no_arguments(catalog: Catalog) -> None:
    assert parse_command("feedback", catalog) == FeedbackCommand()
    assert problems_of("feedback now", catalog) == [(ProblemCode.UNEXPECTED_ARGUMENT, None)]


def test_rulebook_takes_an_optional_rule_id(catalog: Catalog) -> None:
    assert parse_command("rulebook", catalog) == RulebookCommand()
    assert parse_command("rulebook prod-needs-approval", catalog) == RulebookCommand(
        rule_id="prod-needs-approval"
    )
    assert problems_of("rulebook !!", catalog) == [(ProblemCode.BAD_ARGUMENT, None)]


def test_extra_and_key_value_arguments_are_unexpected(catalog: Catalog) -> None:
    assert problems_of("status PB-1 PB-2 x=y", catalog) == [
        (ProblemCode.UNEXPECTED_ARGUMENT, None),
        (ProblemCode.UNEXPECTED_ARGUMENT, None),
    ]


def test_unknown_command_suggests_closest_and_the_catalog(catalog: Catalog) -> None:
    (problem,) = error_of("reqest pg billing", catalog).problems
    # `reject` is as near, but the closest comes first.
    assert problem.code is ProblemCode.UNKNOWN_COMMAND and problem.suggestions[0] == "request"
    assert "/platform catalog" in problem.message
    assert problem.expected == "one of: " + ", ".join(COMMAND_WORDS)


def test_path_without_request_suggests_the_request(catalog: Catalog) -> None:
    (problem,) = error_of("pg billing env=dev", catalog).problems
    assert problem.suggestions == ("request postgres-database",)


def test_key_value_first_is_an_unknown_command(catalog: Catalog) -> None:
    (problem,) = error_of("name=billing", catalog).problems
    assert problem.code is ProblemCode.UNKNOWN_COMMAND and problem.suggestions == ()


def test_misspelt_environment_suggests_the_real_one(catalog: Catalog) -> None:
    (problem,) = error_of("request pg billing env=production", catalog).problems
    assert problem.suggestions == ("prod",) and "Did you mean `prod`?" in problem.message


def test_list_written_with_spaces_after_commas_is_read_as_one_value(catalog: Catalog) -> None:
    text = "pg billing env=dev extensions=pgcrypto, citext, hstore description=hi, there"
    intent = parse_intent(text, catalog)
    assert intent.params["extensions"] == ("citext", "hstore", "pgcrypto")
    assert intent.params["description"] == "hi, there"


def test_only_a_key_value_word_carries_on_after_a_comma(catalog: Catalog) -> None:
    assert problems_of("request pg =a, billing env=dev", catalog) == [(ProblemCode.BAD_SYNTAX, None)]
    assert problems_of("request pg billing, env=dev", catalog) == [(ProblemCode.BAD_VALUE, "name")]


# --- approve, reject, transfer ---------------------------------------------------------------------


def test_approve_takes_a_request_id(catalog: Catalog) -> None:
    assert parse_command("approve pb-4", catalog) == ApproveCommand(request_id="PB-4")
    (problem,) = error_of("approve", catalog).problems
    assert problem.code is ProblemCode.MISSING_ARGUMENT and "/platform approve PB-17" in problem.message


def test_reject_keeps_the_whole_reason_as_typed(catalog: Catalog) -> None:
    command = parse_command("reject PB-4 too big, use size=small please", catalog)

    assert command == RejectCommand(request_id="PB-4", reason="too big, use size=small please")


def test_a_reason_and_an_echoed_word_read_as_typed_not_as_slacks_entities(catalog: Catalog) -> None:
    # Slack sends a typed `<` `>` `&` as entities; the answer's rendering escapes them once more.
    command = parse_command("reject PB-4 not &lt;yours&gt; &amp; <!channel>", catalog)
    assert command == RejectCommand(request_id="PB-4", reason="not <yours> & <!channel>")
    (problem,) = error_of("transfer PB-4 team=&lt;x&gt;", catalog).problems
    assert "team=<x>" in problem.message and "&lt;" not in problem.message


def test_reject_without_a_reason_is_refused(catalog: Catalog) -> None:
    (problem,) = error_of("reject PB-4", catalog).problems
    assert problem.code is ProblemCode.MISSING_ARGUMENT and "reason" in problem.message
    assert problems_of("reject", catalog) == [(ProblemCode.MISSING_ARGUMENT, None)]
    assert problems_of("reject PB-x because", catalog) == [(ProblemCode.BAD_ARGUMENT, None)]


def test_transfer_names_the_request_and_the_team(catalog: Catalog) -> None:
    assert parse_command("transfer 3 team=Payments", catalog) == TransferCommand(
        request_id="PB-3", team="Payments"
    )
    assert parse_command("transfer team=search PB-3", catalog) == TransferCommand(
        request_id="PB-3", team="search"
    )


def test_transfer_needs_exactly_one_well_formed_team(catalog: Catalog) -> None:
    (missing,) = error_of("transfer PB-3", catalog).problems
    assert missing.code is ProblemCode.MISSING_ARGUMENT and missing.expected == "team=<team>"
    assert "`/platform transfer PB-3 team=<team>`" in missing.message  # the id given, not an example's
    assert problems_of("transfer PB-3 team=a team=b", catalog) == [(ProblemCode.BAD_ARGUMENT, None)]
    assert problems_of("transfer PB-3 team=!!", catalog) == [(ProblemCode.BAD_ARGUMENT, None)]
    assert problems_of("transfer PB-3 owner=x", catalog) == [
        (ProblemCode.UNEXPECTED_ARGUMENT, None),
        (ProblemCode.MISSING_ARGUMENT, None),
    ]


def test_costs_reads_an_optional_team(catalog: Catalog) -> None:
    assert parse_command("costs", catalog) == CostsCommand(team=None)
    assert parse_command("COSTS Payments", catalog) == CostsCommand(team="payments")
    (problem,) = error_of("costs pay/ments", catalog).problems
    assert problem.code is ProblemCode.BAD_ARGUMENT
    (problem,) = error_of("costs payments search", catalog).problems
    assert problem.code is ProblemCode.BAD_ARGUMENT and "not both" in problem.message


def test_costs_reads_a_golden_path_by_name_or_alias_and_a_30_or_90_day_window(catalog: Catalog) -> None:
    assert parse_command("costs pg 90d", catalog) == CostsCommand(path="postgres-database", days=90)
    assert parse_command("costs 90D payments", catalog) == CostsCommand(team="payments", days=90)
    assert parse_command("costs 30d", catalog) == CostsCommand(days=30)
    (problem,) = error_of("costs payments 7d", catalog).problems
    assert problem.code is ProblemCode.BAD_ARGUMENT and "30d or 90d" in problem.message
    (problem,) = error_of("costs 30d 90d", catalog).problems
    assert problem.code is ProblemCode.BAD_ARGUMENT
    codes = [p.code for p in error_of("costs a b c", catalog).problems]
    assert ProblemCode.UNEXPECTED_ARGUMENT in codes  # two words at most
