"""Messages and remediation hints with `{{ CEL expression }}` placeholders.

Placeholders are CEL, compiled at load like conditions, so a message can say more than a field:
`{{ intent.params.extensions.filter(e, !(e in vars.postgres_extensions)) }}` names exactly the
extensions that broke the rule. Lists render joined with ", ".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

from rulebook.engine import ROOTS, compile_source, render_value

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_FIELD_PATH = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A placeholder that only names a field (`intent.name`): read from the facts directly, since
    a CEL call per field would cost more than the rule that matched."""

    parts: tuple[str, ...]

    def lookup(self, facts: Mapping[str, Any]) -> Any:
        value: Any = facts
        for part in self.parts:
            try:
                value = value[part]
            except (KeyError, TypeError, IndexError):
                raise KeyError(part) from None  # what CEL raises for a missing field
        return value


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

    parts: tuple[str | FieldPath | cel.Program, ...]

    @classmethod
    def compile(cls, template: str) -> Template:
        """Raises ValueError (from the CEL library) when a placeholder does not compile."""
        parts: list[str | FieldPath | cel.Program] = []
        last = 0
        for match in _PLACEHOLDER.finditer(template):
            parts.append(template[last : match.start()])
            source = match.group(1).strip()
            if _FIELD_PATH.match(source) and source.split(".")[0] in ROOTS:
                parts.append(FieldPath(tuple(source.split("."))))
            else:
                parts.append(compile_source(source))
            last = match.end()
        parts.append(template[last:])
        return cls(tuple(p for p in parts if p != ""))

    def render(self, context: cel.Context, facts: Mapping[str, Any]) -> str:
        """`facts` are the context's values as Python data. Raises KeyError for a missing field
        and whatever the CEL library raises for a placeholder that cannot be evaluated."""
        # A decision renders every matching rule's two templates: this loop is on the hot path.
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, FieldPath):
                out.append(render_value(part.lookup(facts)))
            else:
                out.append(render_value(part.execute(context)))
        return "".join(out)
