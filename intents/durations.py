"""Durations as people type them (`90m`, `36h`, `3d`, `2w`): how long an environment lives (ttl=).

Kept as canonical text in the intent (the largest unit that divides evenly, so `72h` is `3d`) so
intents stay plain values that describe and round-trip; callers that schedule work read them back
with parse_duration.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_DURATION = re.compile(r"([0-9]{1,6})\s*([wdhm])", re.ASCII)


def parse_duration(text: str) -> timedelta:
    """The duration `text` names (a positive whole number and one unit: m, h, d or w), or ValueError."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"not a duration: {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def format_duration(duration: timedelta) -> str:
    """Canonical text for a duration of whole minutes: the largest unit that divides it (72h -> 3d)."""
    for unit, size in _UNITS.items():
        if duration % size == timedelta(0):
            return f"{duration // size}{unit}"
    raise ValueError("durations are whole minutes")


def minutes(duration: timedelta) -> int:
    return duration // _UNITS["m"]
