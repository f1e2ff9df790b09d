"""Intent: the canonical one-line form."""

from __future__ import annotations

from intents import Catalog, Intent, parse_intent
from intents.intent import format_value


def test_describe_gives_the_canonical_one_line_form(catalog: Catalog) -> None:
    intent = parse_intent("postgres billing extensions=pgcrypto,citext env=staging", catalog)
    assert (
        intent.describe()
        == "postgres-database name=billing env=staging size=small extensions=citext,pgcrypto"
    )


def test_describe_parses_back_to_the_same_intent(catalog: Catalog) -> None:
    intent = parse_intent('pg billing env=prod description="the \\"billing\\" db"', catalog)
    assert intent.describe().endswith('description="the \\"billing\\" db"')
    assert parse_intent(intent.describe(), catalog) == intent


def test_empty_list_is_written_as_empty_quotes(catalog: Catalog) -> None:
    intent = parse_intent("pg billing env=dev", catalog)
    assert 'extensions=""' in intent.describe()
    assert parse_intent(intent.describe(), catalog) == intent


def test_describe_can_redact_secret_values() -> None:
    intent = Intent(path="p", name="n", env="dev", params={"token": "s3cret", "note": "a b"})
    assert intent.describe(redact={"token"}) == 'p name=n env=dev token=*** note="a b"'


def test_values_are_formatted_as_the_grammar_reads_them() -> None:
    assert [format_value(v) for v in (True, False, 7, ("a", "b"), "x")] == ["true", "false", "7", "a,b", "x"]


def test_intents_are_frozen_and_hashable_by_value(catalog: Catalog) -> None:
    one = parse_intent("pg billing env=dev", catalog)
    two = parse_intent("pg billing env=dev", catalog)
    assert one == two and one is not two
