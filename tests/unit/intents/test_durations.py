"""ttl= on golden paths with a `ttl:` policy: the duration type, its bounds and the catalog checks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from intents import (
    TTL_KEY,
    CatalogError,
    IntentError,
    ParamType,
    format_duration,
    parse_catalog,
    parse_duration,
    parse_intent,
)

EXPIRING = """\
version: 1
patterns:
  platform-name:
    regex: "[a-z][a-z0-9-]{2,39}"
    words: lower-case letters, digits and hyphens, starting with a letter, 3 to 40 characters
paths:
  - name: preview-env
    description: A short-lived preview environment.
    owner: team-test
    program: preview-env
    environments: [dev]
    default_env: dev
    ttl: {max: 168h, extend: 1d%s}
    parameters:
      name: {type: string, required: true, pattern: platform-name}
"""


def catalog(extra: str = ""):  # type: ignore[no-untyped-def]
    return parse_catalog(EXPIRING % extra, source="expiring.yaml")


@pytest.mark.parametrize(
    ("text", "canonical", "length"),
    [
        ("90m", "90m", timedelta(minutes=90)),
        ("72h", "3d", timedelta(days=3)),
        ("36H", "36h", timedelta(hours=36)),
        (" 14d ", "2w", timedelta(weeks=2)),
    ],
)
def test_durations_read_in_any_unit_and_are_kept_in_the_largest_exact_one(
    text: str, canonical: str, length: timedelta
) -> None:
    assert parse_duration(text) == length
    assert format_duration(parse_duration(text)) == canonical


@pytest.mark.parametrize("text", ["", "3", "d", "0d", "1.5d", "3 days", "-1h", "1d12h"])
def test_text_that_is_not_one_positive_number_and_unit_is_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_a_duration_of_part_minutes_has_no_canonical_form() -> None:
    with pytest.raises(ValueError, match="whole minutes"):
        format_duration(timedelta(seconds=90))


def test_a_path_with_a_ttl_policy_takes_ttl_as_a_duration_up_to_its_max() -> None:
    path = catalog().paths[0]
    assert path.ttl is not None
    assert (path.ttl.max, path.ttl.extend, path.ttl.default) == ("1w", "1d", None)
    assert (path.ttl.longest, path.ttl.step) == (timedelta(weeks=1), timedelta(days=1))
    spec = path.specs[TTL_KEY]
    assert spec.type is ParamType.DURATION and not spec.required
    assert "at most 1w" in spec.help and "1d at a time" in spec.help
    intent = parse_intent("preview-env name=pr-123 ttl=72h", catalog())
    assert intent.params == {TTL_KEY: "3d"}
    assert parse_intent(intent.describe(), catalog()) == intent


def test_without_ttl_and_without_a_default_the_environment_does_not_expire() -> None:
    assert parse_intent("preview-env name=pr-123", catalog()).params == {}


def test_a_policy_default_written_as_null_is_no_default() -> None:
    path = catalog(", default: null").paths[0]
    assert path.ttl is not None and path.ttl.default is None


def test_a_policy_default_makes_every_request_expire() -> None:
    intent = parse_intent("preview-env name=pr-123", catalog(", default: 48h"))
    assert intent.params == {TTL_KEY: "2d"}


@pytest.mark.parametrize(
    ("given", "reason"),
    [("8d", "(it is longer than allowed)"), ("soon", "`ttl` cannot be `soon`:")],
)
def test_a_ttl_beyond_the_max_or_not_a_duration_is_refused_saying_what_is_allowed(
    given: str, reason: str
) -> None:
    with pytest.raises(IntentError) as caught:
        parse_intent(f"preview-env name=pr-123 ttl={given}", catalog())
    message = caught.value.problems[0].message
    assert reason in message
    assert "expected a duration such as 3d, 12h or 90m, at most 1w" in message


def test_a_declared_duration_parameter_checks_its_minutes_both_ways() -> None:
    text = EXPIRING.replace("ttl: {max: 168h, extend: 1d%s}\n    ", "") + (
        "      grace: {type: duration, min: 60, max: 1440}\n      pause: {type: duration}\n"
    )
    loaded = parse_catalog(text, source="declared.yaml")
    assert parse_intent("preview-env name=pr-123 grace=2h pause=5m", loaded).params == {
        "grace": "2h",
        "pause": "5m",
    }
    with pytest.raises(IntentError) as caught:
        parse_intent("preview-env name=pr-123 grace=30m", loaded)
    assert "(it is shorter than allowed)" in caught.value.problems[0].message
    with pytest.raises(IntentError) as caught:
        parse_intent("preview-env name=pr-123 pause=never", loaded)
    assert caught.value.problems[0].expected == "a duration such as 3d, 12h or 90m"


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("ttl: {max: forever, extend: 1d}", "`forever` is not a duration such as 3d, 12h or 90m"),
        ("ttl: {max: 1d, extend: 2d}", "`extend` (2d) is longer than `max` (1d)"),
        ("ttl: {max: 1d, extend: 1h, default: 3d}", "`default` (3d) is longer than `max` (1d)"),
    ],
)
def test_a_broken_ttl_policy_stops_the_catalog_at_its_line(policy: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(EXPIRING.replace("ttl: {max: 168h, extend: 1d%s}", policy), source="expiring.yaml")
    problem = caught.value.problems[0]
    assert message in problem.message
    assert (problem.file, problem.line) == ("expiring.yaml", 13)


def test_ttl_cannot_be_declared_as_an_ordinary_parameter() -> None:
    text = EXPIRING.replace("ttl: {max: 168h, extend: 1d%s}\n    ", "") + "      ttl: {type: string}\n"
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source="declared.yaml")
    assert "`ttl` is made from the path's `ttl:` policy" in caught.value.problems[0].message
