"""Compile and lint rules: every CEL source is compiled once, here, and checked for the mistakes
the CEL library would only report at evaluation time (unknown names and functions).

Each check reports a located problem and the compiler carries on, so one `rulebook check` run
shows every problem in the file, not just the first.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import cel

from rulebook import cel_source
from rulebook.engine import (
    KNOWN_FUNCTIONS,
    NAMESPACES,
    PLAN_ROOTS,
    ROOTS,
    TYPE_NAMES,
    compile_source,
    is_operator,
    regex,
)
from rulebook.errors import Problem
from rulebook.located import Located
from rulebook.models import OWNING_TEAM, Effect, Rule, Stage
from rulebook.template import Template, placeholders

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class CompiledRule:
    rule: Rule
    program: cel.Program
    message: Template
    remediation: Template


def compile_rules(
    rules: list[Rule],
    variables: dict[str, Any],
    located: Located,
    known_groups: Collection[str] | None,
) -> tuple[list[CompiledRule], list[Problem]]:
    problems: list[Problem] = []
    compiled: list[CompiledRule] = []
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        at: tuple[str | int, ...] = ("rules", index)
        if not _RULE_ID.match(rule.id):
            text = f"rule id {rule.id!r} must be lower-case letters, digits and hyphens"
            problems.append(located.problem((*at, "id"), text))
        if rule.id in seen:
            problems.append(located.problem((*at, "id"), f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
        problems += _check_approval(rule, at, located, known_groups)
        checker = _SourceChecker(located, rule.stage, variables)
        program = checker.compile(rule.condition, (*at, "condition"), base=0)
        message = checker.template(rule.message, (*at, "message"))
        remediation = checker.template(rule.remediation, (*at, "remediation"))
        problems += checker.problems
        if program is not None and message is not None and remediation is not None:
            compiled.append(CompiledRule(rule, program, message, remediation))
    return compiled, problems


def _check_approval(
    rule: Rule, at: tuple[str | int, ...], located: Located, known_groups: Collection[str] | None
) -> list[Problem]:
    if rule.effect is Effect.REQUIRE_APPROVAL and rule.approval is None:
        message = f"rule {rule.id!r}: require_approval needs an `approval: {{group, count}}`"
        return [located.problem(at, message)]
    if rule.effect is not Effect.REQUIRE_APPROVAL and rule.approval is not None:
        message = f"rule {rule.id!r}: `approval` only goes with effect require_approval, not {rule.effect}"
        return [located.problem((*at, "approval"), message, key=True)]
    problems: list[Problem] = []
    if rule.approval is not None:
        if rule.approval.count < 1:
            problems.append(located.problem((*at, "approval", "count"), "approval count must be at least 1"))
        if known_groups is not None and rule.approval.group not in {*known_groups, OWNING_TEAM}:
            known = ", ".join(sorted(known_groups)) or "none"
            message = f"unknown approval group {rule.approval.group!r} (the config defines: {known})"
            problems.append(located.problem((*at, "approval", "group"), message))
    return problems


class _SourceChecker:
    """Compiles the CEL sources of one rule, collecting located problems."""

    def __init__(self, located: Located, stage: Stage, variables: dict[str, Any]) -> None:
        self.located = located
        self.stage = stage
        self.variables = variables
        self.problems: list[Problem] = []

    def template(self, text: str, path: tuple[str | int, ...]) -> Template | None:
        ok = True
        for placeholder in placeholders(text):
            ok = self.compile(placeholder.source, path, base=placeholder.offset) is not None and ok
        return Template.compile(text) if ok else None

    def compile(self, source: str, path: tuple[str | int, ...], *, base: int) -> cel.Program | None:
        """`base` is where `source` starts inside the YAML value (non-zero inside templates)."""
        try:
            # Without trailing blank lines, an error at the end points at the last line written.
            program = cel.compile(source.rstrip())
        except ValueError as exc:
            line, column, text = cel_source.syntax_error(str(exc))
            offset = base + cel_source.offset_of(source, line, column)
            self.problems.append(self.located.problem_in(path, offset, f"CEL: {text}"))
            return None
        before = len(self.problems)
        self._check_names(program, source, path, base)
        self._check_patterns(source, path, base)
        return compile_source(source) if len(self.problems) == before else None

    def _check_names(self, program: cel.Program, source: str, path: tuple[str | int, ...], base: int) -> None:
        bound = cel_source.comprehension_names(source) | TYPE_NAMES | NAMESPACES
        for name in program.variables():
            if name in bound:
                continue
            where = base + cel_source.find_name(source, name)
            if name not in ROOTS:
                roots = ", ".join(sorted(ROOTS))
                self._add(path, where, f"unknown name {name!r} (a condition can use: {roots})")
            elif name in PLAN_ROOTS and self.stage is Stage.INTENT:
                self._add(path, where, f"`{name}` is only known at the plan stage (set `stage: plan`)")
        for name in program.functions():
            if not is_operator(name) and name not in KNOWN_FUNCTIONS:
                self._add(path, base + cel_source.find_name(source, name), f"unknown function {name!r}")
        for member, offset in cel_source.member_uses(source, "vars"):
            if member not in self.variables:
                self._add(path, base + offset, f"`vars.{member}` is not defined in the rulebook's vars")

    def _check_patterns(self, source: str, path: tuple[str | int, ...], base: int) -> None:
        """Regexes known at load time (literals, `vars` entries) must compile."""
        for pattern, offset in cel_source.matches_patterns(source, self.variables):
            try:
                regex(pattern)
            except re.error as exc:
                self._add(path, base + offset, f"invalid regex {pattern!r}: {exc}")

    def _add(self, path: tuple[str | int, ...], offset: int, message: str) -> None:
        self.problems.append(self.located.problem_in(path, offset, message))
