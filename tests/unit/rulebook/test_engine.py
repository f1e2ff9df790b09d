from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rulebook.engine import compile_source, describe_failure, is_operator, new_context, prepare, render_value


def test_matches_calls_are_routed_to_the_cached_implementation_keeping_offsets() -> None:
    source = "x.matches('a') && matches(y, 'matches(') && y.matchesX(1)"
    prepared = prepare(source)
    assert len(prepared) == len(source)
    assert prepared == "x.reMatch('a') && reMatch(y, 'matches(') && y.matchesX(1)"


def test_cached_matches_searches_like_cel() -> None:
    context = new_context({"s": "billing"})
    assert compile_source("s.matches('ill')").execute(context) is True
    assert compile_source("s.matches('^ill')").execute(context) is False


def test_failure_reasons_are_short_and_safe() -> None:
    assert describe_failure(KeyError("size")) == "no such field size"
    assert describe_failure(KeyError()) == "no such field"
    assert describe_failure(TypeError("No such overload: the operation. More advice")).startswith(
        "type error"
    )
    assert describe_failure(RuntimeError("Undefined variable or function: 'f'. Check that...")) == (
        "Undefined variable or function: 'f'"
    )
    assert describe_failure(ZeroDivisionError("division by zero in CEL expression")) == (
        "ZeroDivisionError: division by zero in CEL expression"
    )
    assert describe_failure(RuntimeError("")) == "RuntimeError"


def test_values_render_the_way_cel_writes_them() -> None:
    assert render_value(True) == "true" and render_value(False) == "false"
    assert render_value(None) == "null"
    assert (render_value(125.0), render_value(12.5), render_value(1 / 3)) == ("125", "12.5", "0.33")
    assert render_value(["a", 1, ["b"]]) == "a, 1, b"
    assert render_value(datetime(2025, 1, 2, 3, 4, tzinfo=UTC)) == "2025-01-02T03:04:00+00:00"
    assert render_value(2.5) == "2.5"


@pytest.mark.parametrize("name", ["_==_", "@in", "!_", "-_", "_[_]", "@not_strictly_false"])
def test_operators_are_told_apart_from_functions(name: str) -> None:
    assert is_operator(name)


def test_functions_are_not_operators() -> None:
    assert not is_operator("size") and not is_operator("math.abs")
