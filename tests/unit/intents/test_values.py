"""Value checking for every parameter type, through the test catalog (tests/unit/intents/conftest.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intents import (
    Catalog,
    IntentError,
    NamedPattern,
    ParamSpec,
    ParamType,
    Problem,
    ProblemCode,
    load_catalog,
    parse_catalog,
    parse_intent,
)
from intents.values import (
    BadValue,
    Reference,
    check_value,
    expected_words,
    is_blank,
    resolve_reference,
    split_items,
)

SHIPPED = load_catalog()  # module level: hypothesis does not mix with function-scoped fixtures


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
        "credentials_version": 0,
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


def test_an_empty_or_too_long_list_is_worded_as_people_read_it(sink: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_intent('sink abc zones=""', sink)
    # No empty code span (`` is raw markup in Slack) and no "(it has 0 items)".
    assert caught.value.problems[0].message.startswith("`zones` cannot be empty: expected")
    with pytest.raises(IntentError) as caught:
        parse_intent("sink abc tags=a,b,c,d", sink)
    assert "`tags` cannot be `a,b,c,d` (it has 4 items): expected" in caught.value.problems[0].message


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


# --- Slack people and channels (parameters whose pattern is slack-user-id / slack-channel-id) ---

SERVICE = "request service demo team=payments language=go"

REFERENCES = """\
version: 1
patterns:
  platform-name: {regex: "[a-z][a-z0-9-]{2,39}", words: lower-case words}
  slack-user-id: {regex: "[UW][A-Z0-9]{1,20}", words: a Slack user id}
  slack-channel-id: {regex: "[CG][A-Z0-9]{1,20}", words: a Slack channel id}
paths:
  - name: notify
    description: Where alerts go.
    owner: team-test
    program: notify
    environments: [dev]
    default_env: dev
    parameters:
      name: {type: string, required: true, pattern: platform-name}
      lead: {type: string, pattern: slack-user-id}
      channel: {type: string, pattern: slack-channel-id}
      channels: {type: list, pattern: slack-channel-id}
"""


def owners(catalog: Catalog, value: str) -> object:
    return parse_intent(f"{SERVICE} owners={value}", catalog).params["owners"]


def owner_problem(catalog: Catalog, value: str) -> Problem:
    with pytest.raises(IntentError) as caught:
        parse_intent(f"{SERVICE} owners={value}", catalog)
    (problem,) = caught.value.problems
    return problem


@pytest.fixture(scope="module")
def notify() -> Catalog:
    return parse_catalog(REFERENCES)


def test_owner_given_as_slack_mention_is_the_user_id(catalog: Catalog) -> None:
    assert owners(catalog, "<@U0DEV2|dana>") == ("U0DEV2",)
    assert owners(catalog, "<@U0DEV2>") == ("U0DEV2",)


def test_a_raw_user_id_is_still_accepted(catalog: Catalog) -> None:
    assert owners(catalog, "U0REQ") == ("U0REQ",)


def test_owner_lists_of_mentions_with_or_without_spaces_after_commas(catalog: Catalog) -> None:
    assert owners(catalog, "<@U1|a>,<@U2|b>") == ("U1", "U2")
    assert owners(catalog, "<@U1|a>, <@U2|b>,  U3") == ("U1", "U2", "U3")


def test_a_mention_label_with_spaces_or_commas_stays_one_owner(catalog: Catalog) -> None:
    assert owners(catalog, "<@U1|riley smith>, <@U2|Smith, Jo>") == ("U1", "U2")
    assert parse_intent(f"{SERVICE} owners=<@U1|riley smith>", catalog).params["team"] == "payments"


def test_a_typed_at_name_is_refused_with_how_to_pick_the_person(catalog: Catalog) -> None:
    problem = owner_problem(catalog, "@Riley")

    assert problem.code is ProblemCode.BAD_VALUE and problem.key == "owners"
    assert "`@Riley` is typed text, not a mention" in problem.message
    assert "Type @ and pick the person from Slack's autocomplete list" in problem.message
    assert problem.expected and "@-mentioned" in problem.expected


def test_app_homes_old_example_owners_at_you_is_refused_the_same_way(catalog: Catalog) -> None:
    assert "pick the person from Slack's autocomplete" in owner_problem(catalog, "@you").message


def test_a_channel_or_a_group_where_people_are_expected_is_named_for_what_it_is(catalog: Catalog) -> None:
    assert "`#general` is a channel, not a person" in owner_problem(catalog, "<#C1|general>").message
    group = owner_problem(catalog, "<!subteam^S0SEC|@security>").message
    assert "`@security` is a group of people" in group and "Name each person" in group
    assert "`@S0SEC` is a group" in owner_problem(catalog, "<!subteam^S0SEC>").message
    assert "`@here` is a group" in owner_problem(catalog, "<!here>").message


def test_html_entities_in_a_mention_label_are_read_back(catalog: Catalog) -> None:
    assert "`#R&D` is a channel" in owner_problem(catalog, "<#C1|R&amp;D>").message


def test_channels_given_as_slack_references_are_the_channel_id(notify: Catalog) -> None:
    intent = parse_intent("notify alerts channel=<#C0OPS|ops> channels=<#C1|a b>,C2 lead=<@U1|riley>", notify)
    assert intent.params == {"lead": "U1", "channel": "C0OPS", "channels": ("C1", "C2")}


def test_a_person_where_a_channel_is_expected_or_a_typed_hash_name_is_refused(notify: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_intent("notify alerts channel=<@U1|riley> channels=#ops lead=<#C1>", notify)
    messages = [p.message for p in caught.value.problems]
    assert "`@riley` is a person, not a channel" in messages[0]
    assert "Type # and pick the channel from Slack's autocomplete list" in messages[1]
    assert "`#C1` is a channel, not a person" in messages[2]
    assert caught.value.problems[0].expected == (
        "a channel, #-mentioned or given as a Slack channel id such as C123ABC"
    )


def test_expected_words_for_one_person(notify: Catalog) -> None:
    spec = notify.paths[0].specs["lead"]
    assert expected_words(spec, notify.pattern_for(spec)) == (
        "a person, @-mentioned or given as a Slack user id such as U123ABC"
    )


def test_split_items_keeps_commas_inside_slack_markup() -> None:
    assert split_items("<@U1|Smith, Jo>,b,,<#C1|x,y>") == ["<@U1|Smith, Jo>", "b", "", "<#C1|x,y>"]


def test_resolve_reference_passes_other_text_on_to_the_pattern_check() -> None:
    assert resolve_reference(Reference.USER, "U123") == "U123"
    assert resolve_reference(Reference.USER, "<https://x.example|x>") == "<https://x.example|x>"


SLACK_ID = st.builds(
    str.__add__,
    st.sampled_from("UW"),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20),
)
# A label is what Slack shows: any printable text but the markup brackets (Slack sends them as entities).
LABEL = st.text(
    st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), exclude_characters="<>"),
    max_size=30,
)


@settings(database=None, deadline=None)
@given(user_id=SLACK_ID, label=LABEL)
def test_any_user_rendered_as_a_slack_mention_round_trips_to_its_id(user_id: str, label: str) -> None:
    intent = parse_intent(f"{SERVICE} owners=<@{user_id}|{label}>", SHIPPED)
    assert intent.params["owners"] == (user_id,)


@settings(database=None, deadline=None)
@given(
    ids=st.lists(SLACK_ID, min_size=1, max_size=10, unique=True),
    labels=st.lists(LABEL, min_size=10, max_size=10),
    spaced=st.booleans(),
)
def test_any_list_of_mentions_round_trips_to_its_ids(ids: list[str], labels: list[str], spaced: bool) -> None:
    value = (", " if spaced else ",").join(f"<@{i}|{label}>" for i, label in zip(ids, labels, strict=False))
    assert parse_intent(f"{SERVICE} owners={value}", SHIPPED).params["owners"] == tuple(sorted(ids))


def test_a_list_with_an_ordinary_pattern_names_the_patterns_words() -> None:
    spec = ParamSpec(type=ParamType.LIST, pattern="zone", max=3)
    pattern = NamedPattern(regex="[a-z]", words="one letter")
    assert (
        expected_words(spec, pattern)
        == "a comma-separated list of items that are one letter, at most 3 items"
    )


def test_owners_typed_the_way_slacks_composer_leaves_them_are_all_read(catalog: Catalog) -> None:
    assert owners(catalog, "<@U1|dana> , <@U2|riley>") == ("U1", "U2")
    assert owners(catalog, "<@U1|dana> <@U2|riley smith>") == ("U1", "U2")
