"""Errors of the intents package.

Everything the package raises on purpose derives from `IntentsError`:

    Exception
    └── IntentsError            base: catch this to catch anything intents raises on purpose
        ├── CatalogError        manifests/catalog.yaml is broken; raised at start-up by load_catalog.
        │                       .problems: tuple[CatalogProblem(file, line, column, where, message), ...]
        └── IntentError         a developer's input did not parse or validate (slash command, modal, CLI).
                                .problems: tuple[Problem(code, message, path, key, given, expected,
                                suggestions, position), ...]; .path / .given let the bot reopen a form.

Both carry *every* problem found in one input, never only the first, as structured data the bot renders;
`str(error)` is a plain-text rendering for the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# What the grammar or a form handed over for one key: text, or a list of texts from a multi-select.
GivenValue = str | tuple[str, ...]

CATALOG_COMMAND = "`/platform catalog`"
CATALOG_HINT = f"See {CATALOG_COMMAND} for the golden paths and their parameters."


class ProblemCode(StrEnum):
    """Kinds of input problems; the bot may pick wording or layout by kind."""

    BAD_INPUT = "bad_input"  # too long, control characters, invisible or unassigned Unicode
    BAD_SYNTAX = "bad_syntax"  # unclosed quote, `=` without a key, ...
    UNKNOWN_COMMAND = "unknown_command"
    MISSING_PATH = "missing_path"
    UNKNOWN_PATH = "unknown_path"
    UNKNOWN_KEY = "unknown_key"
    DUPLICATE_KEY = "duplicate_key"
    BAD_VALUE = "bad_value"
    MISSING_VALUE = "missing_value"  # a required parameter was not given
    MISSING_ARGUMENT = "missing_argument"  # e.g. `status` without a request id
    BAD_ARGUMENT = "bad_argument"  # e.g. `list everything`, `status PB-x`
    UNEXPECTED_ARGUMENT = "unexpected_argument"  # a word the command does not take
    FIXED_KEY = "fixed_key"  # an update names a parameter that cannot change (name, env, ...)
    NO_CHANGE = "no_change"  # an update that changes nothing


class Problem(BaseModel):
    """One thing wrong with an input, in a shape the bot can render next to the field it concerns."""

    model_config = ConfigDict(frozen=True)

    code: ProblemCode
    message: str  # a whole sentence, ready to show
    path: str | None = None  # canonical golden-path name, when known
    key: str | None = None  # parameter key (lower-case), when the problem concerns one
    given: str | None = None  # what was typed, verbatim (shortened when very long)
    expected: str | None = None  # what would be accepted, in words
    suggestions: tuple[str, ...] = ()  # closest valid alternatives, best first
    position: int | None = None  # character offset in the typed text, when known


class IntentsError(Exception):
    """Base of every error the intents package raises on purpose."""


class IntentError(IntentsError):
    """An input did not parse or validate. Nothing should be stored for it.

    `path` is the canonical golden path when one was recognised and `given` the values typed for it
    (keys lower-case), so the bot can offer a form pre-filled with them (see intents.forms.build_form).
    """

    def __init__(
        self,
        problems: Iterable[Problem],
        *,
        path: str | None = None,
        given: Mapping[str, GivenValue] | None = None,
    ) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.path = path
        self.given: dict[str, GivenValue] = dict(given or {})
        super().__init__(self.render_text())

    def render_text(self) -> str:
        lines = [f"- {problem.message}" for problem in self.problems]
        # Point at the catalog once, unless a message already does.
        mentioned = any(CATALOG_COMMAND in p.message for p in self.problems)
        if not mentioned and any(p.code in _CATALOG_RELATED for p in self.problems):
            lines.append(CATALOG_HINT)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render_text()


_CATALOG_RELATED = frozenset(
    {ProblemCode.UNKNOWN_PATH, ProblemCode.MISSING_PATH, ProblemCode.UNKNOWN_KEY, ProblemCode.UNKNOWN_COMMAND}
)


class CatalogProblem(BaseModel):
    """One thing wrong with the catalog file, located so an operator can fix it."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    where: str = ""  # dotted location inside the document, e.g. paths[0].parameters.size.default
    message: str

    def render(self) -> str:
        location = self.file
        if self.line is not None:
            location += f":{self.line}"
            if self.column is not None:
                location += f":{self.column}"
        where = f" {self.where}:" if self.where else ""
        return f"{location}:{where} {self.message}"


class CatalogError(IntentsError):
    """The golden-path catalog is broken; the bot must not start with it."""

    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        super().__init__(self.render_text())

    def render_text(self) -> str:
        return "\n".join(problem.render() for problem in self.problems)

    def __str__(self) -> str:
        return self.render_text()
