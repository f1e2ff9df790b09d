"""Property tests: describe() round-trips, and no input makes the package raise anything but IntentError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intents import (
    COMMAND_WORDS,
    Catalog,
    GoldenPath,
    Intent,
    IntentError,
    ParamSpec,
    ParamType,
    RequestCommand,
    build_form,
    load_catalog,
    parse_catalog,
    parse_command,
    parse_intent,
)

from .conftest import KITCHEN_SINK

# Module-level catalogs: hypothesis does not mix with function-scoped fixtures.
SHIPPED = load_catalog()
SINK = parse_catalog(KITCHEN_SINK)

# No example database: it would leave a .hypothesis/ folder in the work tree. Example counts total
# 12,500 per run (1,200 + 1,000 + 7,000 + 2,500 + 800): valid intents cost ~10 ms each to generate,
# so the cheap fuzzers carry the bulk.
PROPERTY = settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters a person can type: anything but the categories the grammar refuses.
TYPABLE = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn"))
FREE_TEXT = st.text(TYPABLE, min_size=1, max_size=40)
FREE_ITEM = st.text(TYPABLE.filter(lambda c: c != ","), min_size=1, max_size=12)
LOWER = "abcdefghijklmnopqrstuvwxyz"
# The catalog's patterns, drawn directly: st.from_regex is several times slower.
FAST_PATTERNS = {
    "platform-name": st.builds(
        str.__add__, st.sampled_from(LOWER), st.text(LOWER + "0123456789-", min_size=2, max_size=39)
    ),
    "slack-user-id": st.builds(
        str.__add__, st.sampled_from("UW"), st.text(LOWER.upper() + "0123456789", min_size=2, max_size=20)
    ),
}


def value_for(catalog: Catalog, spec: ParamSpec) -> st.SearchStrategy[str | list[str]]:
    """Values the spec accepts, as a person or a form would give them."""
    pattern = catalog.pattern_for(spec)
    if spec.type is ParamType.ENUM:
        return st.sampled_from(spec.allowed)
    if spec.type is ParamType.BOOL:
        return st.sampled_from(["true", "false", "yes", "no", "on", "off", "1", "0"])
    if spec.type is ParamType.INT:
        low = spec.min if spec.min is not None else -(10**12)
        high = spec.max if spec.max is not None else 10**12
        return st.integers(low, high).map(str)
    if spec.type is ParamType.DURATION:
        # Any whole number of minutes the spec allows, written in a unit it divides (or in minutes).
        low, high = spec.min or 1, spec.max if spec.max is not None else 10**5
        return st.builds(
            lambda count, unit: f"{count // unit[0]}{unit[1]}" if count % unit[0] == 0 else f"{count}m",
            st.integers(low, high),
            st.sampled_from([(1, "m"), (60, "h"), (1440, "d"), (10080, "w")]),
        )
    item = FREE_TEXT
    if pattern is not None and spec.pattern in FAST_PATTERNS:
        item = FAST_PATTERNS[spec.pattern]
    elif pattern is not None:
        item = st.from_regex(pattern.regex, fullmatch=True)
    if spec.type is ParamType.STRING:
        return item.filter(lambda text: _length_ok(spec, text))
    items = st.sampled_from(spec.allowed) if spec.allowed else (item if pattern else FREE_ITEM)
    low = max(spec.min or 0, 1 if spec.required else 0)
    return st.lists(items, min_size=low, max_size=spec.max if spec.max is not None else 5, unique=True)


def _length_ok(spec: ParamSpec, text: str) -> bool:
    length = len(text.strip())
    return length >= max(spec.min or 0, 1) and (spec.max is None or length <= spec.max)


def intents_of(catalog: Catalog) -> st.SearchStrategy[Intent]:
    """Intents built from values a person could give, for every path of the catalog."""

    def for_path(path: GoldenPath) -> st.SearchStrategy[Intent]:
        specs = path.specs.items()
        values = st.fixed_dictionaries(
            {key: value_for(catalog, spec) for key, spec in specs if spec.required},
            optional={key: value_for(catalog, spec) for key, spec in specs if not spec.required},
        )
        return values.map(lambda given: catalog.build_intent(path.name, given))

    return st.one_of([for_path(path) for path in catalog.paths])


@settings(PROPERTY, max_examples=1200)
@given(intents_of(SHIPPED))
def test_describe_round_trips_for_the_shipped_catalog(intent: Intent) -> None:
    line = intent.describe()
    assert parse_intent(line, SHIPPED) == intent
    assert parse_command("request " + line, SHIPPED) == RequestCommand(intent=intent)


@settings(PROPERTY, max_examples=1000)
@given(intents_of(SINK))
def test_describe_round_trips_for_every_parameter_type(intent: Intent) -> None:
    assert parse_intent(intent.describe(), SINK) == intent


VOCABULARY = [
    *COMMAND_WORDS,
    "pg",
    "postgres-database",
    "service",
    "sink",
    "/platform",
    "name=",
    "env=",
    "size=",
    "extensions=",
    "owners=",
    "tags=",
    "replicas=",
    "api_token=",
    "=",
    '"',
    "'",
    "\u201c",
    "\\",
    ",",
    "PB-17",
    "7d",
    "dev",
    "prod",
]


def must_raise_only_intent_error(text: str, catalog: Catalog) -> None:
    try:
        parse_command(text, catalog)
    except IntentError as error:
        assert error.problems, "an IntentError always carries at least one problem"
        assert str(error)


@settings(PROPERTY, max_examples=7000)
@given(st.text(max_size=300))
def test_arbitrary_text_raises_only_intent_error(text: str) -> None:
    must_raise_only_intent_error(text, SHIPPED)


@settings(PROPERTY, max_examples=2500)
@given(st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=8)), max_size=8).map(" ".join))
def test_command_like_text_raises_only_intent_error(text: str) -> None:
    must_raise_only_intent_error(text, SINK)


FORM_VALUE = st.one_of(st.none(), st.text(max_size=20), st.lists(st.text(max_size=8), max_size=3))


@settings(PROPERTY, max_examples=800)
@given(
    st.sampled_from(["sink", "kitchen-sink", "nope"]),
    st.dictionaries(st.text(max_size=10), FORM_VALUE, max_size=6),
)
def test_form_values_raise_only_intent_error_and_always_give_a_form(
    path: str, values: dict[str, str | list[str] | None]
) -> None:
    try:
        SINK.build_intent(path, values)
    except IntentError as error:
        if error.path is not None:
            form = build_form(SINK, error.path, error.given, error.problems)
            assert len(form.fields) == len(SINK.paths[0].specs)


@pytest.mark.parametrize("text", ["request pg billing env=dev description=\u00e9\u0301"])
def test_combining_characters_survive_the_round_trip(text: str) -> None:
    intent = parse_intent(text, SHIPPED)
    assert parse_intent(intent.describe(), SHIPPED) == intent
