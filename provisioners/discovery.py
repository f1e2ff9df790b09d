"""Finding golden paths: the shipped ones, installed packages (entry-point group
`platformbot.golden_paths`) and package folders named in the config (`golden_path_dirs`).

Whatever goes wrong while loading a path stops the bot with a GoldenPathError naming the
package, the file, the line and the reason: a path that half-loads would offer a request it
cannot provision. Two paths with one name (or alias) are an error naming both sources.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.metadata as metadata
import os
import re
import sys
import tomllib
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from intents.catalog import Catalog, NamedPattern
from intents.errors import CatalogError
from intents.loader import check_catalog, load_catalog
from provisioners.errors import DuplicateGoldenPath, GoldenPathError
from provisioners.golden_path import ENTRY_POINT_GROUP, GoldenPath, LoadedPath
from provisioners.programs.base import GoldenPathProgram
from provisioners.settings import RunnerSettings

ATTRIBUTE = "GOLDEN_PATH"  # what a package in a golden-path folder defines
BUILT_IN = "built in"  # the source of the shipped paths


@dataclass(frozen=True)
class Registry:
    """Every golden path this bot offers, in order: shipped, installed packages, folders."""

    paths: tuple[LoadedPath, ...]

    def find(self, name: str) -> LoadedPath | None:
        return next((p for p in self.paths if p.name == name), None)

    def programs(self) -> dict[str, GoldenPathProgram]:
        """Program name -> program, what Runner(programs=...) takes."""
        return {p.path.program.name: p.path.program for p in self.paths}

    def rule_fragments(self) -> list[Path]:
        """Rulebook fragments of the paths, for load_rulebook(fragments=...)."""
        return [p.path.rules for p in self.paths if p.path.rules is not None]

    def rule_tests(self) -> list[Path]:
        """Rule-test files of the added paths: the shipped ones' live in manifests/rulebook-tests/,
        which `platformbot rulebook test` runs anyway."""
        return [p.path.rule_tests for p in self._added() if p.path.rule_tests is not None]

    def price_files(self) -> list[Path]:
        """Price files of the added paths: the shipped ones are in the config's price book."""
        return [p.path.prices for p in self._added() if p.path.prices is not None]

    def _added(self) -> tuple[LoadedPath, ...]:
        return tuple(p for p in self.paths if p.source != BUILT_IN)

    def unavailable(self, settings: RunnerSettings) -> dict[str, str]:
        """Path name -> why it cannot be provisioned here: a setting it declares is not configured."""
        missing: dict[str, str] = {}
        for loaded in self.paths:
            absent = [k for k in loaded.path.settings if settings.path_setting(loaded.name, k) is None]
            if absent:
                keys = ", ".join(f"`{k}`" for k in absent)
                where = f"config `paths: {{{loaded.name}: ...}}`"
                missing[loaded.name] = f"its setting {keys} is not configured ({where})"
        return missing

    def catalog(self, base: Catalog | None = None) -> Catalog:
        """One catalog of every path's entry and the patterns they use.

        With `base` (the config's `catalog_path`, which an operator may point elsewhere than the
        shipped file) the shipped paths' entries are those of `base`, as before packages, and
        the packages' and folders' entries are added to it.
        """
        added = self.paths if base is None else tuple(p for p in self.paths if p.source != BUILT_IN)
        configured = "the configured catalog"
        patterns: dict[str, NamedPattern] = dict(base.patterns) if base else {}
        pattern_owner = dict.fromkeys(patterns, configured)
        entries = list(base.paths) if base else []
        words = {w.lower(): configured for e in entries for w in (e.name, *e.aliases)}
        for loaded in added:
            file, line = loaded.path.defined_at
            for word in (loaded.entry.name, *loaded.entry.aliases):
                if word.lower() in words:
                    raise DuplicateGoldenPath(word, loaded.source, file, line, words[word.lower()])
                words[word.lower()] = loaded.where
            for name, pattern in loaded.patterns.items():
                if name in patterns and patterns[name] != pattern:
                    raise GoldenPathError(
                        loaded.source,
                        str(loaded.path.catalog),
                        _line_of(loaded.path.catalog, rf"^\s*{re.escape(name)}\s*:"),
                        f"pattern `{name}` differs from the one of {pattern_owner[name]}",
                    )
                patterns[name] = pattern
                pattern_owner.setdefault(name, loaded.where)
            entries.append(loaded.entry)
        catalog = Catalog(version=1, patterns=patterns, paths=tuple(entries))
        problems = check_catalog(catalog)
        if problems:  # what one file's check cannot see; duplicates were caught before
            loc, reason = problems[0]
            raise GoldenPathError("the golden paths together", "<catalog>", None, f"{loc}: {reason}")
        return catalog


def discover(
    dirs: Sequence[Path] = (),
    *,
    shipped: Iterable[GoldenPath] | None = None,
    entry_points: Iterable[metadata.EntryPoint] | None = None,
) -> Registry:
    """Load every golden path; GoldenPathError (or DuplicateGoldenPath) when one cannot be."""
    if shipped is None:
        from provisioners.shipped import SHIPPED

        shipped = SHIPPED
    if entry_points is None:
        entry_points = metadata.entry_points(group=ENTRY_POINT_GROUP)
    found: list[LoadedPath] = [load(path, BUILT_IN, _own_version()) for path in shipped]
    for entry_point in sorted(entry_points, key=lambda e: e.name):
        found.append(_from_entry_point(entry_point))
    for folder in dirs:
        found.extend(_from_folder(Path(folder)))
    _refuse_duplicates(found)
    return Registry(tuple(found))


def load(path: GoldenPath, source: str, version: str) -> LoadedPath:
    """Check one GoldenPath value: its catalog entry, its program and the files it names."""
    file, line = path.defined_at
    if not isinstance(path.program, GoldenPathProgram):
        raise GoldenPathError(source, file, line, "`program` is not a GoldenPathProgram")
    for label in ("rules", "rule_tests", "prices", "templates"):
        named = getattr(path, label)
        if named is not None and not Path(named).exists():
            raise GoldenPathError(source, file, line, f"`{label}` names {named}, which does not exist")
    try:
        catalog = load_catalog(path.catalog)
    except CatalogError as exc:
        first = exc.problems[0]
        reason = "; ".join(f"{p.where + ': ' if p.where else ''}{p.message}" for p in exc.problems)
        raise GoldenPathError(source, first.file, first.line, reason) from exc
    entry = catalog.find(path.name)
    if entry is None or entry.name != path.name:
        raise GoldenPathError(
            source, str(path.catalog), None, f"the catalog has no entry called `{path.name}`"
        )
    if entry.program != path.program.name:
        raise GoldenPathError(
            source,
            str(path.catalog),
            _line_of(path.catalog, rf"^\s*program\s*:\s*{re.escape(entry.program)}\s*$"),
            f"the entry names program `{entry.program}`, but the path's program is `{path.program.name}`",
        )
    used = {spec.pattern for spec in entry.parameters.values() if spec.pattern is not None}
    patterns = {name: catalog.patterns[name] for name in sorted(used)}
    return LoadedPath(path=path, entry=entry, patterns=patterns, source=source, version=version)


def _from_entry_point(entry_point: metadata.EntryPoint) -> LoadedPath:
    dist = entry_point.dist
    package = dist.name if dist is not None else entry_point.value
    version = dist.version if dist is not None else "unknown"
    source = f"package {package}"
    try:
        value = entry_point.load()
    except Exception as exc:  # any error in someone else's import: located, then the bot stops
        raise _located(source, exc) from exc
    path = _checked_value(value, source, sys.modules.get(entry_point.module), entry_point.attr or "")
    if path.name != entry_point.name:
        file, line = path.defined_at
        raise GoldenPathError(
            source,
            file,
            line,
            f"the entry point is called `{entry_point.name}` but the path is called `{path.name}`",
        )
    return load(path, source, version)


def _from_folder(folder: Path) -> list[LoadedPath]:
    """Each package (a sub-folder with __init__.py) in `folder` must define GOLDEN_PATH."""
    folder = folder.resolve()
    source = f"folder {folder}"
    if not folder.is_dir():
        raise GoldenPathError(source, str(folder), None, "the folder named in golden_path_dirs is missing")
    # Appended, and for the process's life: a package's modules import each other by name, and
    # an installed package of the same name must win (the clash is then reported below).
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    found: list[LoadedPath] = []
    for package in sorted(p for p in folder.iterdir() if (p / "__init__.py").is_file()):
        init = package / "__init__.py"
        try:
            module = importlib.import_module(package.name)
        except Exception as exc:  # as for an entry point: located, then the bot stops
            raise _located(source, exc) from exc
        loaded_from = Path(module.__file__ or "").resolve()
        if loaded_from != init.resolve():
            raise GoldenPathError(
                source, str(init), None, f"`{package.name}` is already imported from {loaded_from}"
            )
        if not hasattr(module, ATTRIBUTE):
            raise GoldenPathError(source, str(init), None, f"the package defines no {ATTRIBUTE}")
        path = _checked_value(getattr(module, ATTRIBUTE), source, module, ATTRIBUTE)
        # Provider processes unpickle the package's providers by module name: they need the folder.
        path = dataclasses.replace(path, program=_with_python_path(path.program, folder))
        found.append(load(path, source, _folder_version(module, folder)))
    return found


def _checked_value(value: object, source: str, module: ModuleType | None, attr: str) -> GoldenPath:
    if isinstance(value, GoldenPath):
        return value
    file = getattr(module, "__file__", None) or "<unknown>"
    raise GoldenPathError(
        source,
        file,
        _assignment_line(file, attr.split(".")[-1]),
        f"`{attr}` is a {type(value).__name__}, not a provisioners.golden_path.GoldenPath",
    )


def _located(source: str, exc: BaseException) -> GoldenPathError:
    """Where in the package's own code the import failed: the deepest frame outside importlib."""
    if isinstance(exc, SyntaxError):
        return GoldenPathError(source, exc.filename or "<unknown>", exc.lineno, f"syntax error: {exc.msg}")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith("<frozen")]
    frame = frames[-1] if frames else None
    return GoldenPathError(
        source,
        frame.filename if frame else "<unknown>",
        frame.lineno if frame else None,
        f"importing it failed: {type(exc).__name__}: {exc}",
    )


def _refuse_duplicates(found: Sequence[LoadedPath]) -> None:
    words: dict[str, LoadedPath] = {}
    for loaded in found:
        for word in {loaded.name, loaded.entry.name, *loaded.entry.aliases}:
            other = words.get(word.lower())
            if other is not None and other is not loaded:
                file, line = loaded.path.defined_at
                raise DuplicateGoldenPath(word, loaded.source, file, line, other.where)
            words[word.lower()] = loaded
    programs: dict[str, LoadedPath] = {}
    for loaded in found:
        other = programs.setdefault(loaded.path.program.name, loaded)
        if other is not loaded:
            file, line = loaded.path.defined_at
            raise DuplicateGoldenPath(loaded.path.program.name, loaded.source, file, line, other.where)


def _with_python_path(program: GoldenPathProgram, folder: Path) -> GoldenPathProgram:
    inner = program.engine_env

    def engine_env(settings: RunnerSettings) -> dict[str, str]:
        env = inner(settings)
        extra = [str(folder), env.get("PYTHONPATH", "")]
        return {**env, "PYTHONPATH": os.pathsep.join(p for p in extra if p)}

    return dataclasses.replace(program, engine_env=engine_env)


def _folder_version(module: ModuleType, folder: Path) -> str:
    declared = getattr(module, "__version__", None)
    if isinstance(declared, str):
        return declared
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            version = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("version")
        except (OSError, tomllib.TOMLDecodeError):
            version = None
        if isinstance(version, str):
            return version
    return "unversioned"


def _own_version() -> str:
    try:
        return metadata.version("platformbot")
    except metadata.PackageNotFoundError:
        return "unknown"


def _line_of(file: Path, pattern: str) -> int | None:
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    regex = re.compile(pattern)
    return next((i for i, text in enumerate(lines, 1) if regex.search(text)), None)


def _assignment_line(file: str, name: str) -> int | None:
    """The line that assigns `name` at module level, for an error about that value."""
    try:
        tree = ast.parse(Path(file).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return node.lineno
    return None
