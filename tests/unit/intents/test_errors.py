"""Error types: structured problems and plain-text renderings."""

from __future__ import annotations

import pytest

from intents import (
    Catalog,
    CatalogError,
    CatalogProblem,
    IntentError,
    IntentsError,
    Problem,
    ProblemCode,
    parse_command,
)


def test_intent_error_renders_one_line_per_problem_and_points_at_the_catalog(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("request pg billing env=dev sise=1 size=huge", catalog)
    lines = str(caught.value).splitlines()
    assert lines[0].startswith("- `postgres-database` has no parameter `sise`")
    assert lines[1] == "- `size` cannot be `huge`: expected one of: small, medium, large."
    assert lines[2] == "See `/platform catalog` for the golden paths and their parameters."


def test_catalog_hint_is_not_repeated_when_a_message_has_it(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        parse_command("request postgress", catalog)
    assert str(caught.value).count("/platform catalog") == 1


def test_value_errors_alone_need_no_catalog_hint() -> None:
    error = IntentError([Problem(code=ProblemCode.BAD_VALUE, message="`size` cannot be `x`.")])
    assert str(error) == "- `size` cannot be `x`."
    assert (error.path, error.given) == (None, {})


def test_both_errors_share_one_base() -> None:
    assert issubclass(IntentError, IntentsError) and issubclass(CatalogError, IntentsError)


def test_catalog_problem_renders_what_it_knows() -> None:
    assert CatalogProblem(file="c.yaml", message="m").render() == "c.yaml: m"
    assert CatalogProblem(file="c.yaml", line=3, message="m").render() == "c.yaml:3: m"
    assert (
        CatalogProblem(file="c.yaml", line=3, column=5, where="paths", message="m").render()
        == "c.yaml:3:5: paths: m"
    )
    assert (
        str(CatalogError([CatalogProblem(file="a", message="x"), CatalogProblem(file="b", message="y")]))
        == "a: x\nb: y"
    )
