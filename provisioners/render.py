"""Text rendering of plans and drift reports, in the spirit of `pulumi preview --diff`."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from typing import Protocol

from pydantic import JsonValue


class RenderedChange(Protocol):
    """What rendering reads of a change (provisioners.plan.ResourceChange has it all); a protocol so
    that this module needs nothing from plan.py, which builds on it."""

    @property
    def op(self) -> str: ...
    @property
    def stateful(self) -> bool: ...
    @property
    def short_type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def replace_keys(self) -> Sequence[str]: ...
    @property
    def keys(self) -> Sequence[str]: ...
    @property
    def before(self) -> Mapping[str, JsonValue]: ...
    @property
    def after(self) -> Mapping[str, JsonValue]: ...


SYMBOLS = {"create": "+", "update": "~", "replace": "+-", "delete": "-"}
VERBS = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
# Shown unquoted: they stand for a value, they are not one.
PLACEHOLDERS = frozenset({"[secret]", "(known after apply)"})
INDENT = "    "


def short_type(type_token: str) -> str:
    """`pulumi-python:dynamic/platformbot:PostgresRole` reads better as `platformbot:PostgresRole`."""
    prefix = "pulumi-python:dynamic/"
    return type_token[len(prefix) :] if type_token.startswith(prefix) else type_token


def readable_address(address: str) -> str:
    """`pulumi-python:dynamic/platformbot:PostgresRole::billing` reads as `PostgresRole billing`:
    what a requester or approver recognises, without the engine's type token."""
    type_token, _, name = address.rpartition("::")
    if not type_token:
        return address
    kind = short_type(type_token).rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    return f"{kind} {name}"


def summary_line(counts: Mapping[str, int], unchanged: int) -> str:
    parts = [f"{n} {VERBS.get(op, op)}" for op, n in counts.items() if n]
    if not parts:
        return f"No changes. {unchanged} unchanged."
    tail = f", {unchanged} unchanged" if unchanged else ""
    return "Resources: " + ", ".join(parts) + tail + "."


# The attribution every resource carries (provisioners.labels.LABELS_INPUT).
LABELS_KEY = "labels"


def render_changes(
    header: str, changes: Sequence[RenderedChange], footer: str, max_value_lines: int | None
) -> str:
    lines = [header]
    shared = _shared_new_labels(changes)
    if shared is not None:
        # Said once: the same six labels on every resource would bury the changes that matter.
        lines.append(f"  + {LABELS_KEY} (on every resource below): {format_value(shared)}")
    for change in changes:
        lines.extend(_render_change(change, max_value_lines, skip=LABELS_KEY if shared is not None else None))
    lines.append(footer)
    return "\n".join(lines)


def _shared_new_labels(changes: Sequence[RenderedChange]) -> JsonValue | None:
    """The labels two or more changes newly set to one same value (creates, or a first labelling);
    None when they differ, or when a change keeps or removes its labels (each is shown then)."""
    set_to = [
        c.after[LABELS_KEY]
        for c in changes
        if LABELS_KEY in c.keys and LABELS_KEY in c.after and LABELS_KEY not in c.before
    ]
    others = [
        c for c in changes if LABELS_KEY in c.keys and (LABELS_KEY in c.before or LABELS_KEY not in c.after)
    ]
    if len(set_to) < 2 or others or any(v != set_to[0] for v in set_to):
        return None
    return set_to[0]


def _render_change(change: RenderedChange, max_lines: int | None, skip: str | None = None) -> list[str]:
    symbol = SYMBOLS[change.op]
    notes = [change.op] + (["stateful"] if change.stateful else [])
    head = f"{symbol} {change.short_type} {change.name} ({', '.join(notes)})"
    if change.replace_keys:
        head += f" [replace because: {', '.join(change.replace_keys)}]"
    out = [head]
    for key in change.keys:
        if key == skip:
            continue
        before, after = change.before.get(key), change.after.get(key)
        if change.op == "create" or (key not in change.before and key in change.after):
            out.extend(_single("+", key, after, max_lines))
        elif change.op == "delete" or key not in change.after:
            out.extend(_single("-", key, before, max_lines))
        else:
            out.extend(_pair(key, before, after, max_lines))
    return out


def _single(symbol: str, key: str, value: JsonValue, max_lines: int | None) -> list[str]:
    if _multiline(value):
        assert isinstance(value, str)
        body = [f"{INDENT}{INDENT}{symbol} {line}".rstrip() for line in value.splitlines()]
        return [f"{INDENT}{symbol} {key}: |", *_clip(body, max_lines)]
    return [f"{INDENT}{symbol} {key}: {format_value(value)}"]


def _pair(key: str, before: JsonValue, after: JsonValue, max_lines: int | None) -> list[str]:
    if _multiline(before) or _multiline(after):
        old = before.splitlines() if isinstance(before, str) else [format_value(before)]
        new = after.splitlines() if isinstance(after, str) else [format_value(after)]
        diff = list(difflib.unified_diff(old, new, lineterm="", n=1))[2:]  # drop the ---/+++ header
        body = [f"{INDENT}{INDENT}{line}".rstrip() for line in diff]
        return [f"{INDENT}~ {key}:", *_clip(body, max_lines)]
    return [f"{INDENT}~ {key}: {format_value(before)} => {format_value(after)}"]


def _clip(lines: list[str], max_lines: int | None) -> list[str]:
    if max_lines is None or len(lines) <= max_lines:
        return lines
    return [*lines[:max_lines], f"{INDENT}{INDENT}... ({len(lines) - max_lines} more lines)"]


def _multiline(value: JsonValue) -> bool:
    return isinstance(value, str) and "\n" in value.rstrip("\n")


def format_value(value: JsonValue) -> str:
    if isinstance(value, str) and value in PLACEHOLDERS:
        return value
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in sorted(value.items())) + "}"
    return json.dumps(value, ensure_ascii=False)
