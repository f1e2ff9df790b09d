"""Errors raised by the rulebook package.

Evaluating a rulebook never raises: a rule that cannot be evaluated becomes a failure in the
`Decision` (fail closed). Exceptions are only for rulebooks and rule tests that cannot be loaded::

    RulebookError                 base; `.problems` lists every located Problem found
    ├── RulebookLoadError         the rulebook file is unreadable, not YAML, breaks the schema,
    │                             has a CEL compile error or fails the linter
    └── RuleTestError             a rule-test file is unreadable, not YAML or breaks its schema

Every problem carries the file, line and column (1-based) it was found at, so editors and CI
logs can jump straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file, at a place in it (line and column are 1-based)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class RulebookError(Exception):
    """Base of every error this package raises; carries all the problems found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RulebookLoadError(RulebookError):
    """The rulebook could not be loaded: YAML, schema, CEL or lint problems."""


class RuleTestError(RulebookError):
    """A rule-test file could not be loaded."""
