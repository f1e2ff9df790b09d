"""Load a rulebook file: YAML with positions, schema, then the compiler's lint and CEL checks."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Collection
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rulebook.book import Rulebook
from rulebook.compiler import compile_rules
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


def load_rulebook(path: str | Path, known_groups: Collection[str] | None = None) -> Rulebook:
    """Load, validate and compile a rulebook; raises RulebookLoadError listing every problem.

    With `known_groups` (the approver groups of the bot's config), approvals naming any other
    group are problems too.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulebookLoadError([Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")]) from exc
    return parse_rulebook(raw, str(path), known_groups)


def parse_rulebook(raw: bytes, file: str, known_groups: Collection[str] | None = None) -> Rulebook:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulebookLoadError([Problem(file, 1, 1, "not UTF-8 text")]) from exc
    located = read_located(text, file)
    problems = list(located.problems)
    spec = None if located.problems and located.data is None else validate(RulebookSpec, located, problems)
    if spec is not None:
        try:
            ZoneInfo(spec.timezone)
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            problems.append(located.problem(("timezone",), f"unknown time zone {spec.timezone!r}"))
        compiled, more = compile_rules(spec.rules, spec.vars, located, known_groups)
        problems += more
    if spec is None or problems:
        raise RulebookLoadError(sorted(problems, key=lambda p: (p.line, p.column)))
    return Rulebook(
        name=spec.name,
        version=hashlib.sha256(raw).hexdigest()[:12],
        declared_version=spec.version,
        timezone=spec.timezone,
        variables=spec.vars,
        compiled=compiled,
        path=file,
    )


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
