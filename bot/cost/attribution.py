"""Joining a bill's rows to what the bot built: which team, golden path and request each charge is.

Pure. A row is attributed, in this order:
1. by its `Tags`: the attribution labels every resource the bot creates carries
   (provisioners.labels: `team`, `golden_path`, `request_id`, ...; a cloud's export may spell
   them with `-` or a `platformbot-` prefix, so those spellings are read too);
2. by its `ResourceId` (or `ResourceName`) naming a stack the bot built: the whole value, or its
   last `/` or `:` segment, is the stack's name;
and otherwise it stays unattributed. The share of spend attributed to a team is the figure the
"30% know where their cloud budget goes" statistic is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.cost.focus import FocusRow
from bot.cost.history import StackChange

# Label (provisioners.labels.LABEL_KEYS) -> the tag keys read for it, compared case-insensitively.
TAG_KEYS: Mapping[str, tuple[str, ...]] = {
    "team": ("team", "platformbot-team", "platformbot_team"),
    "golden_path": ("golden_path", "golden-path", "platformbot-path", "platformbot_golden_path"),
    "request_id": (
        "request_id",
        "request-id",
        "platformbot-request",
        "platformbot_request",
        "platformbot_request_id",
    ),
}
_REQUEST_NUMBER = re.compile(r"(?:pb-)?(\d{1,12})", re.IGNORECASE)
BY_TAGS, BY_RESOURCE = "tags", "resource"


@dataclass(frozen=True)
class StackInfo:
    stack_name: str
    path: str
    team: str | None
    request_ids: frozenset[int]


def stacks_of(changes: Iterable[StackChange]) -> dict[str, StackInfo]:
    """Every stack the bot built (live or since destroyed: a bill covers the past month)."""
    found: dict[str, StackInfo] = {}
    for change in changes:
        seen = found.get(change.stack_name)
        ids = (seen.request_ids if seen else frozenset()) | {change.request_id}
        found[change.stack_name] = StackInfo(change.stack_name, change.path, change.team, ids)
    return found


@dataclass(frozen=True)
class Attribution:
    team: str | None = None
    path: str | None = None
    stack_name: str | None = None
    request_id: int | None = None
    # How it was found: BY_TAGS, BY_RESOURCE, or "" (unattributed).
    matched_by: str = ""


def _tag(tags: Mapping[str, str], label: str) -> str | None:
    lowered = {k.lower(): v.strip() for k, v in tags.items()}
    return next((lowered[k] for k in TAG_KEYS[label] if lowered.get(k)), None)


def _request_number(value: str | None) -> int | None:
    match = _REQUEST_NUMBER.fullmatch(value or "")
    return int(match.group(1)) if match else None


def _named_stack(row: FocusRow, stacks: Mapping[str, StackInfo]) -> StackInfo | None:
    for value in (row.resource_id, row.resource_name):
        for candidate in (value, re.split(r"[/:]", value)[-1]):
            if candidate in stacks:
                return stacks[candidate]
    return None


def attribute(
    row: FocusRow, stacks: Mapping[str, StackInfo], by_request: Mapping[int, StackInfo]
) -> Attribution:
    team, path = _tag(row.tags, "team"), _tag(row.tags, "golden_path")
    number = _request_number(_tag(row.tags, "request_id"))
    stack = by_request.get(number) if number is not None else None
    if team or path or stack:
        return Attribution(
            team=team or (stack.team if stack else None),
            path=path or (stack.path if stack else None),
            stack_name=stack.stack_name if stack else None,
            request_id=number,
            matched_by=BY_TAGS,
        )
    stack = _named_stack(row, stacks)
    if stack is not None:
        return Attribution(
            team=stack.team,
            path=stack.path,
            stack_name=stack.stack_name,
            request_id=max(stack.request_ids),
            matched_by=BY_RESOURCE,
        )
    return Attribution()


def attribute_all(
    rows: Iterable[FocusRow], changes: Iterable[StackChange]
) -> list[tuple[FocusRow, Attribution]]:
    stacks = stacks_of(changes)
    by_request = {n: s for s in stacks.values() for n in s.request_ids}
    return [(row, attribute(row, stacks, by_request)) for row in rows]
