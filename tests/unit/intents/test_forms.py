"""Forms: the neutral description a Slack modal is drawn from, and back into an Intent."""

from __future__ import annotations

import pytest

from intents import (
    Catalog,
    FormOption,
    IntentError,
    NamedPattern,
    ParamSpec,
    ParamType,
    build_form,
    intent_from_form,
    parse_command,
)
from intents.values import Reference


def test_form_lists_every_parameter_with_types_options_and_defaults(catalog: Catalog) -> None:
    form = build_form(catalog, "pg")
    assert (form.path, form.title) == ("postgres-database", "New postgres-database")
    assert [f.key for f in form.fields] == ["name", "env", "size", "extensions", "description", "ttl"]
    size = form.field("size")
    assert (size.type, size.required, size.multiple, size.default) == (ParamType.ENUM, False, False, "small")
    assert size.options == tuple(FormOption(value=v, label=v) for v in ("small", "medium", "large"))
    extensions = form.field("extensions")
    assert (extensions.multiple, extensions.default) == (True, ())
    name = form.field("name")
    assert name.required and name.expected.startswith("lower-case letters") and name.help
    assert form.field("env").options[0].value == "dev" and form.field("env").label == "Environment"
    assert form.field("description").max == 200 and form.errors == ()


def test_failed_request_becomes_a_prefilled_form_with_errors_per_field(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("request pg Billing size=huge extensions=citext,foo sise=1", catalog)
    error = caught.value
    assert error.path is not None
    form = build_form(catalog, error.path, error.given, error.problems)
    assert form.field("name").current == "Billing"
    assert form.field("name").error is not None and "billing" in form.field("name").error
    assert form.field("env").error == "`env` is required for `postgres-database`: one of: dev, staging, prod."
    assert form.field("extensions").current == ("citext", "foo")
    assert form.field("description").current is None and form.field("description").error is None
    assert len(form.errors) == 1 and "sise" in form.errors[0]


def test_form_values_go_back_through_the_same_validation(catalog: Catalog) -> None:
    values = {
        "name": "billing",
        "env": "prod",
        "size": "",
        "extensions": ["pgcrypto", "citext"],
        "description": "",
    }
    intent = intent_from_form(catalog, "postgres-database", values)
    assert (
        intent.describe() == "postgres-database name=billing env=prod size=small extensions=citext,pgcrypto"
    )
    with pytest.raises(IntentError) as caught:
        intent_from_form(catalog, "postgres-database", {"name": "Billing", "env": "qa"})
    assert [p.key for p in caught.value.problems] == ["name", "env"]


def test_bool_fields_offer_true_and_false_and_secrets_are_not_prefilled(sink: Catalog) -> None:
    form = build_form(sink, "sink", {"API_TOKEN": "abcd1234", "Debug": "yes", "tags": "a, b"})
    assert [o.value for o in form.field("debug").options] == ["true", "false"]
    assert form.field("debug").current == "yes" and form.field("debug").default == "false"
    token = form.field("api_token")
    assert (token.secret, token.current, token.label) == (True, None, "API token")
    assert form.field("tags").current == ("a", "b")
    assert form.field("any_int").label == "Any int"


def test_long_titles_fit_slack(sink: Catalog) -> None:
    long = sink.model_copy(
        update={"paths": (sink.paths[0].model_copy(update={"name": "a-very-long-golden-path-name"}),)}
    )
    assert build_form(long, "a-very-long-golden-path-name").title == "New a-very-long-golden-…"


def test_form_for_unknown_path_raises(catalog: Catalog) -> None:
    with pytest.raises(IntentError):
        build_form(catalog, "postgress")


def test_owners_field_is_a_people_field_filled_with_the_ids_of_mentions(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("request service demo owners=<@U0DEV2|dana d>, @Riley,U0REQ,alice", catalog)
    error = caught.value
    form = build_form(catalog, "service", error.given, error.problems)

    owners = form.field("owners")
    assert (owners.reference, owners.multiple) == (Reference.USER, True)
    # Only what names someone can preselect a people picker; the error says what was left out.
    assert owners.current == ("U0DEV2", "U0REQ")
    assert owners.error is not None and "@Riley" in owners.error
    assert form.field("team").reference is None


def test_a_single_person_or_channel_field_holds_the_id(sink: Catalog) -> None:
    lead = ParamSpec(type=ParamType.STRING, pattern="slack-user-id")
    room = ParamSpec(type=ParamType.STRING, pattern="slack-channel-id")
    path = sink.paths[0]
    catalog = sink.model_copy(
        update={
            "patterns": {
                **sink.patterns,
                "slack-user-id": NamedPattern(regex="U[A-Z0-9]+", words="a user id"),
                "slack-channel-id": NamedPattern(regex="C[A-Z0-9]+", words="a channel id"),
            },
            "paths": (
                path.model_copy(update={"parameters": {**path.parameters, "lead": lead, "room": room}}),
            ),
        }
    )
    form = build_form(catalog, "sink", {"lead": "<@U1|riley>", "room": "<#C1|ops>", "motto": "a, b"})
    assert (form.field("lead").current, form.field("lead").reference) == ("U1", Reference.USER)
    assert (form.field("room").current, form.field("room").reference) == ("C1", Reference.CHANNEL)
    assert form.field("motto").current == "a, b"
    assert (
        intent_from_form(catalog, "sink", {"name": "abc", "lead": "U1", "room": "C1"}).params["lead"] == "U1"
    )


def test_people_picked_in_the_form_arrive_as_ids_and_are_accepted(catalog: Catalog) -> None:
    values = {"name": "demo", "team": "payments", "language": "go", "owners": ["U0REQ", "U0DEV2"]}
    assert intent_from_form(catalog, "service", values).params["owners"] == ("U0DEV2", "U0REQ")


def test_a_mention_that_comes_back_escaped_from_a_button_still_preselects_them(catalog: Catalog) -> None:
    form = build_form(catalog, "service", {"owners": "&lt;@U0DEV2|dana&gt;"})
    assert form.field("owners").current == ("U0DEV2",)
