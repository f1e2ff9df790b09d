"""YAML read with the position of every key and value, so each problem can say file:line:column.

PyYAML's node tree has the marks; `yaml.safe_load` throws them away. We walk the nodes ourselves,
build plain Python values with the safe constructor, and record where each path (`("rules", 3,
"condition")`) starts. Duplicate keys, which YAML silently lets the last one win, become problems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from rulebook.errors import Problem

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Spot:
    """Where a value starts (0-based, as PyYAML counts) and how its scalar was written."""

    line: int
    column: int
    style: str | None = None


@dataclass
class Located:
    """A YAML document as plain data, plus the spots of its values and of its mapping keys."""

    file: str
    data: Any
    text: str = ""
    values: dict[Path, Spot] = field(default_factory=dict)
    keys: dict[Path, Spot] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def spot(self, path: Sequence[str | int], *, key: bool = False) -> Spot:
        """The spot of `path`, or of its nearest ancestor that exists (for missing fields)."""
        path = tuple(path)
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, Spot(0, 0))

    def problem(self, path: Sequence[str | int], message: str, *, key: bool = False) -> Problem:
        spot = self.spot(path, key=key)
        return Problem(self.file, spot.line + 1, spot.column + 1, message)

    def problem_in(self, path: Sequence[str | int], offset: int, message: str) -> Problem:
        """A problem at a character offset inside the string value at `path` (a CEL source)."""
        line, column = self._position_in_value(self.spot(path), offset)
        return Problem(self.file, line, column, message)

    def _position_in_value(self, spot: Spot, offset: int) -> tuple[int, int]:
        # Walk the file lines the scalar was read from, consuming the value's characters the way
        # YAML produced them: block scalars drop their indentation, flow scalars fold newlines.
        lines = self.text.split("\n")
        block = spot.style in ("|", ">")
        row = spot.line + 1 if block else spot.line
        remaining = offset
        indent: int | None = None
        while row < len(lines):
            line = lines[row]
            if block:
                if indent is None and line.strip():
                    indent = len(line) - len(line.lstrip(" "))
                start = indent or 0
            elif row == spot.line:
                start = spot.column + (1 if spot.style in ("'", '"') else 0)
            else:
                start = len(line) - len(line.lstrip())
            content = line[start:]
            if remaining <= len(content) or row == len(lines) - 1:
                return row + 1, start + min(remaining, len(content)) + 1
            remaining -= len(content) + 1
            row += 1
        return spot.line + 1, spot.column + 1  # an empty block scalar on the file's last line


def read_located(text: str, file: str) -> Located:
    """Parse one YAML document; syntax errors come back as problems with their position."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        located = Located(file=file, data=None, text=text)
        if node is not None:
            located.data = _walk(loader, node, (), located)
        return located
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = f"YAML: {exc.problem or exc.context}"
        return Located(file=file, data=None, text=text, problems=[Problem(file, line, column, message)])
    finally:
        loader.dispose()


def _walk(loader: yaml.SafeLoader, node: yaml.Node, path: Path, located: Located) -> Any:
    located.values[path] = Spot(node.start_mark.line, node.start_mark.column, getattr(node, "style", None))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key_spot = Spot(key_node.start_mark.line, key_node.start_mark.column)
            line, column = key_spot.line + 1, key_spot.column + 1
            if not isinstance(key, str | int):
                located.problems.append(Problem(located.file, line, column, "mapping keys must be strings"))
                continue
            child = (*path, key)
            if key in result:
                located.problems.append(Problem(located.file, line, column, f"duplicate key {key!r}"))
            located.keys[child] = key_spot
            result[key] = _walk(loader, value_node, child, located)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, i), located) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
