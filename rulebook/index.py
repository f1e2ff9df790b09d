"""Rule indexing: skip rules that cannot match a request without running their CEL.

Most rules start by narrowing the request: `intent.path == "service" && ...`,
`intent.env == "prod" && ...`, `action == "destroy" && ...`. A condition is a chain of `&&`
clauses, and in CEL `false && x` is false whatever `x` is, even an error. So when such a clause is
false for a request, the rule's answer is already known: no match, no failure. OPA indexes rules
the same way. The index reads those clauses once, at load, and keeps one list of candidate rules
per (stage, path, env, action), which is a small set for any real catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rulebook.cel_source import split_conjuncts, unwrap

# Facts with few values that nearly every rulebook tests first. They are plain strings in every
# context, so Python's `==` answers exactly as CEL's would.
INDEXED = ("intent.path", "intent.env", "action")

_FIELD = r"(?P<field>intent\.path|intent\.env|action)"
_LITERAL = r"""(?:"[^"\\\n]*"|'[^'\\\n]*')"""
_EQUALS = (
    re.compile(rf"^{_FIELD}\s*==\s*(?P<value>{_LITERAL})$"),
    re.compile(rf"^(?P<value>{_LITERAL})\s*==\s*{_FIELD}$"),
)
_IN = re.compile(rf"^{_FIELD}\s+in\s+\[\s*(?P<values>{_LITERAL}(?:\s*,\s*{_LITERAL})*)?\s*,?\s*\]$")


def guards(condition: str) -> dict[str, frozenset[str]]:
    """For each indexed fact, the values for which the condition can still hold (absent: any)."""
    found: dict[str, frozenset[str]] = {}
    for clause in split_conjuncts(condition):
        field, values = _guard(clause)
        if field is not None:
            found[field] = found[field] & values if field in found else values
    return found


def _guard(clause: str) -> tuple[str | None, frozenset[str]]:
    clause = unwrap(clause)
    for pattern in _EQUALS:
        equals = pattern.match(clause)
        if equals is not None:
            return equals.group("field"), frozenset({equals.group("value")[1:-1]})
    member = _IN.match(clause)
    if member is not None:
        literals = re.findall(_LITERAL, member.group("values") or "")
        return member.group("field"), frozenset(literal[1:-1] for literal in literals)
    return None, frozenset()


T = TypeVar("T")


@dataclass(frozen=True)
class Guarded(Generic[T]):
    item: T
    guards: dict[str, frozenset[str]]


class RuleIndex(Generic[T]):
    """Candidate rules (in rulebook order) for a request's indexed facts, memoised."""

    # Paths and environments come from the catalog, so the memo stays small; the cap only guards
    # against a caller inventing values.
    MAX_ENTRIES = 4096

    def __init__(self, items: Iterable[Guarded[T]]) -> None:
        self._items = tuple(items)
        self._memo: dict[tuple[str, ...], tuple[T, ...]] = {}

    def candidates(self, facts: Sequence[str]) -> tuple[T, ...]:
        """`facts` are the values of INDEXED, in that order."""
        key = tuple(facts)
        found = self._memo.get(key)
        if found is None:
            values = dict(zip(INDEXED, key, strict=True))
            found = tuple(
                g.item for g in self._items if all(values[f] in allowed for f, allowed in g.guards.items())
            )
            if len(self._memo) >= self.MAX_ENTRIES:
                self._memo.clear()
            self._memo[key] = found
        return found
