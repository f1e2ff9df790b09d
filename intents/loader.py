"""Loading manifests/catalog.yaml: YAML with line numbers, pydantic models, then the checks types cannot make.

A broken catalog must stop the bot at start with file, line and what is wrong, so every problem
found here is located through a map from document location to the line of the YAML node.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from pydantic import ValidationError

from intents.catalog import ENV_KEY, NAME_KEY, Catalog, GoldenPath, ParamSpec, ParamType
from intents.errors import CatalogError, CatalogProblem
from intents.golden_path import TTL_KEY
from intents.intent import format_value
from intents.suggest import closest, did_you_mean
from intents.values import BadValue, check_value, expected_words

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parent.parent / "manifests" / "catalog.yaml"

Loc = tuple[str | int, ...]

_WORD = re.compile(r"[a-z][a-z0-9-]*", re.ASCII)  # path names, aliases, environments, programs
_KEY = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)  # parameter keys


def load_catalog(path: str | Path = DEFAULT_CATALOG_PATH) -> Catalog:
    """Read and check the catalog file; CatalogError lists every problem with file and line."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError([CatalogProblem(file=source, message=f"cannot read the catalog: {exc}")]) from exc
    return parse_catalog(text, source=source)


def parse_catalog(text: str, *, source: str = "<catalog>") -> Catalog:
    """Like load_catalog, from text already read (`source` names it in errors)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CatalogError(
            [
                CatalogProblem(
                    file=source,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    message=f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                )
            ]
        ) from exc
    found = _Located(source)
    if node is not None:
        found.map(node, ())
    if not isinstance(data, dict):
        found.add((), "the catalog must be a mapping with `version`, `patterns` and `paths`")
        raise found.error()
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            found.add(tuple(err["loc"]), err["msg"])
        raise found.error() from exc
    for loc, message in check_catalog(catalog):
        found.add(loc, message)
    if found.problems:
        raise found.error()
    return catalog


class _Located:
    """Problems of one catalog document, each placed at the line of the YAML node it concerns."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Loc, tuple[int, int]] = {}
        self.problems: list[CatalogProblem] = []
        self._open: set[int] = set()

    def map(self, node: yaml.Node, loc: Loc) -> None:
        """Record where every location of the document starts; report repeated keys on the way."""
        if id(node) in self._open:
            return  # a YAML alias pointing at its own ancestor; the models refuse the data itself
        self._open.add(id(node))
        self.lines.setdefault(loc, _mark(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                child = (*loc, str(key_node.value))
                if child[-1] in seen:
                    # PyYAML keeps the last of repeated keys silently; in a catalog that hides a mistake.
                    self.add(child, f"`{child[-1]}` appears twice in the same mapping", at=_mark(key_node))
                    continue
                seen.add(str(child[-1]))
                self.lines[child] = _mark(key_node)
                self.map(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.map(item, (*loc, index))
        self._open.discard(id(node))

    def add(self, loc: Loc, message: str, *, at: tuple[int, int] | None = None) -> None:
        line, column = at or _nearest(self.lines, loc)
        self.problems.append(
            CatalogProblem(file=self.source, line=line, column=column, where=_where(loc), message=message)
        )

    def error(self) -> CatalogError:
        return CatalogError(self.problems)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _nearest(lines: dict[Loc, tuple[int, int]], loc: Loc) -> tuple[int | None, int | None]:
    # pydantic may add union branch names to a location; fall back to the closest enclosing node.
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None, None


def _where(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def check_catalog(catalog: Catalog) -> list[tuple[Loc, str]]:
    """Problems the models' types cannot express: names, references, defaults, collisions."""
    problems: list[tuple[Loc, str]] = []
    if catalog.version != 1:
        problems.append(
            (("version",), f"unsupported catalog version {catalog.version}; this bot reads version 1")
        )
    for name, pattern in catalog.patterns.items():
        try:
            re.compile(pattern.regex)
        except re.error as exc:
            problems.append((("patterns", name, "regex"), f"not a valid regular expression: {exc}"))
    if not catalog.paths:
        problems.append((("paths",), "the catalog has no golden paths"))
    owners: dict[str, str] = {}
    for index, path in enumerate(catalog.paths):
        loc: Loc = ("paths", index)
        problems.extend(_check_words(path, loc, owners))
        problems.extend(_check_path(catalog, path, loc))
    return problems


def _check_words(path: GoldenPath, loc: Loc, owners: dict[str, str]) -> Iterator[tuple[Loc, str]]:
    for where, word in [
        ((*loc, "name"), path.name),
        *(((*loc, "aliases", i), a) for i, a in enumerate(path.aliases)),
    ]:
        if not _WORD.fullmatch(word):
            yield where, f"`{word}` must be lower-case letters, digits and hyphens, starting with a letter"
        if word.lower() in owners:
            yield where, f"`{word}` is already used by golden path `{owners[word.lower()]}`"
        owners.setdefault(word.lower(), path.name)
    if not _WORD.fullmatch(path.program):
        yield (
            (*loc, "program"),
            f"`{path.program}` is not a program name (lower-case letters, digits, hyphens)",
        )
    if not path.environments:
        yield (*loc, "environments"), "a golden path needs at least one environment"
    for i, env in enumerate(path.environments):
        if not _WORD.fullmatch(env) or env in path.environments[:i]:
            yield (*loc, "environments", i), f"`{env}` must be a unique lower-case word"
    if path.default_env is not None and path.default_env not in path.environments:
        yield (*loc, "default_env"), f"`{path.default_env}` is not one of the environments"


def _check_path(catalog: Catalog, path: GoldenPath, loc: Loc) -> Iterator[tuple[Loc, str]]:
    params_loc = (*loc, "parameters")
    name = path.parameters.get(NAME_KEY)
    if name is None:
        yield params_loc, "every golden path needs a `name` parameter"
    elif name.type is not ParamType.STRING or not name.required:
        yield (*params_loc, NAME_KEY), "`name` must be a required string"
    if ENV_KEY in path.parameters:
        yield (*params_loc, ENV_KEY), "`env` is made from `environments` and `default_env`; do not declare it"
    if TTL_KEY in path.parameters:
        # Reserved even without a policy: the expiry job reads ttl= as the environment's lifetime.
        yield (*params_loc, TTL_KEY), "`ttl` is made from the path's `ttl:` policy; do not declare it"
    for key, spec in path.parameters.items():
        yield from _check_spec(catalog, key, spec, (*params_loc, key))


def _check_spec(catalog: Catalog, key: str, spec: ParamSpec, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if not _KEY.fullmatch(key):
        yield loc, f"`{key}` must be lower-case letters, digits and underscores, starting with a letter"
    kind = spec.type
    if kind is ParamType.ENUM and not spec.allowed:
        yield (*loc, "type"), "an enum needs `allowed` values"
    if spec.allowed and kind not in (ParamType.ENUM, ParamType.LIST):
        yield (*loc, "allowed"), f"`allowed` is for enum and list parameters, not {kind}"
    if len(set(spec.allowed)) != len(spec.allowed):
        yield (*loc, "allowed"), "`allowed` lists a value twice"
    if spec.allowed and kind is ParamType.LIST and any("," in value for value in spec.allowed):
        yield (*loc, "allowed"), "list items cannot contain commas"
    if (spec.min is not None or spec.max is not None) and kind in (ParamType.ENUM, ParamType.BOOL):
        yield (*loc, "min"), f"`min`/`max` are for int, string and list parameters, not {kind}"
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        yield (*loc, "min"), f"`min` ({spec.min}) is greater than `max` ({spec.max})"
    if spec.required and spec.default is not None:
        yield (*loc, "default"), "a required parameter cannot have a default"
    pattern_ok = True
    if spec.pattern is not None:
        if kind not in (ParamType.STRING, ParamType.LIST):
            yield (*loc, "pattern"), f"`pattern` is for string and list parameters, not {kind}"
        if spec.pattern not in catalog.patterns:
            pattern_ok = False
            hint = did_you_mean(closest(spec.pattern, list(catalog.patterns)))
            yield (*loc, "pattern"), f"no pattern called `{spec.pattern}` under `patterns`.{hint}"
        else:
            try:
                re.compile(catalog.patterns[spec.pattern].regex)
            except re.error:
                pattern_ok = False  # reported once, under patterns
    if spec.default is not None and pattern_ok:
        pattern = catalog.pattern_for(spec)
        try:
            check_value(spec, format_value(spec.default), pattern)
        except BadValue:
            shown, expected = format_value(spec.default), expected_words(spec, pattern)
            yield (*loc, "default"), f"default `{shown}` is not valid: expected {expected}"
