"""Raw text handling: length, odd characters, tokens and quoting."""

from __future__ import annotations

import pytest

from intents import Catalog, IntentError, ProblemCode, parse_command
from intents.text import (
    MAX_INPUT_CHARS,
    Token,
    clean_text,
    odd_character,
    quote,
    shorten,
    tokenize,
    unescape_entities,
)


def test_overlong_input_is_a_clear_error(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("help " + "x" * MAX_INPUT_CHARS, catalog)
    (problem,) = caught.value.problems
    assert problem.code is ProblemCode.BAD_INPUT and "limit is 2000" in problem.message


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("help\x00", "control character (U+0000)"),
        ("help \x1b[31m", "control character (U+001B)"),
        ("request pg bill\u200bing", "ZERO WIDTH SPACE"),
        ("request pg billing\u202e", "RIGHT-TO-LEFT OVERRIDE"),
        ("help \ud800", "U+D800"),
        ("help \ue000", "U+E000"),
        ("help \U000e0001", "LANGUAGE TAG"),
    ],
)
def test_control_and_invisible_characters_are_refused_with_position(
    catalog: Catalog, text: str, what: str
) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command(text, catalog)
    (problem,) = caught.value.problems
    assert problem.code is ProblemCode.BAD_INPUT and what in problem.message
    assert problem.position is not None


def test_tabs_newlines_and_unicode_spaces_separate_words(catalog: Catalog) -> None:
    assert tokenize(clean_text("a\tb\nc\u00a0d\u3000e")) == [
        Token("a", None, 0, "a"),
        Token("b", None, 2, "b"),
        Token("c", None, 4, "c"),
        Token("d", None, 6, "d"),
        Token("e", None, 8, "e"),
    ]


def test_text_is_nfc_normalised() -> None:
    assert clean_text("cafe\u0301") == "caf\u00e9"


def test_odd_character_is_none_for_ordinary_text() -> None:
    assert odd_character("billing db \u00e9 \U0001f600\t\n") is None


def test_key_value_tokens_split_at_the_first_unquoted_equals() -> None:
    assert tokenize("a=b=c") == [Token("b=c", "a", 0, "a=b=c")]
    assert tokenize('"a=b"') == [Token("a=b", None, 0, '"a=b"')]
    assert tokenize('"size"=small') == [Token("small", "size", 0, '"size"=small')]
    assert tokenize("key=") == [Token("", "key", 0, "key=")]


def test_backslash_escapes_inside_quotes_only() -> None:
    assert tokenize(r'd="say \"hi\" \\ ok"') == [Token('say "hi" \\ ok', "d", 0, r'd="say \"hi\" \\ ok"')]
    assert tokenize(r"d=a\b") == [Token(r"a\b", "d", 0, r"d=a\b")]


def test_text_after_a_closing_quote_is_appended() -> None:
    assert [t.value for t in tokenize("d='a b'c\"")] == ['a bc"']


def test_unclosed_quote_reports_where_it_opened() -> None:
    with pytest.raises(IntentError) as caught:
        tokenize('x d="abc\\')
    (problem,) = caught.value.problems
    assert problem.position == 4 and "never closed" in problem.message


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "",
        "two words",
        '"quoted"',
        "'single'",
        "\u201ccurly\u201d",
        'back\\slash "x"',
        "a\u00a0b",
        "=x",
        "&amp;",
        "<@U1|a b>",
        "<@U1|x>",
    ],
)
def test_quote_reads_back_unchanged(value: str) -> None:
    assert tokenize("k=" + quote(value)) == [Token(value, "k", 0, "k=" + quote(value))]


def test_quote_leaves_plain_values_bare() -> None:
    assert quote("billing") == "billing"
    assert quote("a,b") == "a,b"
    assert quote("two words") == '"two words"'


def test_shorten_keeps_echoes_short() -> None:
    assert shorten("x" * 100) == "x" * 59 + "…"
    assert shorten("short") == "short"


def test_a_slack_mention_with_spaces_in_its_label_is_one_value() -> None:
    tokens = tokenize("owners=<@U1|riley smith>, <@U2|dana d> team=x")
    assert [(t.key, t.value) for t in tokens] == [
        ("owners", "<@U1|riley smith>,"),
        (None, "<@U2|dana d>"),
        ("team", "x"),
    ]


def test_equals_and_quotes_inside_slack_markup_are_part_of_it() -> None:
    (token,) = tokenize('<https://x.example/?a=b|"x">')
    assert (token.key, token.value) == (None, '<https://x.example/?a=b|"x">')


def test_a_less_than_sign_that_opens_no_markup_is_an_ordinary_character() -> None:
    assert [t.value for t in tokenize("a<b c <@U1")] == ["a<b", "c", "<@U1"]


def test_slacks_entities_read_as_their_characters_in_and_out_of_quotes() -> None:
    tokens = tokenize('description="R&amp;D &lt;team&gt;" note=a&amp;b&c')
    assert [t.value for t in tokens] == ["R&D <team>", "a&b&c"]


def test_quote_keeps_a_literal_entity_from_being_read_as_one() -> None:
    assert quote("&amp;") == '"\\&amp;"'
    assert quote("R&D") == "R&D"
    assert tokenize("k=" + quote("a &lt; b"))[0].value == "a &lt; b"
    assert unescape_entities("&amp;lt; &gt;") == "&lt; >"


def test_spaces_before_a_comma_do_not_end_the_word() -> None:
    # Slack's client follows a picked mention with a space; people then type the comma.
    tokens = tokenize("owners=<@U1|dana> , <@U2|riley> ,U3 x=1")
    assert [(t.key, t.value) for t in tokens] == [
        ("owners", "<@U1|dana>,"),
        (None, "<@U2|riley>,U3"),
        ("x", "1"),
    ]
    assert tokens[0].raw == "owners=<@U1|dana> ,"


def test_mentions_separated_only_by_spaces_read_as_a_list() -> None:
    tokens = tokenize("owners=<@U1|dana> <@U2|riley smith>  <#C1> team=x <@U3>")
    assert [(t.key, t.value) for t in tokens] == [
        ("owners", "<@U1|dana>,<@U2|riley smith>,<#C1>"),
        ("team", "x"),
        (None, "<@U3>"),
    ]
    # Only after a key=value: a bare mention followed by another stays two words.
    assert [t.value for t in tokenize("<@U1> <@U2>")] == ["<@U1>", "<@U2>"]


def test_an_echoed_value_cannot_end_the_code_span_it_is_shown_in() -> None:
    echoed = shorten("`x`*bold*")
    assert "`" not in echoed and echoed == "\u02cbx\u02cb*bold*"
