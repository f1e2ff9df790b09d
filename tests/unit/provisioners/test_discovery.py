"""Golden paths are found in the shipped set, installed entry points and folders from the config;
what cannot be loaded stops with package, file, line and reason; one name twice names both."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from intents import load_catalog, parse_catalog
from provisioners.discovery import BUILT_IN, discover
from provisioners.engine import engine_env
from provisioners.errors import DuplicateGoldenPath, GoldenPathError
from provisioners.programs import PROGRAMS
from provisioners.settings import RunnerSettings
from provisioners.shipped import SHIPPED

CATALOG = """\
version: 1
patterns:
  platform-name:
    regex: "[a-z][a-z0-9-]{{2,39}}"
    words: lower-case letters, digits and hyphens, starting with a letter, 3 to 40 characters
paths:
  - name: {name}
    description: A test path.
    owner: team-test
    program: {program}
    environments: [dev]
    parameters:
      name:
        type: string
        required: true
        pattern: platform-name
"""

MODULE = """\
from pathlib import Path

from provisioners.golden_path import GoldenPath
from provisioners.programs.base import GoldenPathProgram

__version__ = "1.2.3"

PROGRAM = GoldenPathProgram(
    name={program!r},
    description="nothing",
    build=lambda intent, settings, labels: (lambda: None),
    resource_types=(),
    stateful_types=frozenset(),
)
GOLDEN_PATH = GoldenPath(name={name!r}, catalog=Path(__file__).parent / "catalog.yaml", program=PROGRAM)
"""


@pytest.fixture(autouse=True)
def _forget_test_packages() -> Iterator[None]:
    before = set(sys.modules)
    path_before = list(sys.path)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
    sys.path[:] = path_before


def write_package(
    folder: Path, package: str, name: str, *, program: str | None = None, module: str | None = None
) -> Path:
    root = folder / package
    root.mkdir(parents=True)
    program = program or name
    (root / "catalog.yaml").write_text(CATALOG.format(name=name, program=program))
    (root / "__init__.py").write_text(module or MODULE.format(name=name, program=program))
    return root


def test_the_shipped_paths_load_with_the_catalog_and_programs_they_always_had() -> None:
    registry = discover(entry_points=())
    assert [(p.name, p.source) for p in registry.paths] == [
        ("postgres-database", "built in"),
        ("service", "built in"),
    ]
    assert registry.catalog() == load_catalog()
    assert registry.programs() == PROGRAMS
    assert registry.find("postgres-database") is not None
    assert registry.find("postgres-database").path.secret_outputs == {"dsn"}  # type: ignore[union-attr]


def test_a_package_in_a_configured_folder_is_a_golden_path_with_its_version(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_folder_one", "folder-one")
    registry = discover([tmp_path], entry_points=())
    loaded = registry.find("folder-one")
    assert loaded is not None
    assert (loaded.source, loaded.version) == (f"folder {tmp_path.resolve()}", "1.2.3")
    assert registry.catalog().find("folder-one") is not None
    assert "folder-one" in registry.programs()


def test_a_folder_path_gives_its_provider_processes_the_folder_on_pythonpath(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_folder_env", "folder-env")
    program = discover([tmp_path], entry_points=()).programs()["folder-env"]
    settings = RunnerSettings(state_dir=tmp_path / "s", work_dir=tmp_path / "w", passphrase="p")
    python_path = engine_env(settings, tmp_path, program.engine_env(settings))["PYTHONPATH"].split(":")
    assert python_path[0] == str(tmp_path.resolve())
    assert str(Path(__file__).resolve().parents[3]) in python_path  # the bot's own source stays


def test_an_installed_entry_point_is_a_golden_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_package(tmp_path, "gp_entry_one", "entry-one")
    monkeypatch.syspath_prepend(str(tmp_path))
    point = EntryPoint("entry-one", "gp_entry_one:GOLDEN_PATH", "platformbot.golden_paths")
    registry = discover(entry_points=[point])
    assert registry.find("entry-one") is not None


def test_an_entry_point_named_differently_from_its_path_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_package(tmp_path, "gp_entry_two", "entry-two")
    monkeypatch.syspath_prepend(str(tmp_path))
    point = EntryPoint("other-name", "gp_entry_two:GOLDEN_PATH", "platformbot.golden_paths")
    with pytest.raises(GoldenPathError, match="called `other-name` but the path is called `entry-two`"):
        discover(entry_points=[point])


def test_a_syntax_error_names_the_package_file_and_line(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_broken_syntax", "broken-syntax", module="x = 1\ndef (:\n")
    with pytest.raises(GoldenPathError) as caught:
        discover([tmp_path], entry_points=())
    error = caught.value
    assert error.file.endswith("gp_broken_syntax/__init__.py") and error.line == 2
    assert error.package == f"folder {tmp_path.resolve()}" and "syntax error" in error.reason
    assert f"{error.file}:2" in error.message


def test_an_exception_while_importing_names_the_line_that_raised(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_raises", "raises", module="import os\n\nraise RuntimeError('no config')\n")
    with pytest.raises(GoldenPathError) as caught:
        discover([tmp_path], entry_points=())
    assert caught.value.file.endswith("gp_raises/__init__.py") and caught.value.line == 3
    assert caught.value.reason == "importing it failed: RuntimeError: no config"


def test_a_broken_catalog_entry_names_the_catalog_file_and_line(tmp_path: Path) -> None:
    root = write_package(tmp_path, "gp_bad_catalog", "bad-catalog")
    text = (
        (root / "catalog.yaml").read_text().replace("environments: [dev]", "environments: [dev]\n    ttl: 3")
    )
    (root / "catalog.yaml").write_text(text)
    with pytest.raises(GoldenPathError) as caught:
        discover([tmp_path], entry_points=())
    assert caught.value.file == str(root / "catalog.yaml")
    assert caught.value.line == 12 and "ttl" in caught.value.reason


def test_a_value_that_is_not_a_golden_path_names_its_assignment(tmp_path: Path) -> None:
    write_package(
        tmp_path, "gp_not_a_path", "not-a-path", module='"""doc"""\n\nGOLDEN_PATH = {"name": "x"}\n'
    )
    with pytest.raises(GoldenPathError) as caught:
        discover([tmp_path], entry_points=())
    assert (
        caught.value.line == 3
        and "is a dict, not a provisioners.golden_path.GoldenPath" in caught.value.reason
    )


def test_a_package_without_golden_path_in_a_configured_folder_is_refused(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_helpers", "helpers", module="HELP = 1\n")
    with pytest.raises(GoldenPathError, match="defines no GOLDEN_PATH"):
        discover([tmp_path], entry_points=())


def test_a_catalog_entry_for_another_program_is_refused_at_its_line(tmp_path: Path) -> None:
    root = write_package(tmp_path, "gp_mismatch", "mismatch")
    (root / "catalog.yaml").write_text(CATALOG.format(name="mismatch", program="something-else"))
    with pytest.raises(GoldenPathError) as caught:
        discover([tmp_path], entry_points=())
    assert caught.value.line == 10 and "program `something-else`" in caught.value.reason


def test_a_named_file_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    module = MODULE.format(name="no-tests", program="no-tests").replace(
        "program=PROGRAM)", 'program=PROGRAM, rule_tests=Path("/nonexistent/tests.yaml"))'
    )
    write_package(tmp_path, "gp_no_tests", "no-tests", module=module)
    with pytest.raises(GoldenPathError, match="`rule_tests` names /nonexistent/tests.yaml") as caught:
        discover([tmp_path], entry_points=())
    assert caught.value.line == 15  # the GoldenPath(...) line


def test_two_paths_with_one_name_are_refused_naming_both_sources(tmp_path: Path) -> None:
    write_package(tmp_path / "a", "gp_twin_a", "twin")
    write_package(tmp_path / "b", "gp_twin_b", "twin", program="twin-b")
    with pytest.raises(DuplicateGoldenPath) as caught:
        discover([tmp_path / "a", tmp_path / "b"], entry_points=())
    message = caught.value.message
    assert f"folder {(tmp_path / 'b').resolve()}" in message and "gp_twin_b/__init__.py:15" in message
    assert f"folder {(tmp_path / 'a').resolve()}" in message and "gp_twin_a/__init__.py:15" in message


def test_a_package_reusing_a_shipped_name_is_refused(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_pg_again", "postgres-database", program="pg-again")
    with pytest.raises(DuplicateGoldenPath, match=r"also declared by built in \(.*shipped.py:16\)"):
        discover([tmp_path], entry_points=())


def test_shipped_paths_record_where_they_are_declared() -> None:
    assert all(p.defined_at[0].endswith("provisioners/shipped.py") for p in SHIPPED)


def test_packages_add_their_entries_to_a_configured_catalog(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_added", "added-path")
    base = parse_catalog(
        CATALOG.format(name="only-path", program="postgres-database").replace("platform-name", "pn")
    )
    catalog = discover([tmp_path], entry_points=()).catalog(base)
    assert catalog.names == ("only-path", "added-path")  # the shipped paths come from `base`
    assert set(catalog.patterns) == {"pn", "platform-name"}


def test_a_package_named_like_an_entry_of_the_configured_catalog_is_refused(tmp_path: Path) -> None:
    write_package(tmp_path, "gp_clash", "only-path")
    base = parse_catalog(CATALOG.format(name="only-path", program="postgres-database"))
    with pytest.raises(DuplicateGoldenPath, match="also declared by the configured catalog"):
        discover([tmp_path], entry_points=()).catalog(base)


def test_two_paths_with_one_pattern_name_but_different_regexes_are_refused(tmp_path: Path) -> None:
    roots = [write_package(tmp_path, f"gp_pattern_{x}", f"pattern-{x}") for x in "ab"]
    for root, regex in zip(roots, ("{2,39}", "{5,9}"), strict=True):
        text = (root / "catalog.yaml").read_text().replace("platform-name", "test-name")
        (root / "catalog.yaml").write_text(text.replace("{2,39}", regex))
    with pytest.raises(GoldenPathError) as caught:
        discover([tmp_path], entry_points=()).catalog()
    assert caught.value.file == str(roots[1] / "catalog.yaml") and caught.value.line == 3
    assert "pattern `test-name` differs from the one of" in caught.value.reason
    assert "gp_pattern_a/__init__.py:15" in caught.value.reason


def test_the_redis_cache_package_brings_its_prices_and_needs_its_admin_url() -> None:
    registry = discover()
    redis_cache = registry.find("redis-cache")
    assert redis_cache is not None and redis_cache.path.prices is not None
    assert redis_cache.path.prices.parent.name == "platformbot_redis_cache"
    assert redis_cache.path.prices in registry.price_files()
    # The shipped paths' prices are in the config's price book, not handed on again.
    shipped = {p.path.prices for p in registry.paths if p.source == BUILT_IN}
    assert not shipped & set(registry.price_files())
    settings = RunnerSettings(state_dir=Path("s"), work_dir=Path("w"), passphrase="p")
    assert registry.unavailable(settings)["redis-cache"] == (
        "its setting `admin_url` is not configured (config `paths: {redis-cache: ...}`)"
    )
    configured = RunnerSettings(
        state_dir=Path("s"),
        work_dir=Path("w"),
        passphrase="p",
        path_settings={"redis-cache": {"admin_url": "x"}},
    )
    assert "redis-cache" not in registry.unavailable(configured)


def test_a_folder_paths_rules_and_rule_tests_are_handed_on(tmp_path: Path) -> None:
    package = tmp_path / "mine"
    package.mkdir()
    (package / "catalog.yaml").write_text(CATALOG.format(name="mine-path", program="mine-prog"))
    (package / "rules.yaml").write_text("rules: []\n")
    (package / "rule-tests.yaml").write_text("cases: []\n")
    (package / "__init__.py").write_text(
        MODULE.format(name="mine-path", program="mine-prog").replace(
            'catalog.yaml", program=PROGRAM)',
            'catalog.yaml", program=PROGRAM, rules=Path(__file__).parent / "rules.yaml",'
            ' rule_tests=Path(__file__).parent / "rule-tests.yaml")',
        )
    )
    registry = discover([tmp_path])
    # After the installed packages' own, as the folder's path comes after them.
    installed = discover()
    assert registry.rule_fragments() == [*installed.rule_fragments(), package / "rules.yaml"]
    assert registry.rule_tests() == [*installed.rule_tests(), package / "rule-tests.yaml"]
