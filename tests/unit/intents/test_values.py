"""Value checking for every parameter type, through the test catalog (tests/unit/intents/conftest.py)."""

from __future__ import annotations

import pytest

from intents import Catalog, IntentError, ParamSpec, ParamType, ProblemCode, parse_intent
from intents.values import BadValue, check_value, expected_words, is_blank


def params(catalog: Catalog, text: str = "") -> dict[str, object]:
    return dict(parse_intent(f"sink abc {text}", catalog).params)


def refused(catalog: Catalog, text: str) -> list[tuple[str | None, str | None]]:
    with pytest.raises(IntentError) as caught:
        parse_intent(f"sink abc {text}", catalog)
    return [(p.key, p.expected) for p in caught.value.problems]


def test_defaults_are_filled_and_optional_params_without_default_stay_absent(sink: Catalog) -> None:
    assert parse_intent("sink abc", sink).model_dump() == {
        "path": "kitchen-sink",
        "name": "abc",
        "env": "dev",
        "params": {"replicas": 2, "debug": False},
    }


def test_int_values_are_whole_numbers_in_range(sink: Catalog) -> None:
    assert params(sink, "replicas=+7 port=8080 weight=-3 any_int=007") == {
        "replicas": 7,
        "port": 8080,
        "weight": -3,
        "any_int": 7,
        "debug": False,
    }
    assert refused(sink, "replicas=11") == [("replicas", "a whole number from 1 to 10")]
    assert refused(sink, "port=80") == [("port", "a whole number at least 1024")]
    assert refused(sink, "weight=6") == [("weight", "a whole number at most 5")]
    assert refused(sink, "any_int=1.5") == [("any_int", "a whole number")]
    assert refused(sink, "any_int=\u0661") == [("any_int", "a whole number")]  # Arabic-Indic digit one


def test_bool_values_accept_common_words(sink: Catalog) -> None:
    for word, value in [
        ("true", True),
        ("YES", True),
        ("on", True),
        ("1", True),
        ("no", False),
        ("Off", False),
    ]:
        assert params(sink, f"debug={word}")["debug"] is value
    assert refused(sink, "debug=maybe") == [("debug", "true or false")]


def test_enum_values_are_exact_with_suggestions(sink: Catalog) -> None:
    assert params(sink, "tier=gold")["tier"] == "gold"
    with pytest.raises(IntentError) as caught:
        parse_intent("sink abc tier=Gold", sink)
    assert caught.value.problems[0].suggestions == ("gold",)


def test_string_length_bounds(sink: Catalog) -> None:
    assert params(sink, "note=ok")["note"] == "ok"
    assert refused(sink, "note=x") == [("note", "text, from 2 to 20 characters")]
    assert refused(sink, "title=ab") == [("title", "text, at least 3 characters")]
    assert params(sink, "motto=' spaced out '")["motto"] == "spaced out"


def test_list_item_count_and_allow_list(sink: Catalog) -> None:
    assert params(sink, "zones=c,a tags=x,y")["zones"] == ("a", "c")
    assert refused(sink, "tags=a,b,c,d") == [("tags", "a comma-separated list, at most 3 items")]
    assert refused(sink, 'zones=""') == [("zones", "a comma-separated list of: a, b, c, at least 1 item")]
    assert refused(sink, "zones=a,d") == [("zones", "a comma-separated list of: a, b, c, at least 1 item")]


def test_env_must_be_one_of_the_paths_environments(sink: Catalog) -> None:
    assert parse_intent("sink abc env=prod", sink).env == "prod"
    assert refused(sink, "env=staging") == [("env", "one of: dev, prod")]


def test_blank_values_mean_not_given(sink: Catalog) -> None:
    assert params(sink, 'motto="  " replicas=') == {"replicas": 2, "debug": False}


def test_secret_values_are_never_echoed(sink: Catalog) -> None:
    assert params(sink, "api_token=abcd1234")["api_token"] == "abcd1234"
    with pytest.raises(IntentError) as caught:
        parse_intent("sink abc api_token=hunter2 api_token=hunter3", sink)
    text = str(caught.value) + repr(caught.value.problems) + repr(caught.value.given)
    assert "hunter" not in text
    assert [p.code for p in caught.value.problems] == [ProblemCode.BAD_VALUE, ProblemCode.DUPLICATE_KEY]
    assert caught.value.given == {"name": "abc", "api_token": "***"}


def test_form_lists_and_single_item_lists(sink: Catalog) -> None:
    intent = sink.build_intent("sink", {"name": ["abc"], "zones": ["b", "a,c"], "tags": []})
    assert intent.params["zones"] == ("a", "b", "c") and intent.params["tags"] == ()
    with pytest.raises(IntentError) as caught:
        sink.build_intent("sink", {"name": ["abc", "def"]})
    assert "give exactly one value" in caught.value.problems[0].message


def test_blank_list_of_texts_is_not_given_for_single_values(sink: Catalog) -> None:
    assert (
        sink.build_intent("sink", {"name": "abc", "motto": ["", " "], "note": None}).params.get("motto")
        is None
    )


def test_odd_characters_and_overlong_values_from_forms_are_refused(sink: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        sink.build_intent("sink", {"name": "abc", "motto": "a\x07b", "note": "x" * 3000})
    reasons = [p.message for p in caught.value.problems]
    assert "control character" in reasons[0] and "longer than 2000" in reasons[1]


def test_unknown_key_from_a_form_is_reported(sink: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        sink.build_intent("sink", {"name": "abc", "Replica-s": "2"})
    assert caught.value.problems[0].key == "replica_s"
    assert caught.value.problems[0].suggestions[0] == "replicas"


def test_check_value_and_helpers_directly() -> None:
    spec = ParamSpec(type=ParamType.STRING, allowed=("x",))
    assert check_value(spec, "x", None) == "x"
    with pytest.raises(BadValue):
        check_value(spec, "y", None)
    assert is_blank(ParamSpec(type=ParamType.LIST), "") is False
    assert expected_words(ParamSpec(type=ParamType.LIST), None) == "a comma-separated list"


def test_a_short_slack_user_id_is_an_owner() -> None:
    # The README's and the example: `service name=demo team=platform language=python owners=U1`.
    from intents import DEFAULT_CATALOG_PATH, load_catalog, parse_intent

    intent = parse_intent(
        "service name=demo team=platform language=python owners=U1", load_catalog(DEFAULT_CATALOG_PATH)
    )
    assert intent.params["owners"] == ("U1",)
