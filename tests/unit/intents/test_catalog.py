"""The catalog models: lookup by name or alias, specs in form order, build_intent."""

from __future__ import annotations

import pytest

from intents import Catalog, IntentError, ParamType, ProblemCode


def test_find_takes_names_and_aliases_in_any_case(catalog: Catalog) -> None:
    assert catalog.find("Service") is catalog.find("svc") is catalog.paths[1]
    assert catalog.find("nope") is None


def test_resolve_raises_with_suggestions(catalog: Catalog) -> None:
    with pytest.raises(IntentError) as caught:
        catalog.resolve("sevice")
    (problem,) = caught.value.problems
    assert (problem.code, problem.suggestions) == (ProblemCode.UNKNOWN_PATH, ("service",))
    assert problem.expected == "one of: postgres-database, service"


def test_alias_suggestion_names_the_canonical_path(catalog: Catalog) -> None:
    assert catalog.unknown_path_problem("pgg").suggestions == ("postgres-database",)


def test_env_is_made_from_environments(catalog: Catalog) -> None:
    pg, service = catalog.paths
    assert pg.specs["env"].type is ParamType.ENUM and pg.specs["env"].required
    assert pg.specs["env"].allowed == ("dev", "staging", "prod")
    assert not service.specs["env"].required and service.specs["env"].default == service.default_env


def test_build_intent_accepts_case_insensitive_keys(catalog: Catalog) -> None:
    intent = catalog.build_intent(
        "service", {"Name": "api", "TEAM": "core", "language": "python", "owners": "U1AB"}
    )
    assert intent.path == "service" and intent.params["owners"] == ("U1AB",)


def test_every_path_names_a_program_and_an_owner(catalog: Catalog) -> None:
    assert {path.name: path.program for path in catalog.paths} == {
        "postgres-database": "postgres-database",
        "service": "service",
    }
    assert all(path.owner and path.description for path in catalog.paths)
