"""Load a rulebook file: YAML with positions, schema, then the compiler's lint and CEL checks."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rulebook.book import Rulebook
from rulebook.compiler import CompiledRule, compile_rules
from rulebook.errors import Problem, RulebookLoadError
from rulebook.located import Located, read_located
from rulebook.models import Rule

M = TypeVar("M", bound=BaseModel)

DEFAULT_RULEBOOK_PATH = Path(__file__).resolve().parent.parent / "manifests" / "rulebook.yaml"


class RulebookSpec(BaseModel):
    """The rulebook file's top level."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str | None = None
    description: str = ""
    timezone: str = "UTC"
    vars: dict[str, Any] = Field(default_factory=dict)
    rules: list[Rule]

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        # `version: 1.2` reads as a float in YAML; it is a label, keep it as written.
        return str(value) if isinstance(value, int | float) else value


class FragmentSpec(BaseModel):
    """A golden path's rulebook fragment: rules only; they see the main book's vars and time zone."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule]


def load_rulebook(
    path: str | Path,
    known_groups: Collection[str] | None = None,
    fragments: Sequence[Path] = (),
) -> Rulebook:
    """Load, validate and compile a rulebook; raises RulebookLoadError listing every problem.

    With `known_groups` (the approver groups of the bot's config), approvals naming any other
    group are problems too. `fragments` are golden paths' rule files (issue 15), compiled after
    the main book's rules into one book: a rule id used twice anywhere is a problem.
    """
    path = Path(path)
    raw = _read(path)
    return parse_rulebook(raw, str(path), known_groups, [(_read(f), str(f)) for f in fragments])


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RulebookLoadError([Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")]) from exc


def _located(raw: bytes, file: str) -> Located:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulebookLoadError([Problem(file, 1, 1, "not UTF-8 text")]) from exc
    return read_located(text, file)


def parse_rulebook(
    raw: bytes,
    file: str,
    known_groups: Collection[str] | None = None,
    fragments: Sequence[tuple[bytes, str]] = (),
) -> Rulebook:
    located = _located(raw, file)
    problems = list(located.problems)
    spec = None if located.problems and located.data is None else validate(RulebookSpec, located, problems)
    if spec is not None:
        try:
            ZoneInfo(spec.timezone)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            problems.append(located.problem(("timezone",), f"unknown time zone {spec.timezone!r}"))
        compiled, more = compile_rules(spec.rules, spec.vars, located, known_groups)
        problems += more
        taken = {r.id for r in spec.rules}
        for fragment_raw, fragment_file in fragments:
            extra, more = _compile_fragment(fragment_raw, fragment_file, spec.vars, known_groups, taken)
            problems += more
            compiled += extra
    if spec is None or problems:
        raise RulebookLoadError(sorted(problems, key=lambda p: (p.file != file, p.file, p.line, p.column)))
    digest = hashlib.sha256(raw)
    for fragment_raw, _ in fragments:  # a changed fragment is a changed book
        digest.update(fragment_raw)
    return Rulebook(
        name=spec.name,
        version=digest.hexdigest()[:12],
        declared_version=spec.version,
        timezone=spec.timezone,
        variables=spec.vars,
        compiled=compiled,
        path=file,
    )


def _compile_fragment(
    raw: bytes,
    file: str,
    variables: dict[str, Any],
    known_groups: Collection[str] | None,
    taken: set[str],
) -> tuple[list[CompiledRule], list[Problem]]:
    """One fragment's rules; a rule id already `taken` (by the main book or an earlier fragment) is
    a problem at the fragment's line, so the path's author sees which of their rules clashes."""
    located = _located(raw, file)
    problems = list(located.problems)
    spec = None if located.problems and located.data is None else validate(FragmentSpec, located, problems)
    if spec is None:
        return [], problems
    for index, rule in enumerate(spec.rules):
        if rule.id in taken:
            problems.append(
                located.problem(("rules", index, "id"), f"rule id {rule.id!r} is used by another rule")
            )
    taken.update(r.id for r in spec.rules)
    compiled, more = compile_rules(spec.rules, variables, located, known_groups)
    return compiled, problems + more


def validate(model: type[M], located: Located, problems: list[Problem]) -> M | None:
    """Validate located data against a model, turning pydantic's errors into located problems."""
    if located.data is None:
        problems.append(Problem(located.file, 1, 1, "the file is empty"))
        return None
    try:
        return model.model_validate(located.data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(_problem(located, model, error))
        return None


def _problem(located: Located, model: type[BaseModel], error: Any) -> Problem:
    loc = tuple(error["loc"])
    field = loc[-1] if loc else ""
    if error["type"] == "extra_forbidden":
        message = f"unknown field {field!r}"
        allowed = _allowed_fields(model, loc[:-1])
        close = difflib.get_close_matches(str(field), allowed, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        return located.problem(loc, message, key=True)
    if error["type"] in ("model_type", "dict_type"):
        return located.problem(loc, f"expected a mapping here, not {type(error['input']).__name__}")
    if error["type"] == "missing":
        return located.problem(loc[:-1], f"missing field {field!r}")
    where = ".".join(str(p) for p in loc)
    return located.problem(loc, f"{where}: {error['msg']}" if where else error["msg"])


def _allowed_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at `loc` (following nested models and list items)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        current = None if field is None else _inner_model(field.annotation)
    return [] if current is None else list(current.model_fields)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside `list[Rule]`, `ApprovalSpec | None` and the like."""
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
