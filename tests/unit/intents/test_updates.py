"""`/platform update` and `/platform rotate`: the grammar, and the live intent with changes applied."""

from __future__ import annotations

import pytest

from intents import (
    Catalog,
    Intent,
    IntentError,
    ProblemCode,
    RotateCommand,
    UpdateCommand,
    parse_command,
    parse_intent,
    updated_intent,
)

BILLING = "postgres-database billing env=staging size=small extensions=pgcrypto"


def live(catalog: Catalog, text: str = BILLING, version: int = 0) -> Intent:
    return parse_intent(text, catalog).model_copy(update={"credentials_version": version})


def problems(error: IntentError) -> list[tuple[ProblemCode, str | None]]:
    return [(p.code, p.key) for p in error.problems]


def test_update_reads_the_request_id_and_the_changes_in_order(catalog: Catalog) -> None:
    command = parse_command("update pb-7 Size=medium max-conns=3", catalog)

    assert command == UpdateCommand(request_id="PB-7", changes=(("size", "medium"), ("max_conns", "3")))


def test_update_reads_a_list_written_with_spaces_after_its_commas(catalog: Catalog) -> None:
    command = parse_command("update PB-7 extensions=pgcrypto, citext size=large", catalog)

    assert isinstance(command, UpdateCommand)
    assert command.changes == (("extensions", "pgcrypto, citext"), ("size", "large"))


def test_update_without_changes_says_what_to_give(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("update PB-7", catalog)

    [problem] = caught.value.problems
    assert problem.code is ProblemCode.MISSING_ARGUMENT
    assert "/platform update PB-7 size=medium" in problem.message


def test_update_lists_every_problem_of_its_words(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("update size=medium stray =x", catalog)

    codes = [p.code for p in caught.value.problems]
    assert codes == [ProblemCode.UNEXPECTED_ARGUMENT, ProblemCode.BAD_ARGUMENT, ProblemCode.MISSING_ARGUMENT]
    assert "needs a request id" in caught.value.problems[-1].message


def test_update_refuses_a_word_that_is_no_request_id(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("update billing size=medium", catalog)

    assert problems(caught.value) == [(ProblemCode.BAD_ARGUMENT, None)]


def test_rotate_takes_one_request_id(catalog: Catalog) -> None:
    assert parse_command("rotate 12", catalog) == RotateCommand(request_id="PB-12")
    with pytest.raises(IntentError):
        parse_command("rotate", catalog)


def test_an_update_changes_only_the_keys_given_and_keeps_the_credentials_version(catalog: Catalog) -> None:
    before = live(catalog, version=2)

    after = updated_intent(catalog, before, [("size", "medium")])

    assert after.params["size"] == "medium"
    assert after.params["extensions"] == ("pgcrypto",)
    assert (after.name, after.env, after.credentials_version) == ("billing", "staging", 2)


def test_an_update_checks_values_as_a_request_does(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        updated_intent(catalog, live(catalog), [("size", "huge"), ("extensions", "pgcrypto, citext")])

    assert problems(caught.value) == [(ProblemCode.BAD_VALUE, "size")]
    assert caught.value.problems[0].suggestions == ()
    assert caught.value.path == "postgres-database"


def test_an_update_lists_unknown_fixed_and_repeated_keys_together(catalog: Catalog) -> None:
    changes = [("name", "other"), ("env", "prod"), ("sise", "large"), ("size", "large"), ("size", "medium")]

    with pytest.raises(IntentError) as caught:
        updated_intent(catalog, live(catalog), changes)

    found = problems(caught.value)
    assert (ProblemCode.FIXED_KEY, "name") in found and (ProblemCode.FIXED_KEY, "env") in found
    assert (ProblemCode.UNKNOWN_KEY, "sise") in found and (ProblemCode.DUPLICATE_KEY, "size") in found
    unknown = next(p for p in caught.value.problems if p.code is ProblemCode.UNKNOWN_KEY)
    assert unknown.suggestions == ("size",)
    fixed = next(p for p in caught.value.problems if p.key == "name")
    assert "request a new one" in fixed.message


def test_the_bot_can_fix_more_keys_with_its_reason(catalog: Catalog) -> None:
    service = parse_intent("service api team=payments language=python owners=U0AAA", catalog)

    with pytest.raises(IntentError) as caught:
        updated_intent(catalog, service, [("team", "search")], fixed={"team": "ask a platform admin"})

    [problem] = caught.value.problems
    assert problem.code is ProblemCode.FIXED_KEY and "ask a platform admin" in problem.message


def test_the_expiry_is_not_changed_by_an_update(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        updated_intent(catalog, live(catalog), [("ttl", "3d")])

    assert problems(caught.value) == [(ProblemCode.FIXED_KEY, "ttl")]
    assert "Extend and Keep" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("changes", "wording"),
    [
        ([("size", "small")], "`size` already has the value given"),
        ([("size", "small"), ("extensions", "pgcrypto")], "`size`, `extensions` already have the values"),
    ],
)
def test_an_update_that_changes_nothing_is_refused(
    catalog: Catalog, changes: list[tuple[str, str]], wording: str
) -> None:
    with pytest.raises(IntentError) as caught:
        updated_intent(catalog, live(catalog), changes)

    [problem] = caught.value.problems
    assert problem.code is ProblemCode.NO_CHANGE and wording in problem.message


def test_an_intent_of_a_path_no_longer_offered_cannot_be_updated(catalog: Catalog) -> None:
    gone = Intent(path="mongo", name="x", env="dev")

    with pytest.raises(IntentError) as caught:
        updated_intent(catalog, gone, [("size", "large")])

    assert problems(caught.value) == [(ProblemCode.UNKNOWN_PATH, None)]


def test_the_credentials_version_is_never_negative() -> None:
    with pytest.raises(ValueError):
        Intent(path="p", name="n", env="dev", credentials_version=-1)
