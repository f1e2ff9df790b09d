"""Messages and remediation hints with `{{ CEL expression }}` placeholders.

Placeholders are CEL, compiled at load like conditions, so a message can say more than a field:
`{{ intent.params.extensions.filter(e, !(e in vars.postgres_extensions)) }}` names exactly the
extensions that broke the rule. Lists render joined with ", ".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cel

from rulebook.engine import compile_source, render_value

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Placeholder:
    source: str
    offset: int  # where the expression starts inside the template, for lint positions


def placeholders(template: str) -> list[Placeholder]:
    found = []
    for match in _PLACEHOLDER.finditer(template):
        body = match.group(1)
        found.append(Placeholder(body.strip(), match.start(1) + len(body) - len(body.lstrip())))
    return found


@dataclass(frozen=True, slots=True)
class Template:
    """A template split into literal text and compiled expressions, alternating."""

    parts: tuple[str | cel.Program, ...]

    @classmethod
    def compile(cls, template: str) -> Template:
        """Raises ValueError (from the CEL library) when a placeholder does not compile."""
        parts: list[str | cel.Program] = []
        last = 0
        for match in _PLACEHOLDER.finditer(template):
            parts.append(template[last : match.start()])
            parts.append(compile_source(match.group(1).strip()))
            last = match.end()
        parts.append(template[last:])
        return cls(tuple(p for p in parts if p != ""))

    def render(self, context: cel.Context) -> str:
        """Raises whatever the CEL library raises for a placeholder that cannot be evaluated."""
        return "".join(p if isinstance(p, str) else render_value(p.execute(context)) for p in self.parts)
