"""Loading the catalog: a broken catalog fails at start with file, line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents import DEFAULT_CATALOG_PATH, CatalogError, load_catalog, parse_catalog

from .conftest import KITCHEN_SINK

PATH = """\
version: 1
patterns:
  platform-name: {regex: "[a-z][a-z0-9-]{2,39}", words: a platform name}
paths:
  - name: thing
    description: A thing.
    owner: team-x
    program: thing
    environments: [dev]
    parameters:
      name: {type: string, required: true, pattern: platform-name}
"""


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(text, source="c.yaml")
    return [(p.line, p.where, p.message) for p in caught.value.problems]


def with_param(line: str) -> str:
    return PATH + "      " + line + "\n"


def test_the_shipped_catalog_loads() -> None:
    catalog = load_catalog(DEFAULT_CATALOG_PATH)
    assert catalog.names == ("postgres-database", "service")
    assert catalog.find("postgres") is catalog.find("pg") is catalog.paths[0]
    pg = catalog.paths[0]
    assert list(pg.specs) == ["name", "env", "size", "extensions", "description", "ttl"]
    assert pg.specs["extensions"].allowed == (
        "pgcrypto",
        "citext",
        "pg_trgm",
        "uuid-ossp",
        "hstore",
        "btree_gist",
    )
    assert catalog.paths[1].default_env is not None


def test_a_minimal_catalog_loads() -> None:
    assert parse_catalog(PATH).paths[0].name == "thing"
    assert parse_catalog(KITCHEN_SINK).paths[0].secret_keys == {"api_token"}


def test_missing_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "nope.yaml")
    assert "cannot read the catalog" in str(caught.value) and "nope.yaml" in str(caught.value)


def test_catalog_file_is_read_from_disk(tmp_path: Path) -> None:
    target = tmp_path / "catalog.yaml"
    target.write_text(PATH.replace("version: 1", "version: 2"), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(target)
    assert (
        str(caught.value) == f"{target}:1:1: version: unsupported catalog version 2; this bot reads version 1"
    )


def test_invalid_yaml_cites_the_line() -> None:
    assert problems("version: 1\npaths: [\n") == [
        (3, "", "not valid YAML: expected the node content, but found '<stream end>'")
    ]


def test_yaml_error_without_a_mark_still_reports() -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog("\x07")
    assert caught.value.problems[0].message.startswith("not valid YAML")


def test_non_mapping_document_is_refused() -> None:
    assert problems("") == [
        (None, "", "the catalog must be a mapping with `version`, `patterns` and `paths`")
    ]
    assert problems("- a\n") == [
        (1, "", "the catalog must be a mapping with `version`, `patterns` and `paths`")
    ]


def test_type_errors_cite_file_line_and_location() -> None:
    text = PATH.replace("      name: {type: string", "      name: {type: text")
    ((line, where, message),) = problems(text)
    assert (line, where) == (11, "paths[0].parameters.name.type")
    assert "'string', 'int', 'bool', 'enum', 'list' or 'duration'" in message


def test_unknown_fields_are_refused() -> None:
    assert problems(PATH + "    colour: red\n") == [(12, "paths[0].colour", "Extra inputs are not permitted")]


def test_repeated_yaml_keys_are_refused() -> None:
    assert problems(PATH + "    owner: team-y\n") == [
        (12, "paths[0].owner", "`owner` appears twice in the same mapping")
    ]


def test_semantic_problems_are_all_reported_with_lines() -> None:
    text = (
        PATH
        + PATH.split("paths:\n")[1].replace("name: thing", "name: Thing")
        + ("      env: {type: string}\n      size: {type: enum}\n")
    )
    found = problems(
        text.replace(
            "program: thing\n    environments: [dev]\n    par",
            "program: Thing\n    environments: []\n    par",
            1,
        )
    )
    assert found == [
        (8, "paths[0].program", "`Thing` is not a program name (lower-case letters, digits, hyphens)"),
        (9, "paths[0].environments", "a golden path needs at least one environment"),
        (
            12,
            "paths[1].name",
            "`Thing` must be lower-case letters, digits and hyphens, starting with a letter",
        ),
        (12, "paths[1].name", "`Thing` is already used by golden path `thing`"),
        (
            19,
            "paths[1].parameters.env",
            "`env` is made from `environments` and `default_env`; do not declare it",
        ),
        (20, "paths[1].parameters.size.type", "an enum needs `allowed` values"),
    ]


@pytest.mark.parametrize(
    ("extra", "where", "message"),
    [
        ("aliases: [thing]", "paths[0].aliases[0]", "`thing` is already used by golden path `thing`"),
        ("environments: [dev, dev]", "paths[0].environments[1]", "`dev` must be a unique lower-case word"),
        ("default_env: prod", "paths[0].default_env", "`prod` is not one of the environments"),
    ],
)
def test_path_level_checks(extra: str, where: str, message: str) -> None:
    text = PATH.replace("    environments: [dev]\n", "    environments: [dev]\n    " + extra + "\n")
    if extra.startswith("environments"):
        text = PATH.replace("environments: [dev]", extra)
    assert [(w, m) for _, w, m in problems(text)] == [(where, message)]


def test_every_path_needs_a_required_string_name() -> None:
    without = PATH.replace(
        "      name: {type: string, required: true, pattern: platform-name}\n", "      x: {type: int}\n"
    )
    assert problems(without) == [(10, "paths[0].parameters", "every golden path needs a `name` parameter")]
    optional = PATH.replace("required: true, ", "")
    assert problems(optional) == [(11, "paths[0].parameters.name", "`name` must be a required string")]


@pytest.mark.parametrize(
    ("param", "where", "message"),
    [
        ("Bad-Key: {type: int}", "Bad-Key", "must be lower-case letters, digits and underscores"),
        (
            "k: {type: string, allowed: [a]}",
            "k.allowed",
            "`allowed` is for enum and list parameters, not string",
        ),
        ("k: {type: enum, allowed: [a, a]}", "k.allowed", "`allowed` lists a value twice"),
        ("k: {type: list, allowed: ['a,b']}", "k.allowed", "list items cannot contain commas"),
        ("k: {type: bool, min: 1}", "k.min", "`min`/`max` are for int, string and list parameters, not bool"),
        ("k: {type: int, min: 3, max: 1}", "k.min", "`min` (3) is greater than `max` (1)"),
        (
            "k: {type: int, required: true, default: 1}",
            "k.default",
            "a required parameter cannot have a default",
        ),
        (
            "k: {type: int, pattern: platform-name}",
            "k.pattern",
            "`pattern` is for string and list parameters, not int",
        ),
        (
            "k: {type: string, pattern: platform}",
            "k.pattern",
            "no pattern called `platform` under `patterns`",
        ),
        (
            "k: {type: int, max: 5, default: 9}",
            "k.default",
            "default `9` is not valid: expected a whole number at most 5",
        ),
        (
            "k: {type: enum, allowed: [a], default: b}",
            "k.default",
            "default `b` is not valid: expected one of: a",
        ),
    ],
)
def test_parameter_checks(param: str, where: str, message: str) -> None:
    ((line, found_where, found),) = problems(with_param(param))
    assert line == 12
    assert found_where == "paths[0].parameters." + where
    assert message in found


def test_bad_regex_is_reported_once_under_patterns() -> None:
    text = (
        PATH.replace('"[a-z][a-z0-9-]{2,39}"', '"[a-z"')
        + "      k: {type: string, pattern: platform-name, default: x}\n"
    )
    ((line, where, message),) = problems(text)
    assert (line, where) == (3, "patterns.platform-name.regex")
    assert message.startswith("not a valid regular expression")


def test_empty_paths_are_refused() -> None:
    assert problems("version: 1\npaths: []\n") == [(2, "paths", "the catalog has no golden paths")]


def test_rendered_error_cites_file_and_line() -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(with_param("k: {type: enum}"), source="manifests/catalog.yaml")
    assert (
        str(caught.value)
        == "manifests/catalog.yaml:12:11: paths[0].parameters.k.type: an enum needs `allowed` values"
    )


def test_self_referencing_yaml_alias_is_an_error_not_a_crash() -> None:
    assert problems("version: 1\npaths: &a [*a]\n") == [
        (2, "paths[0]", "Input should be a valid dictionary or instance of GoldenPath")
    ]
